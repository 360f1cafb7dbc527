"""Gradient clipping, as torch.nn.utils does it: by the joint norm or by value."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value, checks, gradients
from autograd.engine import as_number


def _as_list(parameters: Value | Iterable[Value]) -> list[Value]:
    return [parameters] if isinstance(parameters, Value) else list(parameters)


def total_norm(grads: Iterable[float], norm_type: float = 2.0) -> float:
    """The p-norm of the gradients taken as one vector (norm_type=inf: the largest |g|)."""
    sizes = [abs(g) for g in grads]
    if any(math.isnan(s) for s in sizes):
        return math.nan
    largest = max(sizes, default=0.0)
    if norm_type == math.inf or largest in (0.0, math.inf):
        return largest
    # ||g||_p = (sum_i |g_i|^p)^(1/p) = m (sum_i (|g_i| / m)^p)^(1/p) with m = max_i |g_i|:
    # dividing by m first keeps the powers from overflowing or underflowing
    return largest * math.pow(math.fsum((s / largest) ** norm_type for s in sizes),
                             1.0 / norm_type)


def clip_grad_norm_(parameters: Value | Iterable[Value], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale the gradients so that their joint norm is at most max_norm; return the norm."""
    max_norm = checks.at_least("max_norm", max_norm, 0.0)
    norm_type = checks.at_least("norm_type (p of the p-norm, or math.inf)", norm_type, 0.0,
                                strict=True)
    params = _as_list(parameters)
    norm = total_norm(map(as_number, gradients(params)), norm_type)
    if error_if_nonfinite and not math.isfinite(norm):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {norm}, "
                           "so it cannot be clipped; pass error_if_nonfinite=False to scale "
                           "them by it anyway")
    scale = clip_scale(norm, max_norm)
    if scale is not None:
        for p in params:  # a parameter listed twice is scaled twice, as in torch
            p.grad = p.grad * scale
    return norm


def clip_scale(norm: float, max_norm: float) -> float | None:
    """The factor that brings gradients of this joint norm to max_norm, or None if they
    are within it."""
    # g <- g min(max_norm / (||g|| + 1e-6), 1): the 1e-6 keeps a zero norm from dividing by
    # zero; a NaN norm makes every gradient NaN, an infinite one makes finite ones 0
    scale = max_norm / (norm + 1e-6)
    return None if scale >= 1.0 else scale


def clip_grad_value_(parameters: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value] (NaN stays NaN)."""
    clip_value = checks.at_least("clip_value", clip_value, 0.0)
    params = _as_list(parameters)
    for p, g in zip(params, map(as_number, gradients(params))):
        if g > clip_value:
            p.grad = clip_value
        elif g < -clip_value:
            p.grad = -clip_value
