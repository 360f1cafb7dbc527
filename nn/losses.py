"""Loss functions over lists of predictions, each with reduction="mean" or "sum"."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import autograd
from autograd import Value, dot
from autograd.functions import shift

Scalar = Value | float
REDUCTIONS = ("mean", "sum")


def _pairs(predictions: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar],
           name: str) -> tuple[list[Value], list[Scalar]]:
    given = [predictions] if isinstance(predictions, (Value, int, float)) else list(predictions)
    preds = [p if isinstance(p, Value) else Value(p) for p in given]
    targs = [targets] if isinstance(targets, (Value, int, float)) else list(targets)
    if len(preds) != len(targs):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targs)} targets")
    if not preds:
        raise ValueError(f"{name}: no predictions")
    return preds, targs


def _reduce(total: Value, count: int, reduction: str) -> Value:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean' or 'sum', not {reduction!r}")
    return total / count if reduction == "mean" else total


def mse_loss(predictions: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar],
             reduction: str = "mean") -> Value:
    """Mean (or sum) of squared errors (p - t)^2."""
    preds, targs = _pairs(predictions, targets, "mse_loss")
    errors = [p - t for p, t in zip(preds, targs)]
    return _reduce(dot(errors, errors), len(errors), reduction)  # sum_i e_i^2 as one node


def l1_loss(predictions: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar],
            reduction: str = "mean") -> Value:
    """Mean (or sum) of absolute errors |p - t|."""
    preds, targs = _pairs(predictions, targets, "l1_loss")
    return _reduce(autograd.sum([abs(p - t) for p, t in zip(preds, targs)]), len(preds),
                   reduction)


def hinge_loss(scores: Scalar | Sequence[Scalar], labels: Scalar | Sequence[Scalar],
               margin: float = 1.0, reduction: str = "mean") -> Value:
    """micrograd's max-margin loss: relu(margin - y * score), labels -1 or +1.

    Labels may be Values (compiled training traces them so); numbers are checked.
    """
    preds, targs = _pairs(scores, labels, "hinge_loss")
    for y in targs:
        if not isinstance(y, Value) and y not in (-1, 1):
            raise ValueError(f"hinge_loss labels must be -1 or +1, got {y!r}")
    terms = [(margin - y * s).relu() for s, y in zip(preds, targs)]
    return _reduce(autograd.sum(terms), len(terms), reduction)


def binary_cross_entropy_with_logits(logits: Scalar | Sequence[Scalar],
                                     targets: Scalar | Sequence[Scalar],
                                     reduction: str = "mean") -> Value:
    """-[t log s(z) + (1 - t) log(1 - s(z))] for logits z, targets t in [0, 1].

    Targets may be Values (compiled training traces them so); numbers are checked.
    """
    preds, targs = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    for t in targs:
        if not isinstance(t, Value) and not 0.0 <= t <= 1.0:
            raise ValueError(f"binary cross-entropy targets must be numbers in [0, 1], got {t!r}")
    # -log s(z) = softplus(-z) and -log(1 - s(z)) = softplus(z), so the loss is
    # softplus(z) - t z: no exp of a large number, no log of 0
    terms = [z.softplus() - t * z for z, t in zip(preds, targs)]
    return _reduce(autograd.sum(terms), len(terms), reduction)


def logsumexp(logits: Sequence[Scalar]) -> Value:
    """log(sum_i e^(z_i)), computed as m + log(sum_i e^(z_i - m)) with m = max z."""
    if not logits:
        raise ValueError("logsumexp of an empty list")
    zs = [z if isinstance(z, Value) else Value(z) for z in logits]
    if all(z.data == -math.inf for z in zs):  # log(0) = -inf; each softmax weight is 1/n
        return autograd.sum(zs) / len(zs)
    # shifted by the largest finite logit m, a node computed again at every call of compiled
    # code; NaN and infinite logits then follow IEEE 754. No gradient flows through m: it
    # cancels in the derivative, which is softmax(z)
    m = shift(zs)
    neg = -m
    return autograd.sum([(z + neg).exp() for z in zs]).log() + m


Target = int | Sequence[Scalar]  # a class index, or a probability per class


def cross_entropy(logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
                  targets: Target | Sequence[Target], reduction: str = "mean") -> Value:
    """-log softmax(z)[target]: one sample's logits and target, or lists of them.

    A target is a class index, or (as in torch.nn.functional.cross_entropy) a probability
    per class, p: then the loss is -sum_i p_i log softmax(z)_i, which for a one-hot p is
    the loss of its class, to the last bit.
    """
    nested = bool(logits) and not isinstance(logits[0], (Value, int, float))
    batch = list(logits) if nested else [logits]
    classes = list(targets) if nested else [targets]  # type: ignore[arg-type]
    if len(batch) != len(classes):
        raise ValueError(f"cross_entropy: {len(batch)} samples but {len(classes)} targets")
    if not batch:
        raise ValueError("cross_entropy: no samples")
    terms = []
    for zs, c in zip(batch, classes):
        if not isinstance(zs, Sequence) or isinstance(zs, str):
            raise TypeError(f"cross_entropy needs a list of logits per sample, got {zs!r:.60}")
        if isinstance(c, (list, tuple)) and len(c) == len(zs):
            lse = logsumexp(zs)  # type: ignore[arg-type]
            # -sum_i p_i (z_i - lse): a one-hot p picks z_c - lse, adding exact zeros
            terms.append(-sum(p * (z - lse) for p, z in zip(c, zs)))  # type: ignore[operator]
            continue
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < len(zs):
            raise ValueError(f"cross_entropy target must be a class index in "
                             f"[0, {len(zs)}) or {len(zs)} class probabilities, got {c!r:.60}")
        terms.append(logsumexp(zs) - zs[c])  # type: ignore[arg-type, operator]
    return _reduce(autograd.sum(terms), len(terms), reduction)


def l2_penalty(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """alpha * sum_i p_i^2 (weight decay written into the loss), as one node."""
    params = list(parameters)
    return alpha * dot(params, params)
