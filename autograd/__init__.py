"""chainrule's autograd: a scalar reverse-mode automatic differentiation engine."""

from autograd import ops
from autograd.compiler import Compiled, compile  # noqa: A004 (autograd.compile, like torch's)
from autograd.engine import (
                             Value,
                             dot,
                             enable_grad,
                             grad,
                             is_grad_enabled,
                             maximum,
                             minimum,
                             neuron,
                             no_grad,
                             zero_grad,
)
from autograd.engine import sum as sum  # noqa: A004 (autograd.sum, like torch.sum)
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad

__all__ = ["Compiled", "GradcheckError", "Value", "compile", "dot", "enable_grad", "grad",
           "gradcheck", "gradgradcheck", "is_grad_enabled", "maximum", "minimum", "neuron",
           "no_grad", "numerical_grad", "ops", "zero_grad"]
