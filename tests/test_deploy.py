"""The deploy files can't run here (no Docker engine), so each is read and checked against
the code: every variable they set is a setting, every command they run exists, every port
and health path matches."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.config import Settings
from services.server import create_app
from tests.servers import server_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SETTINGS = {name.upper() for name, _ in Settings.variables()}
OTHERS = {"PATH"}  # the image's own, not the app's


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def our_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose()["services"].items() if s.get("image") == "cutout-bot"}


def k8s_containers() -> Iterator[dict[str, Any]]:
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] == "Deployment":
                yield from doc["spec"]["template"]["spec"]["containers"]


def dockerfile_env() -> dict[str, str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.rsplit("\nFROM ", 1)[1]
    pairs = re.findall(r"^ENV (.+)$", final, re.MULTILINE)
    return dict(re.findall(r"(\w+)=(\S+)", " ".join(pairs)))


def routes(tmp_path: Path) -> set[str]:
    app = create_app(server_settings(tmp_path, Path("models")))
    return {route.path for route in app.routes}  # type: ignore[attr-defined]


def runs(command: list[str]) -> str:
    """The module a `python -m MODULE` command runs."""
    assert command[:2] == ["python", "-m"], command
    return command[2]


def assert_runnable(module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"no module {module}"
    if spec.submodule_search_locations:  # a package: it needs a __main__
        assert importlib.util.find_spec(f"{module}.__main__") is not None, module


def test_every_variable_the_deploy_files_set_is_a_setting() -> None:
    names = set(dockerfile_env())
    for service in our_services().values():
        names |= set(service.get("environment", {}))
    for container in k8s_containers():
        names |= {item["name"] for item in container.get("env", [])}
    assert names - OTHERS <= SETTINGS, sorted(names - OTHERS - SETTINGS)
    assert {"OUTPUT_STORE", "S3_ENDPOINT_URL", "SERVER_PORT"} <= names


def test_every_command_the_deploy_files_run_exists() -> None:
    commands = [service["command"] for service in our_services().values()]
    commands += [container["command"] for container in k8s_containers()]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    commands += [c.split() for c in re.findall(r"(python -m [\w.]+)", dockerfile)]
    assert len(commands) >= 5
    for command in commands:
        assert_runnable(runs(command))
    for verb in re.findall(r"python -m services\.engine\.models (\w+)", dockerfile):
        assert verb in {"fetch", "verify", "list"}


def test_every_port_and_health_path_matches_the_server(tmp_path: Path) -> None:
    port = dockerfile_env()["SERVER_PORT"]
    served = routes(tmp_path)
    health = re.findall(r"(/health[\w/]*)", (DEPLOY / "Dockerfile").read_text())
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert re.search(rf"server-template api \d+ api:{port}\b", haproxy)
    assert f"bind :{port}" in haproxy
    health += re.findall(r"httpchk GET (\S+)", haproxy)
    api = our_services()["api"]
    assert api["environment"]["SERVER_PORT"] == port
    health += re.findall(r"(/health[\w/]*)", " ".join(api["healthcheck"]["test"]))
    for container in k8s_containers():
        env = {item["name"]: item.get("value") for item in container.get("env", [])}
        if runs(container["command"]) == "services.server":
            (declared,) = container["ports"]
            assert str(declared["containerPort"]) == env["SERVER_PORT"] == port
            health += [
                container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")
            ]
    assert len(health) >= 5
    assert set(health) <= served, set(health) - served


@pytest.mark.parametrize("service", ["api", "bot"])
def test_the_compose_services_point_at_each_other(service: str) -> None:
    services = compose()["services"]
    if service == "bot":
        bot = services["bot"]["environment"]
        assert bot["REMOVEBG_API_URL"] == "http://haproxy:8000"
        assert "8000:8000" in services["haproxy"]["ports"]
    else:
        api = services["api"]["environment"]
        assert api["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert api["OUTPUT_STORE"].startswith("s3://outputs/")
