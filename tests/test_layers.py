"""The layers of autograd: each module imports only layers below it (function-level imports
count), no import circle, no private name taken from another module."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def modules():
    """Every module of autograd and nn by dotted name (a package by its own name)."""
    found = {}
    for package in ("autograd", "nn"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports(name):
    """(module imported, names taken) for every import in the module, wherever it stands."""
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                yield (child, None) if child in MODULES else (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None


def edges(name):
    return {target for target, _ in imports(name) if target in MODULES and target != name}


def layer(name):
    """How high a module stands: the core, then what the speed layer may use, the speed
    layer, the engine and what builds on it, the compiler, the views, the package."""
    if name.startswith("autograd.core"):
        return 0
    if name in ("autograd.ops", "autograd.symbolic", "autograd.kernels", "autograd.owner",
                "autograd.checks", "autograd.files"):
        return 1
    if name.startswith("autograd.fast"):
        return 2
    if name.startswith("autograd.views") or name in ("autograd.draw", "autograd.__main__"):
        return 5
    if name.startswith("autograd.compiler"):
        return 4
    if name == "autograd" or name.startswith("nn"):
        return 6
    return 3  # engine, functions, gradcheck, primitives


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_layers_below_it(name):
    above = sorted(t for t in edges(name) if layer(t) > layer(name)
                   and not (name.startswith("nn") and t.startswith("nn")))
    assert not above, f"{name} (layer {layer(name)}) imports {above}"


def test_the_core_needs_only_the_standard_library_and_itself():
    for name in (n for n in MODULES if n.startswith("autograd.core")):
        outside = [t for t, _ in imports(name)
                   if t.split(".")[0] in ("autograd", "nn", "numpy") and layer(t) != 0]
        assert not outside, f"{name} imports {outside}"


def test_no_module_takes_a_private_name_from_another():
    taken = [(name, target, what) for name in MODULES for target, what in imports(name)
             if what and what.startswith("_") and not what.startswith("__")
             and target in MODULES]
    assert not taken


def test_there_is_no_import_circle():
    state, path, circles = {}, [], []

    def visit(u):
        state[u] = "open"
        path.append(u)
        for v in sorted(edges(u)):
            if state.get(v) == "open":
                circles.append([*path[path.index(v):], v])
            elif v not in state:
                visit(v)
        path.pop()
        state[u] = "done"

    for name in sorted(MODULES):
        if name not in state:
            visit(name)
    assert not circles
