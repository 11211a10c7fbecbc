"""pyproject.toml and environment.yml list the same dependencies with the same version floors."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalize(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", req)
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    return name, m.group(3).replace(" ", "")


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    return dict(_normalize(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-") or item.split(">")[0].split("=")[0] in ("python", "pip"):
                continue
            name, spec = _normalize(item)
            out[name] = spec
    return out


def test_same_packages_and_versions():
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"
    assert {k: v for k, v in py.items() if env[k] != v} == {}, "version specifiers differ"


def test_normalize_sees_a_drift():
    # the comparison itself must be able to fail: a renamed or re-pinned package is caught
    assert _normalize("PyYAML>=6.0") == ("pyyaml", ">=6.0")
    assert _normalize("ibis-framework[duckdb]>=10") == ("ibis-framework", ">=10")
    assert _normalize("pandas>=2.2") != _normalize("pandas>=2.1")
