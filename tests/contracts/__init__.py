"""Contract tests of the ports: one base class per port holding the tests, subclassed once per
adapter (the fake under tests/unit/, the real one under tests/integration/), so the in-memory
adapter the unit tier relies on is held to what the real one does."""
