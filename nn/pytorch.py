"""Models that move to PyTorch and back: to_torch(model) and from_torch(module).

A chainrule model becomes the torch.nn.Module a PyTorch user would write for it, with the
same weights in float64: an MLP or a Layer becomes Linear layers and activations in a
Sequential, Linear and Embedding their namesakes, RNN a one-layer torch.nn.RNN. from_torch
goes the other way. A layer that has no counterpart is refused with a ValueError naming it,
before anything is made. PyTorch is needed only here (pip install -e '.[torch]').
"""

from __future__ import annotations

import random
from typing import Any

from autograd import Value
from nn.linear import Embedding, Linear
from nn.modules import MLP, Layer, Module, Neuron, Sequential
from nn.rnn import RNN

# activations by name, as torch.nn modules (leaky_relu with the engine's default slope)
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                     "softplus": "Softplus", "leaky_relu": "LeakyReLU"}


def _scratch() -> random.Random:
    # the weights drawn when a module is made are replaced at once: drawn from a generator
    # of their own, they leave the global one (which a user may have seeded) as it was
    return random.Random(0)


def _torch() -> Any:
    try:
        import torch  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise ImportError("moving models to and from PyTorch needs it: pip install -e "
                          "'.[torch]' (its CPU build)") from None
    return torch


def _tensor(torch: Any, rows: Any) -> Any:
    """Values (a row, or rows of them) as a float64 tensor of their data."""
    data = ([[v.data for v in row] for row in rows] if rows and isinstance(rows[0], (list, tuple))
            else [v.data for v in rows])
    return torch.tensor(data, dtype=torch.float64)


def to_torch(model: Module) -> Any:
    """An equivalent torch.nn.Module in float64, with the model's weights copied."""
    torch = _torch()
    parts = _to_torch(torch, model)
    module = parts[0] if len(parts) == 1 else torch.nn.Sequential(*parts)
    return module.double()


def _to_torch(torch: Any, model: Any) -> list[Any]:
    nn = torch.nn
    if isinstance(model, Sequential):  # an MLP too: its layers, in order
        return [part for layer in model.layers for part in _to_torch(torch, layer)]
    if isinstance(model, (Layer, Neuron)):
        neurons = model.neurons if isinstance(model, Layer) else [model]
        names = {n.activation for n in neurons}
        if len(names) != 1:
            raise ValueError(f"a layer whose neurons have different activations ({names}) has "
                             "no torch.nn counterpart")
        (name,) = names
        if name != "linear" and name not in TORCH_ACTIVATIONS:
            raise ValueError(f"the activation {name!r} has no torch.nn counterpart")
        linear = nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(_tensor(torch, [n.w for n in neurons]))
            linear.bias.copy_(_tensor(torch, [n.b for n in neurons]))
        return [linear] if name == "linear" else [linear, _activation(torch, name)]
    if isinstance(model, Linear):
        linear = nn.Linear(model.in_features, model.out_features, bias=model.bias is not None,
                           dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(_tensor(torch, model.weight))
            if model.bias is not None:
                linear.bias.copy_(_tensor(torch, model.bias))
        return [linear]
    if isinstance(model, Embedding):
        table = nn.Embedding(model.num_embeddings, model.embedding_dim, dtype=torch.float64)
        with torch.no_grad():
            table.weight.copy_(_tensor(torch, model.weight))
        return [table]
    if isinstance(model, RNN):
        rnn = nn.RNN(model.input_size, model.hidden_size, nonlinearity=model.nonlinearity,
                     bias=model.bias_ih is not None, dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(_tensor(torch, model.weight_ih))
            rnn.weight_hh_l0.copy_(_tensor(torch, model.weight_hh))
            if model.bias_ih is not None and model.bias_hh is not None:
                rnn.bias_ih_l0.copy_(_tensor(torch, model.bias_ih))
                rnn.bias_hh_l0.copy_(_tensor(torch, model.bias_hh))
        return [rnn]
    raise ValueError(f"{type(model).__name__} has no torch.nn counterpart (to_torch moves MLP, "
                     "Sequential, Layer, Neuron, Linear, Embedding and RNN)")


def _activation(torch: Any, name: str) -> Any:
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(0.01)  # Value.leaky_relu's default slope
    return getattr(torch.nn, TORCH_ACTIVATIONS[name])()


def from_torch(module: Any) -> Module:
    """The chainrule model of a torch.nn.Module: Linear layers each followed by at most one
    activation (in a Sequential, or alone) become Layers of an MLP-like Sequential; Embedding
    and a one-layer RNN their namesakes. Weights are copied as floats."""
    torch = _torch()
    nn = torch.nn
    if isinstance(module, nn.Sequential):
        children = list(module)
        _check_sequence(torch, children)
        layers: list[Any] = []
        i = 0
        while i < len(children):
            linear = children[i]
            act = children[i + 1] if i + 1 < len(children) and not isinstance(
                children[i + 1], nn.Linear) else None
            layers.append(_layer(torch, linear, act))
            i += 2 if act is not None else 1
        return _as_mlp(layers) or Sequential(*layers)
    if isinstance(module, nn.Linear):
        return _linear(torch, module)
    if isinstance(module, nn.Embedding):
        table = Embedding(module.num_embeddings, module.embedding_dim, rng=_scratch())
        table.weight = [[Value(float(x)) for x in row] for row in module.weight.tolist()]
        return table
    if isinstance(module, nn.RNN):
        if (module.num_layers != 1 or module.bidirectional or module.batch_first
                or module.proj_size):
            raise ValueError("from_torch takes a one-layer, one-way torch.nn.RNN with "
                             "batch_first=False and no projection")
        rnn = RNN(module.input_size, module.hidden_size, module.nonlinearity, module.bias,
                  rng=_scratch())
        rnn.weight_ih = _values(module.weight_ih_l0)
        rnn.weight_hh = _values(module.weight_hh_l0)
        if module.bias:
            rnn.bias_ih = _values(module.bias_ih_l0)
            rnn.bias_hh = _values(module.bias_hh_l0)
        return rnn
    raise ValueError(f"torch.nn.{type(module).__name__} has no chainrule counterpart "
                     "(from_torch moves Sequential, Linear, activations, Embedding and RNN)")


def _check_sequence(torch: Any, children: list[Any]) -> None:
    """ValueError naming the first child that is neither a Linear nor an activation that
    follows one."""
    names = {cls: name for name, cls in TORCH_ACTIVATIONS.items()}
    previous = None
    for k, child in enumerate(children):
        kind = type(child).__name__
        if isinstance(child, torch.nn.Linear):
            previous = child
            continue
        if kind not in names:
            raise ValueError(f"layer {k} of the Sequential, torch.nn.{kind}, has no chainrule "
                             "counterpart")
        if previous is None:
            raise ValueError(f"layer {k} of the Sequential, torch.nn.{kind}, does not follow a "
                             "Linear layer")
        if kind == "LeakyReLU" and child.negative_slope != 0.01:
            raise ValueError(f"layer {k}: a LeakyReLU of slope {child.negative_slope} (chainrule's "
                             "activation by name has slope 0.01)")
        if kind == "Softplus" and (child.beta != 1.0 or child.threshold != 20.0):
            raise ValueError(f"layer {k}: a Softplus with beta or threshold changed")
        previous = None


def _layer(torch: Any, linear: Any, act: Any) -> Layer:
    names = {cls: name for name, cls in TORCH_ACTIVATIONS.items()}
    activation = "linear" if act is None else names[type(act).__name__]
    if linear.bias is None:
        raise ValueError("a torch.nn.Linear without a bias becomes nn.Linear(bias=False), "
                         "not a layer of neurons: move it alone")
    layer = Layer(linear.in_features, linear.out_features, activation, rng=_scratch())
    for neuron, row, b in zip(layer.neurons, linear.weight.tolist(), linear.bias.tolist()):
        neuron.w = [Value(float(x)) for x in row]
        neuron.b = Value(float(b))
    return layer


def _as_mlp(layers: list[Any]) -> MLP | None:
    """The layers as an MLP, when they are one: every hidden layer with one activation."""
    if not all(isinstance(layer, Layer) for layer in layers):
        return None
    acts = [layer.neurons[0].activation for layer in layers]  # type: ignore[attr-defined]
    sizes = [len(layers[0].neurons[0].w)] + [len(layer.neurons)  # type: ignore[attr-defined]
                                            for layer in layers]
    if len(set(acts[:-1])) > 1:
        return None
    mlp = MLP(sizes[0], sizes[1:], activation=acts[0] if len(acts) > 1 else "relu",
              output_activation=acts[-1], rng=_scratch())
    mlp.layers = list(layers)
    return mlp


def _linear(torch: Any, module: Any) -> Linear:
    linear = Linear(module.in_features, module.out_features, bias=module.bias is not None,
                    rng=_scratch())
    linear.weight = _values(module.weight)
    if module.bias is not None:
        linear.bias = _values(module.bias)
    return linear


def _values(tensor: Any) -> Any:
    data = tensor.tolist()
    if data and isinstance(data[0], list):
        return [[Value(float(x)) for x in row] for row in data]
    return [Value(float(x)) for x in data]
