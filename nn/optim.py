"""Optimizers with torch.optim's update rules: SGD, Adam, AdamW and RMSprop."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from autograd import Value, checks, gradients, zero_grad
from autograd.engine import as_number


class Floats:
    """What an update rule needs beyond + - * / (nn/arrays.py has the same for NumPy arrays)."""

    @staticmethod
    def sqrt(x: float) -> float:
        """IEEE square root, as torch takes it: NaN (not an exception) below zero, which
        rounding can reach in RMSprop's centered v - (g_ave)^2 when the gradients barely vary."""
        return math.sqrt(x) if x >= 0.0 else math.nan

    @staticmethod
    def maximum(a: float, b: float) -> float:
        """The larger, or NaN if either is NaN (as torch.maximum and numpy.maximum)."""
        return b if b != b or b > a else a


FLOATS = Floats()


class Optimizer:
    """Updates a fixed list of parameters from their gradients; all state lives here."""

    # the constructor arguments that state_dict records, in the constructor's order
    hyperparameter_names: tuple[str, ...] = ("lr", "weight_decay", "maximize")
    # every per-parameter running quantity a subclass may keep, under torch's names
    buffer_names: tuple[str, ...] = ()
    # AdamW's decay: shrink the parameter itself instead of adding lambda theta to g
    decoupled_weight_decay = False

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0,
                 maximize: bool = False) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, not {type(p).__name__}")
        if len(set(self.params)) != len(self.params):
            raise ValueError("a parameter appears more than once in the list of parameters")
        self.lr = checks.at_least("lr", lr, 0.0)
        self.weight_decay = checks.at_least("weight_decay", weight_decay, 0.0)
        self.maximize = bool(maximize)
        self.step_count = 0  # t, the number of steps taken
        # name -> one float per parameter, in params order; created by the first step
        self.state: dict[str, list[float]] = {}

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        zero_grad(self.params)

    def step(self) -> None:
        """Move every parameter once, from the gradient it holds now."""
        n = len(self.params)
        t = self.step_count + 1
        thetas, state = self.on_floats(
            [p.data for p in self.params], list(map(as_number, gradients(self.params))),
            {name: self.state.get(name) or [0.0] * n for name in self.buffers_used()}, t)
        # every new value is known: now all of them at once (a rule that raised changed nothing)
        self.step_count = t
        for name, values in state.items():
            if name in self.state:
                self.state[name][:] = values  # the same list, as a caller may hold it
            else:
                self.state[name] = values
        for p, theta in zip(self.params, thetas):
            p.data = theta

    def on_floats(self, thetas: list[float], grads: list[float], state: dict[str, list[float]],
                  t: int) -> tuple[list[float], dict[str, list[float]]]:
        """The rule at step t, parameter by parameter on floats: the new values and the new
        buffers (new lists; ``state``, the buffers by name, is left as it was)."""
        columns = {name: list(values) for name, values in state.items()}
        moved = []
        for i, (theta, g) in enumerate(zip(thetas, grads)):
            one = {name: column[i] for name, column in columns.items()}
            moved.append(self.update(FLOATS, theta, g, one, t))
            for name, column in columns.items():
                column[i] = one[name]
        return moved, columns

    def update(self, m: Any, theta: Any, g: Any, state: dict[str, Any], t: int) -> Any:
        """The new parameter from theta and its gradient g at step t, updating ``state``
        (the buffers_used(), by name). Numbers are floats (m is FLOATS), or arrays of every
        parameter (m the same functions for arrays): the one rule serves both."""
        if self.maximize:
            g = -g  # ascend f: descend -f
        if self.decoupled_weight_decay:
            theta = theta * (1.0 - self.lr * self.weight_decay)  # theta (1 - lr lambda)
        elif self.weight_decay:
            g = g + self.weight_decay * theta  # L2 penalty (lambda/2) theta^2: g + lambda theta
        return self.rule(m, theta, g, state, t)

    def rule(self, m: Any, theta: Any, g: Any, state: dict[str, Any], t: int) -> Any:
        """The optimizer's own step, after maximize and weight decay."""
        raise NotImplementedError

    def buffers_used(self) -> tuple[str, ...]:
        """The per-parameter buffers this optimizer's settings keep."""
        return ()

    def hyperparameters(self) -> dict[str, Any]:
        """The settings, by constructor argument name."""
        return {name: getattr(self, name) for name in self.hyperparameter_names}

    def state_dict(self) -> dict[str, Any]:
        """Settings, step count and per-parameter state (lists in params order), for JSON."""
        hyper = {k: list(v) if isinstance(v, tuple) else v
                 for k, v in self.hyperparameters().items()}
        return {"optimizer": type(self).__name__, "num_parameters": len(self.params),
                "hyperparameters": hyper, "step": self.step_count,
                "state": {name: list(values) for name, values in self.state.items()}}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what state_dict returned; on any mismatch raise ValueError, change nothing."""
        kind = state_dict.get("optimizer")
        if kind != type(self).__name__:
            raise ValueError(f"the state is for optimizer {kind!r}, not {type(self).__name__}")
        n = len(self.params)
        if state_dict.get("num_parameters") != n:
            raise ValueError(f"the state is for {state_dict.get('num_parameters')} parameters, "
                             f"but the optimizer has {n}")
        state = state_dict.get("state")
        if not isinstance(state, Mapping):
            raise ValueError(f"the state's 'state' must be a mapping, got {state!r:.60}")
        for name, values in state.items():
            if name not in self.buffer_names:
                raise ValueError(f"{type(self).__name__} keeps no state {name!r}; it keeps "
                                 f"{', '.join(self.buffer_names)}")
            if not isinstance(values, list) or len(values) != n:
                count = len(values) if isinstance(values, list) else "not a list of"
                raise ValueError(f"state {name!r} has {count} values, but the optimizer has "
                                 f"{n} parameters")
            if not all(checks.is_number(v) for v in values):
                raise ValueError(f"state {name!r} must hold numbers, got {values!r:.200}")
        step = checks.integer("the step count", state_dict.get("step"), 0)
        hyper = state_dict.get("hyperparameters")
        if not isinstance(hyper, Mapping) or set(hyper) != set(self.hyperparameter_names):
            raise ValueError(f"the hyperparameters must be {', '.join(self.hyperparameter_names)}"
                             f"; got {hyper!r:.200}")
        try:  # the constructor checks every setting: build a spare optimizer and copy them
            checked = type(self)(self.params, **hyper)
        except (TypeError, ValueError) as e:
            raise ValueError(f"bad hyperparameters in the state: {e}") from None
        for name in self.hyperparameter_names:
            setattr(self, name, getattr(checked, name))
        self.step_count = step
        self.state = {name: [float(v) for v in values] for name, values in state.items()}


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

    hyperparameter_names = ("lr", "momentum", "dampening", "weight_decay", "nesterov",
                            "maximize")
    buffer_names = ("momentum_buffer",)

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        self.momentum = checks.at_least("momentum", momentum, 0.0)
        self.dampening = checks.real("dampening", dampening)
        if nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov needs momentum > 0 and dampening == 0, got "
                             f"momentum={momentum!r}, dampening={dampening!r}")
        self.nesterov = bool(nesterov)

    def buffers_used(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum else ()

    def rule(self, m: Any, theta: Any, g: Any, state: dict[str, Any], t: int) -> Any:
        if self.momentum:
            # b_1 = g_1 (no dampening at first); b_t = mu b_{t-1} + (1 - tau) g_t
            b = state["momentum_buffer"] = (
                g if t == 1 else self.momentum * state["momentum_buffer"]
                + (1.0 - self.dampening) * g)
            # Nesterov looks ahead along the momentum: g_t + mu b_t; else plain b_t
            g = g + self.momentum * b if self.nesterov else b
        # theta_t = theta_{t-1} - lr g_t
        return theta - self.lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba), with AMSGrad; weight decay is added to the gradient (L2)."""

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        if isinstance(betas, (str, bytes)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (checks.in_range("betas[0]", betas[0], 0.0, 1.0),
                      checks.in_range("betas[1]", betas[1], 0.0, 1.0))
        self.eps = checks.at_least("eps", eps, 0.0)
        self.amsgrad = bool(amsgrad)

    def buffers_used(self) -> tuple[str, ...]:
        return self.buffer_names if self.amsgrad else self.buffer_names[:2]

    def rule(self, m: Any, theta: Any, g: Any, state: dict[str, Any], t: int) -> Any:
        beta1, beta2 = self.betas
        # first and second moments: m_t = beta1 m_{t-1} + (1 - beta1) g_t,
        # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
        mean = state["exp_avg"] = beta1 * state["exp_avg"] + (1.0 - beta1) * g
        second = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1.0 - beta2) * g * g
        if self.amsgrad:
            # AMSGrad: v_t^max = max(v_{t-1}^max, v_t), so the step size never grows back
            second = state["max_exp_avg_sq"] = m.maximum(state["max_exp_avg_sq"], second)
        # bias corrections, as both moments start at 0: m_hat = m_t / (1 - beta1^t), etc.
        m_hat = mean / (1.0 - beta1**t)
        v_hat = second / (1.0 - beta2**t)
        # theta_t = theta_{t-1} - lr m_hat / (sqrt(v_hat) + eps)
        return theta - self.lr * m_hat / (m.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter)."""

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton), with momentum and the centered variant (Graves)."""

    hyperparameter_names = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered",
                            "maximize")
    buffer_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params: Iterable[Value], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        self.alpha = checks.at_least("alpha", alpha, 0.0)
        self.eps = checks.at_least("eps", eps, 0.0)
        self.momentum = checks.at_least("momentum", momentum, 0.0)
        self.centered = bool(centered)

    def buffers_used(self) -> tuple[str, ...]:
        return (("square_avg",) + (("grad_avg",) if self.centered else ())
                + (("momentum_buffer",) if self.momentum > 0.0 else ()))

    def rule(self, m: Any, theta: Any, g: Any, state: dict[str, Any], t: int) -> Any:
        a = self.alpha
        # running mean of squares: v_t = alpha v_{t-1} + (1 - alpha) g_t^2
        second = state["square_avg"] = a * state["square_avg"] + (1.0 - a) * g * g
        if self.centered:
            # running mean g_ave_t = alpha g_ave_{t-1} + (1 - alpha) g_t; dividing by
            # sqrt(v_t - g_ave_t^2) normalises by the variance instead of the raw second moment
            g_ave = state["grad_avg"] = a * state["grad_avg"] + (1.0 - a) * g
            second = second - g_ave * g_ave
        scaled = g / (m.sqrt(second) + self.eps)
        if self.momentum > 0.0:
            # b_t = mu b_{t-1} + g_t / (sqrt(v~_t) + eps); theta_t = theta_{t-1} - lr b_t
            scaled = state["momentum_buffer"] = self.momentum * state["momentum_buffer"] + scaled
        return theta - self.lr * scaled
