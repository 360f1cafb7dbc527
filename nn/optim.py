"""Optimizers: SGD, Adam, AdamW and RMSprop with torch.optim's update rules."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value

State = dict[str, float]


def _check(name: str, value: float, low: float = 0.0, high: float = math.inf,
           high_open: bool = False) -> float:
    ok = low <= value < high if high_open else low <= value <= high
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
        bound = f"[{low}, {high})" if high_open else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Updates a fixed list of parameters from their gradients; state lives here."""

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0,
                 maximize: bool = False) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, not {type(p).__name__}")
        if len(set(self.params)) != len(self.params):
            raise ValueError("a parameter appears more than once in the list")
        self.lr = _check("lr", lr)
        self.weight_decay = _check("weight_decay", weight_decay)
        self.maximize = bool(maximize)
        self.state: list[State] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter one step against its gradient."""
        for p, state in zip(self.params, self.state):
            g = float(p.grad)
            g = -g if self.maximize else g
            p.data = self._update(p.data, self._decayed(g, p.data), state)

    def _decayed(self, g: float, p: float) -> float:
        # L2 weight decay folded into the gradient: g + lambda p
        return g + self.weight_decay * p if self.weight_decay else g

    def _update(self, p: float, g: float, state: State) -> float:
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        """The settings a state_dict records."""
        return {"lr": self.lr, "weight_decay": self.weight_decay, "maximize": self.maximize}

    def state_dict(self) -> dict[str, Any]:
        """Settings and per-parameter state (in parameter order), ready for JSON."""
        return {"optimizer": type(self).__name__, "hyperparameters": self.hyperparameters(),
                "state": [dict(s) for s in self.state]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what state_dict returned; on any mismatch raise and change nothing."""
        kind = state_dict.get("optimizer")
        if kind != type(self).__name__:
            raise ValueError(f"state is for {kind}, not {type(self).__name__}")
        states = state_dict.get("state")
        if not isinstance(states, list) or len(states) != len(self.params):
            count = len(states) if isinstance(states, list) else "no"
            raise ValueError(f"state has {count} parameter entries, the optimizer has "
                             f"{len(self.params)} parameters")
        hyper = state_dict.get("hyperparameters", {})
        unknown = set(hyper) - set(self.hyperparameters())
        if unknown:
            raise ValueError(f"unknown hyperparameters: {', '.join(sorted(unknown))}")
        for name, value in hyper.items():
            setattr(self, name, tuple(value) if isinstance(value, list) else value)
        self.state = [{k: float(v) for k, v in s.items()} for s in states]


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        self.momentum = _check("momentum", momentum)
        self.dampening = _check("dampening", dampening)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov needs momentum > 0 and dampening == 0, got "
                             f"momentum={momentum!r}, dampening={dampening!r}")
        self.nesterov = bool(nesterov)

    def _update(self, p: float, g: float, state: State) -> float:
        if self.momentum:
            # b_1 = g_1; b_t = mu b_{t-1} + (1 - dampening) g_t
            b = state["momentum_buffer"] = (
                self.momentum * state["momentum_buffer"] + (1 - self.dampening) * g
                if "momentum_buffer" in state else g)
            g = g + self.momentum * b if self.nesterov else b  # Nesterov looks one step ahead
        return p - self.lr * g

    def hyperparameters(self) -> dict[str, Any]:
        return super().hyperparameters() | {"momentum": self.momentum,
                                            "dampening": self.dampening,
                                            "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma and Ba), with AMSGrad; weight decay is added to the gradient (L2)."""

    decoupled = False

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}")
        self.betas = (_check("betas[0]", betas[0], 0.0, 1.0, high_open=True),
                      _check("betas[1]", betas[1], 0.0, 1.0, high_open=True))
        self.eps = _check("eps", eps)
        self.amsgrad = bool(amsgrad)

    def _decayed(self, g: float, p: float) -> float:
        return g if self.decoupled else super()._decayed(g, p)

    def _update(self, p: float, g: float, state: State) -> float:
        beta1, beta2 = self.betas
        if self.decoupled:  # AdamW: p <- p (1 - lr lambda), apart from the gradient
            p = p * (1 - self.lr * self.weight_decay)
        t = state["step"] = state.get("step", 0.0) + 1
        # m_t = beta1 m_{t-1} + (1 - beta1) g;  v_t = beta2 v_{t-1} + (1 - beta2) g^2
        m = state["exp_avg"] = beta1 * state.get("exp_avg", 0.0) + (1 - beta1) * g
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        if self.amsgrad:  # use the largest v seen so far, so steps never grow back
            v = state["max_exp_avg_sq"] = max(state.get("max_exp_avg_sq", 0.0), v)
        # p <- p - lr m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1^t), v_hat likewise
        denom = math.sqrt(v) / math.sqrt(1 - math.pow(beta2, t)) + self.eps
        return p - (self.lr / (1 - math.pow(beta1, t))) * m / denom

    def hyperparameters(self) -> dict[str, Any]:
        return super().hyperparameters() | {"betas": self.betas, "eps": self.eps,
                                            "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter)."""

    decoupled = True

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton), with momentum and the centered variant."""

    def __init__(self, params: Iterable[Value], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, weight_decay, maximize)
        self.alpha = _check("alpha", alpha)
        self.eps = _check("eps", eps)
        self.momentum = _check("momentum", momentum)
        self.centered = bool(centered)

    def _update(self, p: float, g: float, state: State) -> float:
        a = self.alpha
        # v_t = alpha v_{t-1} + (1 - alpha) g^2: a running mean of squared gradients
        v = state["square_avg"] = a * state.get("square_avg", 0.0) + (1 - a) * g * g
        if self.centered:  # divide by a running variance instead: v - (mean of g)^2
            mean = state["grad_avg"] = a * state.get("grad_avg", 0.0) + (1 - a) * g
            v = v - mean * mean
        step = g / (math.sqrt(v) + self.eps)
        if self.momentum:
            step = state["momentum_buffer"] = (self.momentum * state.get("momentum_buffer", 0.0)
                                               + step)
        return p - self.lr * step

    def hyperparameters(self) -> dict[str, Any]:
        return super().hyperparameters() | {"alpha": self.alpha, "eps": self.eps,
                                            "momentum": self.momentum,
                                            "centered": self.centered}
