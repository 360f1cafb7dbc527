"""The compiler: a graph traced once (``trace``), grouped into vectors and matrices
(``grouping``), written as Python (``compiled``) or as array code (``vectorized``), with loops
where it repeats itself (``rolled``); and ``jit``, a function traced and compiled per
structure of its arguments (``traced`` says what tracing refuses)."""

from autograd.compiler.compiled import Compiled, Result, compile  # noqa: A004
from autograd.compiler.jit import Jitted, jit

__all__ = ["Compiled", "Jitted", "Result", "compile", "jit"]
