"""The package's layout: one sub-package per stage of the data flow, imports that only go down,
and stage docstrings that name the rules calling them (README: "Where things are")."""
import ast
import functools
import re

from conftest import ROOT

PKG = ROOT / "models"
# Lowest first. A module imports its own stage and stages below it, never one above or beside it.
# config sits above the registry: it checks a run's model names against it (no stage imports
# config but the report, for the project's root folder).
LAYERS = [{"io", "numba_cache"}, {"audio"}, {"data"}, {"train"}, {"gan", "seq", "baselines"}, {"registry"},
          {"config"}, {"evaluate"}, {"report"}]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
STAGES = ("data", "train", "gan", "seq", "evaluate", "report")


@functools.cache
def modules():
    """{dotted name: path} of every module in models/."""
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
            for p in sorted(PKG.rglob("*.py"))}


def imported(path) -> set[str]:
    """Dotted names of the project's modules (or packages) ``path`` imports, at any depth of the
    file (lazy imports inside functions included)."""
    known = modules()
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known
                     else node.module for a in node.names]
        else:
            continue
        out |= {n for n in names if n == "models" or n.startswith("models.")}
    return out


def stage_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_top_level_holds_the_stages_and_few_modules():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= 7, top
    folders = {p.name for p in PKG.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(STAGES)
    placed = set(RANK) | {"models"}
    assert {stage_of(m) for m in modules()} <= placed, "a new stage needs a place in LAYERS"


def test_imports_only_go_down():
    upward = []
    for module, path in modules().items():
        if module == "models":
            continue
        here = stage_of(module)
        for target in imported(path):
            there = stage_of(target)
            if there != here and RANK[there] >= RANK[here]:
                upward.append(f"{module} imports {target}")
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    graph = {m: imported(p) - {m} for m, p in modules().items()}
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            assert state.get(nxt) != "open", " -> ".join(path + [nxt])
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])


def rule_scripts() -> dict[str, str]:
    """{rule: script stem} for every rule that runs a script."""
    out, rule = {}, None
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for line in smk.read_text().splitlines():
            if m := re.match(r"rule (\w+):", line):
                rule = m[1]
                out[rule] = None
            elif m := re.search(r'"\.\./scripts/(\w+)\.py"', line):
                out[rule] = m[1]
    return out


def test_stage_docstrings_name_the_rules_that_call_them():
    rules = rule_scripts()
    listed = {}
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PKG / stage / "__init__.py").read_text())) or ""
        line = re.search(r"^Rules: (.+?)(?:\n\n|\Z)", doc, re.M | re.S)
        assert line, f"models/{stage}/__init__.py: no 'Rules:' line"
        listed[stage] = set(re.findall(r"`(\w+)`", line[1]))
        assert listed[stage] <= set(rules), f"models/{stage}: no such rule"
    for rule, script in rules.items():
        if script is None:
            continue
        path = ROOT / "workflow" / "scripts" / f"{script}.py"
        for stage in {stage_of(t) for t in imported(path)} & set(STAGES):
            assert rule in listed[stage], f"rule {rule} calls models/{stage}, not in its docstring"
