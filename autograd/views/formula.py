"""Formulas as text, e.g. "tanh(w*x + b)", parsed safely into a graph of Values.

The text goes through Python's ``ast`` and only arithmetic, numbers, the given variables
and the op table's functions are accepted: nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import inspect
import operator
from collections.abc import Callable, Mapping
from typing import Any

from autograd import functions
from autograd.engine import Value
from autograd.engine import constant as const
from autograd.ops import OPS

# every op of the table with a derivative that Value has as a method (exp, clamp, ...) or
# the engine as a function of two arguments (maximum), and abs()
FUNCTIONS: dict[str, Callable[..., Value]] = {
    op.name: getattr(Value if op.arity == 1 else functions, op.name) for op in OPS
    if op.arity in (1, 2) and op.differentiable
    and callable(getattr(Value if op.arity == 1 else functions, op.name, None))
} | {"abs": Value.__abs__}
BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
MAX_DEPTH = 200
SHOWN = 60  # characters of a formula repeated in an error message


def _shown(formula: str) -> str:
    return repr(formula if len(formula) <= SHOWN else formula[:SHOWN] + "...")


class FormulaError(ValueError):
    """The formula cannot be read: a syntax error, an unknown name or a forbidden construct."""


def _usage(name: str, function: Callable[..., Value]) -> str:
    """How a function is called in a formula: 'leaky_relu(x, slope=0.01)'."""
    shown = ["x" if p.name == "self" else p.name if p.default is p.empty
             else f"{p.name}={p.default}" for p in inspect.signature(function).parameters.values()]
    return f"{name}({', '.join(shown)})"


def evaluate(formula: str, variables: Mapping[str, Value]) -> Value:
    """The Value of ``formula`` with its names bound to ``variables``."""
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"syntax error in {_shown(formula)}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise FormulaError(f"the formula {_shown(formula)} is nested too deeply") from None
    except ValueError as e:  # a null byte, on Python 3.11
        raise FormulaError(f"cannot read the formula: {e}") from None
    result = _eval(tree.body, variables, 0)
    return result if isinstance(result, Value) else const(result)


def _eval(node: ast.AST, variables: Mapping[str, Value], depth: int) -> Value | float:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"only numbers may appear as constants, not {node.value!r}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            known = ", ".join(sorted(variables)) or "none given"
            raise FormulaError(f"unknown name {node.id!r} (variables: {known})")
        return variables[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left = _eval(node.left, variables, depth + 1)
        right = _eval(node.right, variables, depth + 1)
        if not isinstance(left, Value) and not isinstance(right, Value):
            # numbers alone are folded into a number, checked by the engine's op
            return BINARY[type(node.op)](const(left), right).data  # type: ignore[no-any-return]
        return BINARY[type(node.op)](left, right)  # type: ignore[no-any-return]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _eval(node.operand, variables, depth + 1)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = _shown(ast.unparse(node.func))
            raise FormulaError(f"unknown function {shown}; the functions are "
                               f"{', '.join(FUNCTIONS)}")
        function = FUNCTIONS[node.func.id]
        try:
            if node.keywords or not node.args:
                raise TypeError("takes its arguments by position, at least one")
            inspect.signature(function).bind(*node.args)
        except TypeError as e:
            raise FormulaError(f"{node.func.id}(): {e}; it is "
                               f"{_usage(node.func.id, function)}") from None
        args = [_eval(a, variables, depth + 1) for a in node.args]
        plain = [a for a in args if not isinstance(a, Value)]
        if len(plain) == len(args):  # numbers alone: folded, as above
            return FUNCTIONS[node.func.id](const(plain[0]), *plain[1:]).data
        return FUNCTIONS[node.func.id](*args)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula: "
                       f"{_shown(ast.unparse(node))}")
