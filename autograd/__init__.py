"""chainrule's autograd: a scalar reverse-mode automatic differentiation engine."""

from typing import TYPE_CHECKING, Any

from autograd import ops, owner  # noqa: F401 (importing owner checks that this is chainrule's)
from autograd.compiler import Compiled, Jitted, compile, jit  # noqa: A004 (autograd.compile, like torch's)
from autograd.core.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.engine import Value, add_gradients, fast_enabled, grad, gradients, zero_grad
from autograd.functions import FUSABLE, dot, maximum, minimum, neuron
from autograd.functions import sum as sum  # noqa: A004 (autograd.sum, like torch.sum)
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from autograd.primitives import primitive
from autograd.transforms import hessian, hvp, jacfwd, jacrev, jvp, vjp

if TYPE_CHECKING:
    from autograd.views.explorer import Exploration, explore

__version__ = "0.1.0"
__all__ = ["FUSABLE", "Compiled", "Exploration", "GradcheckError", "Jitted", "Value",
           "__version__", "add_gradients", "compile", "dot", "enable_grad", "explore",
           "fast_enabled", "grad", "gradcheck", "gradgradcheck", "gradients", "hessian", "hvp",
           "is_grad_enabled", "jacfwd", "jacrev", "jit", "jvp", "maximum", "minimum", "neuron",
           "no_grad", "numerical_grad", "ops", "primitive", "vjp", "zero_grad"]


def _repr_html_(self: Value) -> str:
    """How Jupyter shows a Value: its numbers, and its graph when small (autograd.draw)."""
    from autograd.views.draw import notebook_html  # drawing stays out of the engine's import time

    return notebook_html(self)


Value._repr_html_ = _repr_html_  # type: ignore[attr-defined]


def __getattr__(name: str) -> Any:
    """explore and Exploration, imported when first asked for: the explorer (and drawing)
    stays out of the engine's import time."""
    if name in ("explore", "Exploration"):
        from autograd.views import explorer

        return getattr(explorer, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")

