"""Compiled training on arrays: the parameters and the optimizer's buffers as NumPy vectors.

While ``fit(compiled="numpy")`` runs, a model's parameters live in one float64 vector and
each optimizer buffer (momentum, Adam's moments, AMSGrad's maximum) in another: the compiled
loss takes the vector (``params=``), the optimizer's own rule (nn/optim.py, the one the
eager step runs on floats) updates it with array operations, and no step pays a Python loop
over the parameters. ``sync()`` writes the vectors back into the model's Values and the
optimizer's lists; fit calls it before any code of the user's runs and when it returns or
raises, so the Values a user sees are always those of the last completed step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import gradients
from autograd.engine import as_number
from nn.clip import clip_scale, total_norm
from nn.compiled import CompiledLoss
from nn.optim import SGD, Adam, AdamW, Optimizer, RMSprop

BUILT_IN = {SGD, Adam, AdamW, RMSprop}  # optimizers whose rules are known to take arrays


class Arrays:
    """FLOATS' functions for NumPy arrays, element by element."""

    def __init__(self, np: Any) -> None:
        self.np = np

    def sqrt(self, x: Any) -> Any:
        """IEEE square root: NaN below zero."""
        return self.np.sqrt(x)

    def maximum(self, a: Any, b: Any) -> Any:
        """The larger, or NaN if either is NaN."""
        return self.np.maximum(a, b)


class ArrayTraining:
    """One fit's parameters, last gradient and optimizer buffers as arrays."""

    def __init__(self, loss: CompiledLoss, optimizer: Optimizer,
                 inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> None:
        np: Any = loss.np
        self.np = np
        self.loss, self.optimizer, self.m = loss, optimizer, Arrays(np)
        self.theta = np.array([p.data for p in loss.params], dtype=float)
        self.grads = np.array(list(map(as_number, gradients(loss.params))), dtype=float)
        self.state = {name: np.array(values, dtype=float)
                      for name, values in optimizer.state.items()}
        # the data once as columns; a batch is read by its indices
        self.columns = [np.array(c, dtype=float) for c in zip(*inputs)]
        self.columns.append(np.array([float(t) for t in targets], dtype=float))
        self.synced = True

    @staticmethod
    def fits(loss: Any, optimizer: Any, batch_size: int) -> bool:
        """Whether this run can train on arrays: a compiled loss that runs its batches with
        NumPy, and an optimizer of nn.optim over exactly the loss's parameters."""
        return (isinstance(loss, CompiledLoss) and loss.np is not None
                and batch_size >= loss.smallest and type(optimizer) in BUILT_IN
                and len(optimizer.params) == len(loss.params)
                and all(map(lambda a, b: a is b, optimizer.params, loss.params)))

    def run(self, batch: Sequence[int]) -> tuple[float, Any]:
        """The batch's loss and outputs; its gradient kept for step()."""
        index: Any = (slice(batch.start, batch.stop) if type(batch) is range  # views
                      else self.np.array(batch, dtype=self.np.intp))
        columns = [c[index] for c in self.columns]
        self.synced = False
        loss, outputs, self.grads = self.loss.on_arrays(columns, self.theta)
        return loss, outputs

    def clip(self, max_norm: float) -> float:
        """clip_grad_norm_ on the kept gradient: its norm before clipping."""
        norm = total_norm(self.grads.tolist())
        scale = clip_scale(norm, max_norm)
        if scale is not None:
            self.grads = self.grads * scale
        return norm

    def step(self) -> None:
        """optimizer.step() on the arrays: the optimizer's rule, over every parameter at once.

        Where an array operation leaves the finite floats (a division by zero, an overflow,
        a square root below zero), the rule runs again on floats, parameter by parameter, as
        the eager step does: its numbers, or its error. Nothing changes if it raises."""
        opt, np = self.optimizer, self.np
        t = opt.step_count + 1
        state = {name: self.state.get(name, np.zeros_like(self.theta))
                 for name in opt.buffers_used()}
        try:
            with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
                theta = opt.update(self.m, self.theta, self.grads, state, t)
        except FloatingPointError:
            theta, state = self._on_floats(state, t)
        self.theta, opt.step_count = theta, t
        self.state.update(state)
        self.synced = False

    def _on_floats(self, state: dict[str, Any], t: int) -> tuple[Any, dict[str, Any]]:
        np = self.np
        thetas, columns = self.optimizer.on_floats(
            self.theta.tolist(), self.grads.tolist(),
            {name: values.tolist() for name, values in state.items()}, t)
        return (np.array(thetas, dtype=float),
                {name: np.array(column, dtype=float) for name, column in columns.items()})

    def sync(self) -> None:
        """Write the arrays back: each parameter's value and last gradient, and the
        optimizer's buffers as its lists."""
        if self.synced:
            return
        for p, theta, g in zip(self.loss.params, self.theta.tolist(), self.grads.tolist()):
            p.data, p.grad = theta, g
        self.optimizer.state.update({name: values.tolist()
                                     for name, values in self.state.items()})
        self.synced = True
