"""docker-compose.yml is valid Compose and says what its comments promise.

Validated by a real Compose implementation: `docker-compose config` (Debian's
docker-compose 1.29, what CI installs) or the `docker compose` plugin; neither
needs a Docker engine for `config`.  Without one the tests are skipped, except
under CI=true, where they fail, so the check cannot silently vanish there.

The printed config is read with PyYAML if it is installed, else with a few
regular expressions that fit docker-compose 1.29's output; the plugin prints
JSON.  Either way the tests see one normalised `Service`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
SCRIPT = REPO / "scripts" / "neo4j-local"
POM = REPO / "scripts" / "neo4j" / "pom.xml"
DEFAULT_PASSWORD = "kg-password"  # documented in docker-compose.yml


@dataclass
class Service:
    image: str
    ports: set[str]        # "host_ip:published:target"
    mounts: set[str]       # "volume:/path"
    environment: dict[str, str]
    healthcheck: str       # the test command, as one string
    volumes: set[str]      # top-level named volumes


# -- running Compose -----------------------------------------------------------

def _compose_command() -> list[str] | None:
    """`docker-compose`, else `docker compose` if this docker client has the plugin."""
    if exe := shutil.which("docker-compose"):
        return [exe]
    if docker := shutil.which("docker"):
        probe = subprocess.run([docker, "compose", "version"], check=False, capture_output=True, text=True)
        if probe.returncode == 0:
            return [docker, "compose"]
    return None


def _require_compose() -> list[str]:
    cmd = _compose_command()
    if cmd is None:
        reason = "no docker-compose or `docker compose` found (apt-get install docker-compose)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return cmd


def _compose_config(password: str | None) -> Service:
    """`config` run on docker-compose.yml with NEO4J_PASSWORD set or unset."""
    cmd = _require_compose()
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    plugin = cmd[-1] == "compose"
    args = [*cmd, "-f", str(COMPOSE_FILE), "config", *(["--format", "json"] if plugin else [])]
    done = subprocess.run(args, check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr}"
    if plugin:
        return _normalise(json.loads(done.stdout))
    try:
        import yaml
    except ImportError:
        return _normalise(_parse_v1_text(done.stdout))
    return _normalise(yaml.safe_load(done.stdout))


# -- reading its output --------------------------------------------------------

def _parse_v1_text(text: str) -> dict:
    """The parts of docker-compose 1.29's YAML output these tests need, without PyYAML.
    Its output is sorted and indented the same way every time."""
    def block(key: str, indent: int) -> str:
        """The lines under `key:` at `indent`: deeper ones, and "- " items at that indent."""
        pad = " " * indent
        m = re.search(rf"^{pad}{key}:\n((?:{pad} .*\n|{pad}- .*\n)*)", text, re.MULTILINE)
        return m.group(1) if m else ""

    def items(lines: str) -> list[str]:
        """A block's "- " items; a long one is folded over more lines, unfold it."""
        found: list[str] = []
        for line in lines.splitlines():
            if line.lstrip().startswith("- "):
                found.append(line.lstrip()[2:].strip())
            elif found:
                found[-1] += " " + line.strip()
        return found

    service = block("neo4j", 2)
    env = dict(re.findall(r"^\s+(\w+): ['\"]?(.*?)['\"]?$", block("environment", 4), re.MULTILINE))
    return {
        "services": {"neo4j": {
            "image": re.search(r"^    image: (\S+)$", service, re.MULTILINE).group(1),
            "ports": items(block("ports", 4)),
            "volumes": items(block("volumes", 4)),
            "environment": env,
            "healthcheck": {"test": items(block("test", 6))},
        }},
        "volumes": {name: {} for name in re.findall(r"^  ([\w-]+):", block("volumes", 0), re.MULTILINE)},
    }


def _port(p) -> str:
    """Short ("127.0.0.1:7474:7474/tcp") or long ({host_ip, published, target}) syntax."""
    if isinstance(p, dict):
        return f"{p.get('host_ip', '')}:{p.get('published', '')}:{p['target']}"
    return str(p).removesuffix("/tcp")


def _mount(v) -> str:
    if isinstance(v, dict):
        return f"{v.get('source', '')}:{v['target']}"
    return str(v).removesuffix(":rw")


def _normalise(config: dict) -> Service:
    svc = config["services"]["neo4j"]
    test = svc.get("healthcheck", {}).get("test", [])
    return Service(
        image=svc["image"],
        ports={_port(p) for p in svc.get("ports", [])},
        mounts={_mount(v) for v in svc.get("volumes", [])},
        environment={k: str(v) for k, v in (svc.get("environment") or {}).items()},
        healthcheck=" ".join(test) if isinstance(test, list) else str(test),
        volumes=set(config.get("volumes") or {}),
    )


def _pinned_version() -> str:
    """NEO4J_VERSION's default in scripts/neo4j-local, e.g. "5.26.30"."""
    match = re.search(r'^NEO4J_VERSION="\$\{NEO4J_VERSION:-([0-9.]+)\}"', SCRIPT.read_text(), re.MULTILINE)
    assert match, "scripts/neo4j-local has no NEO4J_VERSION pin"
    return match.group(1)


# -- tests ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def service() -> Service:
    return _compose_config(password=None)


def test_image_is_pinned_to_the_script_version(service):
    assert service.image == f"neo4j:{_pinned_version()}-community"


def test_ports_bound_to_loopback_only(service):
    assert service.ports == {"127.0.0.1:7474:7474", "127.0.0.1:7687:7687"}


def test_named_volumes_for_data_and_logs(service):
    assert service.mounts == {"neo4j-data:/data", "neo4j-logs:/logs"}
    assert service.volumes == {"neo4j-data", "neo4j-logs"}


def test_default_password(service):
    assert service.environment["NEO4J_AUTH"] == f"neo4j/{DEFAULT_PASSWORD}"


def test_password_comes_from_environment():
    assert _compose_config(password="another-pass-123").environment["NEO4J_AUTH"] == \
        "neo4j/another-pass-123"


def test_healthcheck_uses_the_containers_password(service):
    assert service.healthcheck.startswith("CMD-SHELL cypher-shell -u neo4j")
    # The password is read inside the container from NEO4J_AUTH, not
    # interpolated on the host.  docker-compose 1.29 prints the literal "$" of
    # the file's "$$" escaped again as "$$"; accept a plain "$" from others.
    assert re.search(r'-p "\$?\$\{NEO4J_AUTH#neo4j/\}"', service.healthcheck)
    assert "'RETURN 1'" in service.healthcheck


def test_laptop_memory_settings(service):
    env = service.environment
    assert env["NEO4J_server_memory_heap_initial__size"] == "1G"
    assert env["NEO4J_server_memory_heap_max__size"] == "1G"
    assert env["NEO4J_server_memory_pagecache_size"] == "512M"


def test_pom_default_matches_script_pin():
    """One Neo4j version everywhere: script pin, pom default, image tag."""
    pom_version = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", POM.read_text()).group(1)
    assert pom_version == _pinned_version()
    assert f"image: neo4j:{_pinned_version()}-community" in COMPOSE_FILE.read_text()
