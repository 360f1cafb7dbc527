"""Gradient clipping with PyTorch's semantics."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value


def _as_list(parameters: Value | Iterable[Value]) -> list[Value]:
    return [parameters] if isinstance(parameters, Value) else list(parameters)


def clip_grad_norm_(parameters: Value | Iterable[Value], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients so that their joint norm is at most max_norm; return the norm."""
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm!r}")
    if not norm_type > 0:
        raise ValueError(f"norm_type must be positive or inf, got {norm_type!r}")
    params = _as_list(parameters)
    grads = [abs(float(p.grad)) for p in params]
    if not grads:
        return 0.0
    # ||g||_p = (sum_i |g_i|^p)^(1/p); the inf-norm is max_i |g_i|
    if norm_type == math.inf:
        total = max(grads)
    else:
        total = math.fsum(g**norm_type for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}; "
                           "set error_if_nonfinite=False to clip anyway")
    scale = max_norm / (total + 1e-6)  # the 1e-6 keeps a zero norm from dividing by zero
    if scale < 1.0:
        for p in params:
            p.grad = p.grad * scale
    return total


def clip_grad_value_(parameters: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value]."""
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be >= 0, got {clip_value!r}")
    for p in _as_list(parameters):
        p.grad = min(max(float(p.grad), -clip_value), clip_value)
