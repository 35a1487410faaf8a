"""What happens when a command or an event arrives: no HTTP, no Kafka here."""
