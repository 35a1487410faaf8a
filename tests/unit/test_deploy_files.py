"""docker-compose.yml, the Dockerfile and the Prometheus/Grafana files say what a user relies on.

No Docker engine is needed: the files are parsed, not run.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from string import Template
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PROMETHEUS_FILE = ROOT / "deploy" / "prometheus" / "prometheus.yml"
GRAFANA_DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources"

SERVICES = {"intake": 8001, "rules": 8002, "scheduler": 8003, "notifier": 8004, "reporting": 8005}
SECRET_NAME = re.compile(r"SECRET|KEY|PASSWORD", re.IGNORECASE)
REQUIRED_REFERENCE = re.compile(r"\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}")

Compose = dict[str, Any]


@pytest.fixture(scope="module")
def compose() -> Compose:
    loaded: Compose = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _published_ports(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host ip, host port, container port) of each published port; '' where unsaid."""
    published: list[tuple[str, str, str]] = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            published.append(
                (str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"]))
            )
            continue
        host_ip, host_port, target = ["", "", *str(port).split("/")[0].split(":")][-3:]
        published.append((host_ip, host_port, target))
    return published


# --- Dockerfile reading: just enough of the syntax to know what the runtime stage runs.


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    found: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, rest = (current + line).partition(" ")
        found.append((keyword.upper(), rest.strip()))
        current = ""
    return found


class RuntimeStage:
    """The last stage of a Dockerfile, with the build arguments substituted."""

    def __init__(self, path: Path, build_args: dict[str, str]) -> None:
        instructions = _instructions(path)
        last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
        self.all_instructions = instructions
        self.env: dict[str, str] = {}
        self.cmd: list[str] = []
        self.expose: list[str] = []
        self.user = "root"
        self.healthcheck = ""
        variables: dict[str, str] = {}
        for keyword, rest in instructions[last_from + 1 :]:
            expand = Template(rest).safe_substitute({**variables, **self.env})
            if keyword == "ARG":
                name, _, default = rest.partition("=")
                variables[name] = build_args.get(name, default)
            elif keyword == "ENV":
                for token in shlex.split(expand):
                    name, _, value = token.partition("=")
                    self.env[name] = value
            elif keyword == "EXPOSE":
                self.expose += [p.split("/")[0] for p in expand.split()]
            elif keyword == "USER":
                self.user = expand
            elif keyword == "HEALTHCHECK":
                self.healthcheck = rest
            elif keyword == "CMD":
                self.cmd = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]

    def argv(self, command: list[str] | None = None) -> list[str]:
        """What the container runs: compose's ``command`` or the CMD, through ``sh -c``."""
        argv = command or self.cmd
        if len(argv) == 3 and argv[0] in {"sh", "/bin/sh"} and argv[1] == "-c":
            argv = shlex.split(Template(argv[2]).safe_substitute(self.env))
            if argv[:1] == ["exec"]:
                argv = argv[1:]
        return argv


def _runtime_stage(service: dict[str, Any]) -> RuntimeStage:
    build = service["build"]
    dockerfile = ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
    assert dockerfile.is_file(), f"{dockerfile} does not exist"
    return RuntimeStage(dockerfile, {k: str(v) for k, v in (build.get("args") or {}).items()})


# --- The five services.


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_built_from_the_repository_and_runs_its_own_module(
    compose: Compose, name: str
) -> None:
    service = compose["services"][name]
    assert service["build"].get("context", ".") in {".", "./"}, "the uv workspace is at the root"
    stage = _runtime_stage(service)
    assert stage.argv(service.get("command")) == ["python", "-m", f"sprg_{name}"]
    assert (ROOT / "services" / name / "src" / f"sprg_{name}" / "__init__.py").is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_runs_as_a_non_root_user_and_exposes_the_service_port(
    compose: Compose, name: str
) -> None:
    stage = _runtime_stage(compose["services"][name])
    assert stage.user.split(":")[0] not in {"root", "0", ""}
    assert stage.expose == [str(SERVICES[name])]
    assert "/healthz" in stage.healthcheck and "urllib" in stage.healthcheck


def test_images_install_exactly_the_locked_dependencies(compose: Compose) -> None:
    stage = _runtime_stage(compose["services"]["intake"])
    syncs = [rest for keyword, rest in stage.all_instructions if "uv sync" in rest]
    assert syncs, "the image is built with uv sync"
    assert all("--frozen" in rest and "--no-dev" in rest for rest in syncs)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_waits_for_a_healthy_broker_and_store_and_the_topics(
    compose: Compose, name: str
) -> None:
    depends = compose["services"][name]["depends_on"]
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["mongodb"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_listens_in_the_container_and_is_checked_on_readyz(
    compose: Compose, name: str
) -> None:
    service = compose["services"][name]
    env = _environment(service)
    prefix = f"SPRG_{name.upper()}_"
    assert env[prefix + "HTTP_HOST"] == "0.0.0.0"
    assert env[prefix + "HTTP_PORT"] == str(SERVICES[name])
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["MONGODB_URL"].startswith("mongodb://mongodb:")
    test = service["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert f"127.0.0.1:{SERVICES[name]}/readyz" in command


def test_the_notifier_sends_mail_to_the_catcher(compose: Compose) -> None:
    notifier = compose["services"]["notifier"]
    env = _environment(notifier)
    assert env["SPRG_NOTIFIER_SMTP_HOST"] == "mailpit"
    assert env["SPRG_NOTIFIER_SMTP_PORT"] == "1025"
    assert "mailpit" in notifier["depends_on"]


# --- The infrastructure.


def test_kafka_mongodb_and_mailpit_have_healthchecks(compose: Compose) -> None:
    for name in ("kafka", "mongodb", "mailpit"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_topics_are_created_once_kafka_is_healthy(compose: Compose) -> None:
    topics = compose["services"]["topics"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    argv = _runtime_stage(topics).argv(topics.get("command"))
    assert argv == ["python", "-m", "sprg_shared.topics"]
    assert _environment(topics)["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


# --- Secrets and exposure.


def test_no_secret_has_a_value_in_the_file(compose: Compose) -> None:
    checked: set[tuple[str, str]] = set()
    for service_name, service in compose["services"].items():
        for var, value in _environment(service).items():
            if SECRET_NAME.search(var):
                assert REQUIRED_REFERENCE.fullmatch(value), (
                    f"{service_name}.{var} must be a ${{VAR:?message}} reference, not a value"
                )
                checked.add((service_name, var))
        for arg in (service.get("build") or {}).get("args") or {}:
            assert not SECRET_NAME.search(arg), (
                f"{service_name}: a build argument stays in the image"
            )
    expected = {("intake", "SPRG_INTAKE_PII_KEY"), ("grafana", "GF_SECURITY_ADMIN_PASSWORD")}
    assert expected <= checked


def test_no_secret_variable_is_given_a_default_anywhere() -> None:
    text = COMPOSE_FILE.read_text()
    references = re.findall(r"\$\{([A-Za-z0-9_]+)(:?[-?+]?)", text)
    secret_refs = [(var, op) for var, op in references if SECRET_NAME.search(var)]
    assert secret_refs
    assert all(op == ":?" for _, op in secret_refs), secret_refs


def test_published_ports_are_on_loopback_only(compose: Compose) -> None:
    for name, service in compose["services"].items():
        for host_ip, host_port, _ in _published_ports(service):
            assert host_ip == "127.0.0.1", (
                f"{name} publishes {host_port or 'a port'} beyond 127.0.0.1"
            )
    for name, port in SERVICES.items():
        assert ("127.0.0.1", str(port), str(port)) in _published_ports(compose["services"][name])


# --- Prometheus and Grafana.


def test_prometheus_scrapes_every_service_at_its_compose_name_and_port(compose: Compose) -> None:
    config = yaml.safe_load(PROMETHEUS_FILE.read_text())
    interval = config["global"]["scrape_interval"]
    scraped: dict[str, dict[str, Any]] = {}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                scraped[target] = job
    for name in SERVICES:
        port = _environment(compose["services"][name])[f"SPRG_{name.upper()}_HTTP_PORT"]
        job = scraped.get(f"{name}:{port}")
        assert job is not None, f"prometheus does not scrape {name}:{port}"
        assert job.get("metrics_path", "/metrics") == "/metrics"
        assert job.get("scrape_interval", interval) == "15s"


def test_prometheus_and_grafana_read_these_files(compose: Compose) -> None:
    prometheus = compose["services"]["prometheus"]["volumes"]
    assert any(
        str(v).startswith("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml")
        for v in prometheus
    )
    grafana = compose["services"]["grafana"]["volumes"]
    assert any(
        str(v).startswith("./deploy/grafana/provisioning:/etc/grafana/provisioning")
        for v in grafana
    )


def test_grafana_has_prometheus_as_its_default_datasource(compose: Compose) -> None:
    sources = [
        source
        for path in sorted(GRAFANA_DATASOURCES.glob("*.y*ml"))
        for source in yaml.safe_load(path.read_text())["datasources"]
    ]
    prometheus = [s for s in sources if s["type"] == "prometheus"]
    assert len(prometheus) == 1
    assert prometheus[0]["url"] == "http://prometheus:9090"
    assert prometheus[0].get("isDefault") is True
    assert "prometheus" in compose["services"]
