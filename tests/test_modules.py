"""nn modules: micrograd's Neuron, Layer and MLP, one node per weighted sum."""

import random

import pytest

from autograd import Value, ops
from nn import MLP, Layer, Neuron


def test_mlp_has_micrograds_structure_and_parameter_order():
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    assert len(model.layers) == 3
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1)
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]  # per neuron: weights, then bias
    assert [n.nonlin for layer in model.layers for n in layer.neurons[:1]] == [True, True, False]
    assert all(-1.0 <= w.data <= 1.0 for n in model.layers[0].neurons for w in n.w)
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2)")


def test_same_seed_same_weights_and_global_random_like_micrograd():
    a = MLP(3, [4, 1], rng=random.Random(7))
    b = MLP(3, [4, 1], rng=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    random.seed(11)
    c = Neuron(3)
    random.seed(11)
    assert [w.data for w in c.w] == [random.uniform(-1, 1) for _ in range(3)]


def test_neuron_is_relu_of_one_dot_node():
    n = Neuron(3, rng=random.Random(1))
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    out = n(x)
    assert out.op is ops.RELU
    (act,) = out.parents
    assert act.op is ops.DOT and act.parents == (n.b, *n.w, *x)
    expected = n.b.data + sum(w.data * xi.data for w, xi in zip(n.w, x))
    assert act.data == pytest.approx(expected, rel=1e-15)
    assert Neuron(3, nonlin=False, rng=random.Random(1))(x).op is ops.DOT


def test_forward_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0]), Value)
    out = Layer(2, 3, rng=random.Random(0))([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_zero_grad_and_backward_through_the_network():
    model = MLP(2, [4, 1], rng=random.Random(3))
    loss = model([0.5, -0.25]) ** 2
    loss.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_wrong_number_of_inputs_is_an_error():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [1], rng=random.Random(0))([1.0, 2.0, 3.0])
