"""Linear and Embedding: torch.nn's layout and numbers, gradients, bad arguments."""

import math
import random

import pytest

from autograd import Value, gradcheck, ops
from nn import MLP, Embedding, Linear, Sequential


def test_linear_is_w_x_plus_b_with_torch_s_layout_and_init():
    layer = Linear(3, 2, rng=random.Random(0))
    assert len(layer.weight) == 2 and all(len(row) == 3 for row in layer.weight)
    assert len(layer.bias) == 2 and layer.num_parameters() == 8
    assert all(abs(p.data) <= 1 / math.sqrt(3) for p in layer.parameters())
    x = [0.5, -1.0, 2.0]
    out = layer(x)
    assert isinstance(out, list) and len(out) == 2 and all(v.op is ops.DOT for v in out)
    for row, b, y in zip(layer.weight, layer.bias, out):
        total = b.data  # b + w_1 x_1 + ..., added left to right
        for w, xi in zip(row, x):
            total += w.data * xi
        assert y.data == total
    assert [name for name, _ in layer.named_parameters()][:2] == ["weight.0.0", "weight.0.1"]
    assert repr(Linear(3, 2, bias=False)).startswith("Linear(3 -> 2, no bias")


def test_linear_without_bias_and_with_one_output_still_gives_a_list():
    layer = Linear(2, 1, bias=False, rng=random.Random(1))
    (y,) = layer([Value(1.0), Value(2.0)])
    assert layer.bias is None and layer.num_parameters() == 2
    assert y.data == layer.weight[0][0].data + 2 * layer.weight[0][1].data


def test_linear_gradients_match_central_differences():
    layer = Linear(3, 2, rng=random.Random(2))

    def f(*x):
        return [y * y for y in layer(x)]

    assert gradcheck(f, [0.3, -0.7, 1.1])
    params = layer.parameters()  # and through the weights, by central differences
    x = [Value(0.3), Value(-0.7), Value(1.1)]
    ys = [y.tanh() for y in layer(x)]
    (ys[0] + 2 * ys[1]).backward()
    h = 1e-6
    for p in params:
        old = p.data
        p.data = old + h
        up = [y.tanh() for y in layer(x)]
        p.data = old - h
        down = [y.tanh() for y in layer(x)]
        p.data = old
        numeric = ((up[0].data + 2 * up[1].data) - (down[0].data + 2 * down[1].data)) / (2 * h)
        assert p.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_linear_layers_compose_and_train_in_sequential():
    model = Sequential(Linear(2, 4, rng=random.Random(3)), Linear(4, 1, rng=random.Random(4)))
    (y,) = model([1.0, -1.0])
    y.backward()
    assert all(p.grad != 0.0 for p in model.layers[1].parameters())
    assert len(model.parameters()) == 12 + 5
    assert MLP(2, [1]).parameters()  # the classic modules are untouched


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    layer = Linear(3, 2, rng=random.Random(5))
    theirs = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([[w.data for w in r] for r in layer.weight],
                                         dtype=torch.float64))
        theirs.bias.copy_(torch.tensor([b.data for b in layer.bias], dtype=torch.float64))
    x = [0.1, -0.4, 0.9]
    out = layer(x)
    (out[0] * out[1]).backward()
    t = theirs(torch.tensor(x, dtype=torch.float64))
    (t[0] * t[1]).backward()
    assert [v.data for v in out] == pytest.approx(t.tolist(), rel=1e-15)
    for row, want in zip(layer.weight, theirs.weight.grad.tolist()):
        assert [w.grad for w in row] == pytest.approx(want, rel=1e-12)
    assert [b.grad for b in layer.bias] == pytest.approx(theirs.bias.grad.tolist(), rel=1e-12)


def test_linear_refuses_wrong_inputs():
    layer = Linear(3, 2)
    with pytest.raises(ValueError, match="Linear's input must have 3 entries, got 2"):
        layer([1.0, 2.0])
    with pytest.raises(TypeError, match="sequence of 3 numbers"):
        layer(3.0)
    with pytest.raises(TypeError, match="real number"):
        layer(["a", 1.0, 2.0])
    with pytest.raises(ValueError, match="in_features"):
        Linear(0, 2)


def test_embedding_rows_are_the_table_s_values_and_get_the_gradient():
    emb = Embedding(5, 3, rng=random.Random(6))
    assert len(emb.weight) == 5 and all(len(r) == 3 for r in emb.weight)
    row = emb(2)
    assert row == emb.weight[2] and row is not emb.weight[2]  # the same Values, a new list
    row.append(Value(0.0))
    assert len(emb.weight[2]) == 3  # changing the list changes nothing in the table
    (emb(2)[0] * 3 + emb(2)[0] + emb(4)[1]).backward()
    assert emb.weight[2][0].grad == 4.0 and emb.weight[4][1].grad == 1.0
    assert sum(abs(p.grad) for p in emb.parameters()) == 5.0
    draws = [p.data for p in Embedding(200, 50, rng=random.Random(7)).parameters()]
    mean = sum(draws) / len(draws)
    assert abs(mean) < 0.03 and sum(d * d for d in draws) / len(draws) == pytest.approx(1, 0.05)


def test_a_one_hot_vector_picks_its_row_to_the_last_bit_and_gets_gradients():
    emb = Embedding(4, 3, rng=random.Random(8))
    one_hot = [Value(0.0), Value(0.0), Value(1.0), Value(0.0)]
    row = emb(one_hot)
    assert [v.data for v in row] == [w.data for w in emb.weight[2]]
    (row[0] * 2.0 + row[2]).backward()
    assert [w.grad for w in emb.weight[2]] == [2.0, 0.0, 1.0]
    assert all(w.grad == 0.0 for r in (0, 1, 3) for w in emb.weight[r])
    assert [o.grad for o in one_hot] == [2.0 * r[0].data + r[2].data for r in emb.weight]
    mixed = emb([0.5, 0.0, 0.5, 0.0])  # a weighting of rows: 0.5 (row 0 + row 2)
    assert mixed[1].data == pytest.approx(0.5 * (emb.weight[0][1].data + emb.weight[2][1].data))
    with pytest.raises(ValueError, match="4 entries, got 3"):
        emb([1.0, 0.0, 0.0])


def test_embedding_refuses_what_is_not_an_index():
    emb = Embedding(5, 3)
    with pytest.raises(IndexError, match="index 5 is out of range for an Embedding of 5 rows"):
        emb(5)
    with pytest.raises(IndexError):
        emb(-1)
    with pytest.raises(TypeError, match="indexed by an int, not float"):
        emb(1.0)
    with pytest.raises(TypeError, match="not bool"):
        emb(True)
    np = pytest.importorskip("numpy")
    assert emb(np.int64(3)) == emb.weight[3]
