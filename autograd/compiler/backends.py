"""The array libraries vector code runs on: NumPy, and any library of the Python Array API
standard (array-api-strict, PyTorch or CuPy through array-api-compat).

Vector code (autograd/compiler/vectorized.py) calls only kernels and the operators the
standard defines, so the one program runs on each: its kernels are those of
``autograd.kernels.vector_kernels`` over the library's namespace, its constants copied
onto the inputs' device.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

# arrays that cannot be written in place: the vector code adds into gradients' slices
IMMUTABLE = ("jax",)


def is_numpy(xp: Any) -> bool:
    """Whether the namespace is NumPy's own (its fast path, and its error state)."""
    return getattr(xp, "__name__", "") == "numpy"


def _compat() -> Any:
    try:
        return importlib.import_module("array_api_compat")
    except ImportError:
        raise ImportError("vector code on an array library other than NumPy needs the "
                          "package array-api-compat: pip install array-api-compat") from None


def resolve(backend: Any) -> Any:
    """The Array API namespace of ``backend``: a module or its name ("numpy", "torch",
    "array_api_strict", "cupy"), or an array namespace itself."""
    if backend is None:
        return None
    module = backend
    if isinstance(backend, str):
        if backend.split(".")[0] in IMMUTABLE:
            raise ValueError(f"backend {backend!r}: its arrays cannot be written in place, "
                             "as vector code writes its gradients")
        module = importlib.import_module(backend)
    name = getattr(module, "__name__", None)
    if not isinstance(name, str) or not hasattr(module, "asarray"):
        raise TypeError(f"backend must be an array library or its name, not {backend!r}")
    if name.split(".")[0] in IMMUTABLE:
        raise ValueError(f"backend {name!r}: its arrays cannot be written in place, "
                         "as vector code writes its gradients")
    if name in ("numpy", "array_api_compat.numpy"):  # NumPy's own namespace, its fast path
        return importlib.import_module("numpy")
    if name.startswith("array_api_compat.") or name == "array_api_strict":
        return module
    return _compat().array_namespace(module.asarray([0.0]))


def namespace_of(values: Sequence[Any]) -> Any:
    """The namespace of the arrays among ``values`` (None for numbers and lists alone);
    a TypeError where they come from two libraries."""
    found: dict[str, Any] = {}
    for v in values:
        module = type(v).__module__
        if module == "builtins" or v is None:
            continue
        if module == "numpy":
            import numpy

            found.setdefault("numpy", numpy)
            continue
        if not (hasattr(v, "__array_namespace__") or module.startswith("torch")
                or module.startswith("cupy") or module.startswith("jax")):
            continue  # a number of another kind (Fraction, Decimal): checked as a number
        xp = resolve(importlib.import_module(module.split(".")[0])) if module.startswith(
            "jax") else _compat().array_namespace(v)
        found.setdefault(xp.__name__, xp)
    if len(found) > 1:
        raise TypeError(f"arrays of several libraries in one call: {', '.join(sorted(found))}")
    return next(iter(found.values()), None)


def device_of(xp: Any, arrays: Sequence[Any]) -> Any:
    """The device of the first array (None where there is none): new arrays go there."""
    for a in arrays:
        if hasattr(a, "shape") and not is_numpy(xp):
            return _compat().device(a)
    return None


def on(xp: Any, namespace: dict[str, Any], device: Any) -> dict[str, Any]:
    """The vector code's constants (NumPy arrays of indices and numbers) on this library's
    device; everything else as it is."""
    import numpy

    def moved(v: Any) -> Any:
        if not isinstance(v, numpy.ndarray):
            return v
        dtype = xp.int64 if v.dtype.kind in "iu" else xp.bool if v.dtype.kind == "b" else (
            xp.float64)
        return xp.asarray(v.tolist(), dtype=dtype, device=device)

    return {k: moved(v) for k, v in namespace.items()}


class Autograd:
    """A library's own reverse mode (PyTorch's), differentiating vector code's forward."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch

    @staticmethod
    def stop(a: Any) -> Any:
        """a's value, through which no gradient flows."""
        return a.detach() if hasattr(a, "detach") else a

    def differentiated(self, forward: Any, seeds: Sequence[float], input_grads: bool,
                       rules: Any) -> Any:
        """A function as vector code's ``backprop``, from ``forward``: the outputs weighted
        by their seeds and summed over the samples not in doubt, then differentiated; its
        gradients checked against those of ``rules``, the same code's ``backprop``."""
        torch = self.torch

        def backprop(inputs: list[Any], params: Any, n: int) -> tuple[Any, ...]:
            checked = rules(inputs, params, n)
            if torch.is_inference_mode_enabled():  # no autograd here: the rules' numbers
                return tuple(checked)
            p = params.detach().clone().requires_grad_(True)
            xs = [c.detach().clone().requires_grad_(input_grads) for c in inputs]
            with torch.enable_grad():
                outs, doubt = forward(xs, p, n)
                keep = 1.0 if doubt is None else (~doubt).to(torch.float64)
                terms = [seed * (torch.broadcast_to(o, (n,)) * keep).sum()
                         for o, seed in zip(outs, seeds)
                         if seed != 0.0 and getattr(o, "requires_grad", False)]
                wanted = [p, *xs] if input_grads else [p]
                grads = (torch.autograd.grad(sum(terms), wanted, allow_unused=True) if terms
                         else [None] * len(wanted))
            gp = torch.zeros_like(p) if grads[0] is None else grads[0]
            gx = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, grads[1:])]
            for got, want in zip((gp, *gx), (checked[2], *checked[1])):
                want = torch.broadcast_to(torch.as_tensor(want, dtype=torch.float64), got.shape)
                size = max(1.0, float(want.abs().max())) if want.numel() else 1.0
                if want.numel() and float((got - want).abs().max()) > 1e-12 * size:
                    raise FloatingPointError(
                        "backward='backend': the library's derivative of the forward code is "
                        f"{float((got - want).abs().max()):.3g} from the op table's rules")
            return tuple(self.stop(o) for o in outs), tuple(gx), gp, doubt

        return backprop


def autograd_of(xp: Any) -> Autograd:
    """The autograd of the library ``xp``: PyTorch's; a ValueError for one without."""
    if xp.__name__ == "array_api_compat.torch":
        return Autograd(importlib.import_module("torch"))
    raise ValueError(f"backward='backend' needs a library with its own autograd (PyTorch); "
                     f"{xp.__name__} has none: use backward='rules'")
