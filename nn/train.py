"""fit: the training loop (forward, loss, backward, step), with a history and a progress bar."""

from __future__ import annotations

import math
import random
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from autograd import Value, checks
from autograd.engine import as_number
from nn.arrays import ArrayTraining
from nn.clip import clip_grad_norm_
from nn.compiled import CompiledLoss
from nn.data import DataLoader, check_finite
from nn.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR

LossFn = Callable[[list[Any], list[Any]], Value]
Metric = Callable[[list[Any], list[Any]], float]


class Optimizer(Protocol):
    """What fit needs of an optimizer."""

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


class Scheduler(Protocol):
    """What fit needs of a learning-rate schedule (stepped once per epoch, as in PyTorch)."""

    def step(self) -> None: ...


@dataclass(repr=False)
class History:
    """Loss and metric after every step and averaged over every epoch."""

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_metric: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # before clipping, when fit clips

    def __repr__(self) -> str:
        """A summary, not every number: steps, epochs, first and last figures."""
        parts = [f"{len(self.loss)} steps, {len(self.epoch_loss)} epochs"]
        for name, values in (("loss", self.epoch_loss or self.loss),
                             ("metric", self.epoch_metric or self.metric),
                             ("grad_norm", self.grad_norm)):
            if values:
                parts.append(f"{name} {values[0]:.4g} -> {values[-1]:.4g}")
        return f"History({'; '.join(parts)})"


def accuracy(predictions: Sequence[Any], targets: Sequence[Any]) -> float:
    """Share of correct predictions: argmax of logits for lists, else the sign of a score.

    A scalar score counts as class 1 when positive, which matches labels in {0, 1} and
    micrograd's labels in {-1, +1} alike.
    """
    if len(predictions) != len(targets) or not predictions:
        raise ValueError(f"accuracy: {len(predictions)} predictions, {len(targets)} targets")
    correct = 0
    for p, t in zip(predictions, targets):
        if isinstance(p, (list, tuple)):
            scores = [as_number(z) for z in p]
            correct += scores.index(max(scores)) == t
        else:
            correct += (as_number(p) > 0) == (t > 0)
    return correct / len(predictions)


def fit(model: Callable[[Any], Any], loss_fn: LossFn, optimizer: Optimizer,
        data: DataLoader[Any, Any] | tuple[Sequence[Any], Sequence[Any]], epochs: int = 1,
        batch_size: int | None = None, scheduler: Scheduler | None = None,
        metric: Metric | None = None, progress: bool = False,
        rng: random.Random | None = None,
        compiled: bool | str | CompiledLoss = False,
        clip_grad_norm: float | None = None) -> History:
    """Train ``model`` for ``epochs`` passes over ``data``; return the history.

    ``data`` is a DataLoader, or (inputs, targets) to batch with ``batch_size`` (None: the
    full batch; 1: stochastic gradient descent). ``loss_fn(predictions, targets)`` returns
    a Value. An input or target that is NaN or infinite is refused first (ValueError naming
    the sample). A NaN or infinite loss, or an overflow in the forward pass, stops training
    with FloatingPointError naming the step, before the parameters are touched; its
    ``history`` attribute holds what was recorded until then.
    ``compiled=True`` traces the per-sample loss once and runs it as generated code
    (NumPy batches when installed; "python" or "numpy" to choose; or a CompiledLoss made
    once for several fits): much faster, for a loss that is a mean over samples of a graph
    whose shape is the same for every sample. ``clip_grad_norm`` scales the gradients of
    every step to that joint norm at most (``nn.clip.clip_grad_norm_``) and records the norm
    before clipping in ``history.grad_norm``. A loss a thousand times the largest of the
    first epoch gives a RuntimeWarning, once: the run is diverging, before it overflows.
    """
    epochs = checks.integer("epochs", epochs, 1)
    clipping = None if clip_grad_norm is None else (
        _parameters(model, optimizer),
        checks.at_least("clip_grad_norm", clip_grad_norm, 0.0, strict=True))
    if isinstance(data, DataLoader):
        if batch_size is not None:
            raise ValueError("give batch_size to the DataLoader, not to fit")
        loader = data
    else:
        inputs, targets = data
        loader = DataLoader(inputs, targets, batch_size, rng=rng or random.Random(0))
    # NaN in the data would surface as a NaN loss, blamed on the learning rate
    check_finite(loader.inputs, loader.targets)
    run: Callable[[list[Any], list[Any]], tuple[float, list[Any]]]
    if isinstance(compiled, CompiledLoss):  # compiled once, used for several fits
        run = compiled
    elif compiled:
        backend = "auto" if compiled is True else str(compiled)
        run = CompiledLoss(model, loss_fn, loader.inputs, loader.targets, backend)
    else:
        run = _eager(model, loss_fn)
    arrays = (ArrayTraining(run, optimizer, loader.inputs, loader.targets)  # type: ignore[arg-type]
              if ArrayTraining.fits(run, optimizer, loader.batch_size) else None)
    history = History()
    bar = _progress(progress, epochs * len(loader))
    try:
        _epochs(run, arrays, optimizer, loader, epochs, scheduler, metric, clipping, history,
                bar)
    finally:
        if arrays is not None:  # the Values as the last completed step left them
            arrays.sync()
    return history


def _epochs(run: Callable[[list[Any], list[Any]], tuple[float, list[Any]]],
            arrays: ArrayTraining | None, optimizer: Optimizer, loader: DataLoader[Any, Any],
            epochs: int, scheduler: Scheduler | None, metric: Metric | None,
            clipping: tuple[list[Value], float] | None, history: History,
            bar: _Progress) -> None:
    """fit's loop; with ``arrays``, the parameters live there, and are written back into the
    Values before any code of the user's runs (a metric, a schedule's function, a warning)."""
    step = 0
    start, warned = 0.0, False  # the largest loss of the first epoch
    for epoch in range(1, epochs + 1):
        losses, metrics, sizes = [], [], []
        for batch in loader.indices():
            step += 1
            try:
                if arrays is None:
                    optimizer.zero_grad()
                    xb, yb = [loader.inputs[i] for i in batch], [loader.targets[i] for i in batch]
                    loss, predictions = run(xb, yb)
                else:
                    loss, outputs = arrays.run(batch)
            except (OverflowError, FloatingPointError) as e:  # left the floats on the way
                bar.close()
                raise _diverged(f"the forward pass overflowed ({e})", step, epoch,
                                history) from e
            if not math.isfinite(loss):
                bar.close()
                raise _diverged(f"the loss became {loss}", step, epoch, history)
            # orders of magnitude above anything the first epoch saw: the run is diverging
            # (one batch's loss alone varies a lot, from near 0 up, with small batches)
            if epoch > 1 and loss > 1e3 * start and not warned:
                warned = True
                if arrays is not None:
                    arrays.sync()
                warnings.warn(f"the loss grew from {start:.3g} (the largest of the first epoch) "
                              f"to {loss:.3g} by step {step} "
                              f"(epoch {epoch}): training is diverging; try a smaller "
                              "learning rate or clip_grad_norm", RuntimeWarning, stacklevel=3)
            if epoch == 1:
                start = max(start, loss)
            if clipping is not None:
                history.grad_norm.append(clip_grad_norm_(*clipping) if arrays is None
                                         else arrays.clip(clipping[1]))
            if arrays is None:
                optimizer.step()
            else:
                arrays.step()
            history.loss.append(loss)
            losses.append(loss)
            sizes.append(len(batch))
            if metric is not None:
                if arrays is not None:
                    if metric is not accuracy:
                        arrays.sync()
                    predictions = arrays.loss.predictions(outputs)
                    yb = [loader.targets[i] for i in batch]
                metrics.append(metric(predictions, yb))
                history.metric.append(metrics[-1])
            bar.update(loss, metrics[-1] if metrics else None)
        if scheduler is not None:
            if arrays is not None and type(scheduler) not in CLOSED_FORM:
                arrays.sync()
            scheduler.step()
        # epoch figures weight each batch by its size (a last, smaller batch counts less)
        history.epoch_loss.append(_weighted_mean(losses, sizes))
        if metric is not None:
            history.epoch_metric.append(_weighted_mean(metrics, sizes))
        bar.epoch_done(epoch, history)
    bar.close()


# schedules that run no code of the user's
CLOSED_FORM = {StepLR, ExponentialLR, CosineAnnealingLR}


def _eager(model: Callable[[Any], Any], loss_fn: LossFn) -> Callable[..., tuple[float, Any]]:
    """One batch through the engine: its loss, and the gradients added into .grad."""
    def run(xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]]:
        predictions = [model(x) for x in xb]
        loss = loss_fn(predictions, yb)
        if not isinstance(loss, Value):
            raise TypeError(f"loss_fn must return a Value, got {type(loss).__name__}")
        if math.isfinite(loss.data):
            loss.backward()
        return loss.data, predictions
    return run


def _parameters(model: Any, optimizer: Any) -> list[Value]:
    """The parameters fit clips: the optimizer's, or the model's."""
    params = getattr(optimizer, "params", None)
    if params is None and hasattr(model, "parameters"):
        params = model.parameters()
    if params is None:
        raise TypeError("clip_grad_norm needs the parameters: give an optimizer with .params "
                        "or a model with .parameters()")
    return list(params)


def _diverged(what: str, step: int, epoch: int, history: History) -> FloatingPointError:
    error = FloatingPointError(
        f"{what} at step {step} (epoch {epoch}); training stopped before updating the "
        "parameters. Try a smaller learning rate or clipping the gradients.")
    error.history = history  # type: ignore[attr-defined]  # the steps before, for plots
    return error


def _weighted_mean(values: list[float], weights: list[int]) -> float:
    return math.fsum(v * w for v, w in zip(values, weights)) / sum(weights)


class _Progress:
    """No bar: prints nothing."""

    def update(self, loss: float, metric: float | None) -> None:
        """Called after every step."""

    def epoch_done(self, epoch: int, history: History) -> None:
        """Called after every epoch."""

    def close(self) -> None:
        """Called once at the end."""


class _TqdmProgress(_Progress):
    def __init__(self, total: int) -> None:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]  # a widget in notebooks

        self.bar = tqdm(total=total, desc="fit", unit="step", file=sys.stderr)

    def update(self, loss: float, metric: float | None) -> None:
        shown = {"loss": f"{loss:.4g}"} | ({} if metric is None else {"metric": f"{metric:.3g}"})
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


class _TextProgress(_Progress):
    def epoch_done(self, epoch: int, history: History) -> None:
        metric = f", metric {history.epoch_metric[-1]:.4g}" if history.epoch_metric else ""
        print(f"epoch {epoch}: loss {history.epoch_loss[-1]:.6g}{metric}", file=sys.stderr)


def _progress(wanted: bool, total: int) -> _Progress:
    if not wanted:
        return _Progress()
    try:
        return _TqdmProgress(total)
    except ImportError:  # tqdm is optional: fall back to a line per epoch
        return _TextProgress()
