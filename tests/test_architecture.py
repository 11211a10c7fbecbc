"""The structure the design notes promise (docs/design.md), checked on the syntax tree.

- no module or test uses another module's private (``_name``) names;
- the data layer and ``core`` import no analysis, the widgets or the runner;
- every note and exclusion code an analysis can emit has an English and a Vietnamese sentence.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kpi_analysis"
ANALYSES = ("nps", "reps", "promo", "feasibility", "scorecard")
DATA_LAYER = ("schema", "formats", "data", "config", "coverage", "backend", "core")
UPPER = ANALYSES + ("widgets", "report", "cli", "pdf", "scaffold", "record", "engine")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources(*roots: Path) -> list[Path]:
    return sorted(p for r in roots for p in r.rglob("*.py") if ".venv" not in p.parts)


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    """The absolute module a (relative) import names."""
    if level == 0:
        return module or ""
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(path: Path):
    """(imported module, imported name or None, line) for every import of a kpi_analysis module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    current = _module_name(path) if PACKAGE in path.parents else ""
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, current, is_package)
            for alias in node.names:
                yield target, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    current = _module_name(path) if PACKAGE in path.parents else ""
    is_package = path.name == "__init__.py"
    bound: dict[str, str] = {}  # local name -> kpi_analysis module it is bound to
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, current, is_package)
            if not target.startswith("kpi_analysis"):
                continue
            for alias in node.names:
                if _private(alias.name) or any(_private(p) for p in target.split(".")):
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}.{alias.name}")
                bound[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("kpi_analysis"):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
            target = bound.get(node.value.id, "")
            if target.startswith("kpi_analysis") and _is_module(target):
                out.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {target}.{node.attr}")
    return out


def _is_module(dotted: str) -> bool:
    try:
        importlib.import_module(dotted)
        return True
    except ImportError:
        return False


@pytest.mark.parametrize("path", _sources(PACKAGE, ROOT / "tests", ROOT / "benchmarks"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_another_modules_private_names(path):
    assert _private_uses(path) == []


@pytest.mark.parametrize("path", [p for p in _sources(PACKAGE)
                                  if _module_name(p).split(".")[1:2] and _module_name(p).split(".")[1] in DATA_LAYER],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_data_layer_imports_no_analysis(path):
    bad = [f"{target} (line {line})" for target, name, line in _imports(path)
           if target.startswith("kpi_analysis")
           and ((target.split(".") + [""])[1] in UPPER or (target == "kpi_analysis" and name in UPPER))]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def _emitted_codes(package: str) -> dict[str, set[str]]:
    """Codes the package can emit: ``note("x", ...)``, ``excluded("x", ...)`` and ``{"code": "x", ...}``."""
    found = {"notes": set(), "excluded": set()}
    for path in _sources(PACKAGE / package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if name in ("note", "excluded") and node.args and isinstance(node.args[0], ast.Constant):
                    found["notes" if name == "note" else "excluded"].add(node.args[0].value)
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "code" and isinstance(v, ast.Constant):
                        found["notes"].add(v.value)
    return found


@pytest.mark.parametrize("package", ANALYSES)
def test_every_note_and_exclusion_code_has_both_languages(package):
    if not (PACKAGE / package).is_dir():
        pytest.fail(f"kpi_analysis/{package} is not a package yet")
    importlib.import_module(f"kpi_analysis.{package}.present")
    from kpi_analysis import i18n

    catalogs = i18n.catalogs()
    codes = _emitted_codes(package)
    assert codes["notes"] or codes["excluded"], f"{package}: no note or exclusion codes found"
    for kind, names in codes.items():
        catalog = catalogs.get(f"{package}.{kind}", {})
        other = catalogs.get(f"{package}.{'excluded' if kind == 'notes' else 'notes'}", {})
        missing = sorted(c for c in names if c not in catalog and c not in other)
        assert missing == [], f"{package}: {kind} codes without a sentence: {missing}"
        for code in names:
            texts = catalog.get(code) or other.get(code)
            assert texts.get("en") and texts.get("vi"), f"{package}.{kind}.{code} lacks a language"
