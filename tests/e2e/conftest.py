"""The fixtures the console's browser journeys share: the realm, and a stack with a console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.console import console_with_stack
from tests.e2e.stack import Stack
from tests.keycloak import Keycloak, read_secrets
from tests.servers import Servers


@pytest.fixture(scope="module")
def keycloak(servers: Servers) -> Keycloak:
    if not servers.keycloak or servers.secrets_file is None:
        pytest.fail(f"no Keycloak in this run ({servers.how}): start it with deploy/local/infra.sh")
    return Keycloak(servers.keycloak, read_secrets(servers.secrets_file))


@pytest.fixture
def stack_and_console(
    request: pytest.FixtureRequest, servers: Servers, run_id: str, pii_key: str, keycloak: Keycloak
) -> Iterator[tuple[Stack, str]]:
    """A stack and a console for one test (its logs in tests/artifacts/ named by its module)."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with console_with_stack(servers, run_id, pii_key, keycloak, name) as both:
        yield both
