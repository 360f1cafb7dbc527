"""The Elman network: its gradients against central differences and against torch.nn.RNN,
and truncated backpropagation through time against the truncated graph."""

import itertools
import math
import random

import pytest

from autograd import gradcheck, ops
from autograd.engine import toposort
from nn import RNN
from nn.rnn import truncated


def sequence(steps, size, seed):
    rng = random.Random(seed)
    return [[rng.uniform(-1.0, 1.0) for _ in range(size)] for _ in range(steps)]


def swap_parameters(rnn, values):
    """Put ``values`` in the RNN's parameter slots, in named_parameters order."""
    it = iter(values)
    for rows in (rnn.weight_ih, rnn.weight_hh):
        for row in rows:
            row[:] = [next(it) for _ in row]
    for vector in (rnn.bias_ih, rnn.bias_hh):
        if vector is not None:
            vector[:] = [next(it) for _ in vector]


def squared_outputs(rnn, xs, h0=None):
    outputs, _ = rnn(xs, h0)
    return sum(h * h * (t + 1) for t, hs in enumerate(outputs) for h in hs)


def test_layout_is_torch_s():
    rnn = RNN(3, 4, rng=random.Random(0))
    assert len(rnn.weight_ih) == 4 and all(len(r) == 3 for r in rnn.weight_ih)
    assert len(rnn.weight_hh) == 4 and all(len(r) == 4 for r in rnn.weight_hh)
    assert len(rnn.bias_ih) == len(rnn.bias_hh) == 4
    names = [name for name, _ in rnn.named_parameters()]
    assert names[0] == "weight_ih.0.0" and names[12] == "weight_hh.0.0"
    assert names[-1] == "bias_hh.3" and rnn.num_parameters() == 12 + 16 + 8
    bound = 1 / math.sqrt(4)  # PyTorch's uniform(-1/sqrt(hidden), 1/sqrt(hidden))
    assert all(abs(p.data) <= bound for p in rnn.parameters())
    assert repr(rnn).startswith("RNN(3 -> 4, tanh")
    assert RNN(3, 4, bias=False).num_parameters() == 12 + 16


def test_each_step_is_the_elman_cell():
    rnn = RNN(2, 3, nonlinearity="relu", rng=random.Random(1))
    xs = sequence(4, 2, 2)
    outputs, h_last = rnn(xs)
    assert len(outputs) == 4 and h_last == outputs[-1]
    h = [0.0] * 3
    for x, out in zip(xs, outputs):
        h = [max(0.0, sum(w.data * v for w, v in zip(rnn.weight_ih[j], x)) + rnn.bias_ih[j].data
                 + sum(w.data * v for w, v in zip(rnn.weight_hh[j], h)) + rnn.bias_hh[j].data)
             for j in range(3)]
        assert [o.data for o in out] == pytest.approx(h, rel=1e-14, abs=1e-15)
        assert all(o.op is ops.NEURON for o in out)  # one node per unit per step


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_gradients_match_central_differences(nonlinearity, bias):
    rnn = RNN(2, 3, nonlinearity=nonlinearity, bias=bias, rng=random.Random(3))
    xs = sequence(5, 2, 4)
    params = [p.data for p in rnn.parameters()]

    def loss(*values):
        swap_parameters(rnn, values)
        return squared_outputs(rnn, xs)

    assert gradcheck(loss, params, atol=1e-6, rtol=1e-5)
    # and through the inputs and the initial state
    h0 = [0.3, -0.2, 0.5]
    assert gradcheck(lambda *v: squared_outputs(rnn, [v[0:2], v[2:4]], v[4:7]),
                     [*xs[0], *xs[1], *h0], atol=1e-6, rtol=1e-5)


def test_truncated_bptt_gives_the_gradients_of_the_truncated_graph():
    xs, k = sequence(7, 2, 5), 3
    targets = [math.sin(t) for t in range(7)]

    def chunk_loss(outputs, start):
        return sum((hs[0] - targets[start + t]) ** 2 for t, hs in enumerate(outputs))

    rnn = RNN(2, 3, rng=random.Random(6))
    total, h_last = truncated(rnn, xs, k, chunk_loss)
    got = [p.grad for p in rnn.parameters()]
    # the same by hand: chunks of 3, 3 and 1 steps, each started from the detached state
    ref = RNN(2, 3, rng=random.Random(6))
    h, want_total = None, 0.0
    for start in (0, 3, 6):
        outputs, last = ref(xs[start : start + k], h)
        loss = chunk_loss(outputs, start)
        cells = [v for v in toposort([loss]) if v.op is ops.NEURON]
        assert len(cells) <= 3 * len(outputs)  # no step of an earlier chunk in the graph
        loss.backward()
        want_total += loss.data
        h = [v.data for v in last]  # numbers: no graph reaches back past the chunk
    assert got == [p.grad for p in ref.parameters()]
    assert total == want_total and [v.data for v in h_last] == h
    assert all(v.op is ops.LEAF for v in h_last)
    full = RNN(2, 3, rng=random.Random(6))
    outputs, _ = full(xs)
    sum(chunk_loss(outputs[s : s + k], s) for s in (0, 3, 6)).backward()
    assert got != [p.grad for p in full.parameters()]  # truncation does cut gradients


def test_the_graph_grows_with_the_sequence():
    rnn = RNN(1, 2, rng=random.Random(0))
    sizes = [len(toposort(rnn(sequence(t, 1, 0))[1])) for t in (1, 2, 4, 8)]
    # each step adds one node per unit and its input: 3 nodes, so the graph is linear in T
    assert [b - a for a, b in itertools.pairwise(sizes)] == [3, 6, 12]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown nonlinearity 'sigmoid'"):
        RNN(2, 3, nonlinearity="sigmoid")
    rnn = RNN(2, 3)
    with pytest.raises(ValueError, match="input 1 must have 2 entries, got 3"):
        rnn([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="h0 must have 3 entries"):
        rnn([[1.0, 2.0]], [0.0])
    with pytest.raises(ValueError, match="non-empty list"):
        rnn([])
    with pytest.raises(ValueError, match="hidden_size"):
        RNN(2, 0)


def test_matches_torch_rnn_with_copied_weights():
    torch = pytest.importorskip("torch")
    for nonlinearity in ("tanh", "relu"):
        rnn = RNN(3, 4, nonlinearity=nonlinearity, rng=random.Random(7))
        theirs = torch.nn.RNN(3, 4, nonlinearity=nonlinearity).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                ours = getattr(rnn, name)
                rows = ours if isinstance(ours[0], list) else [ours]
                tensor = torch.tensor([[v.data for v in r] for r in rows], dtype=torch.float64)
                getattr(theirs, name + "_l0").copy_(tensor.reshape(
                    getattr(theirs, name + "_l0").shape))
        xs = sequence(6, 3, 8)
        h0 = [0.1, -0.2, 0.3, 0.05]
        outputs, _ = rnn(xs, h0)
        loss = sum(h * h * (t + 1) for t, hs in enumerate(outputs) for h in hs)
        loss.backward()
        x = torch.tensor(xs, dtype=torch.float64)
        out, _ = theirs(x, torch.tensor([h0], dtype=torch.float64))
        weights = torch.arange(1, 7, dtype=torch.float64).reshape(6, 1)
        (out * out * weights).sum().backward()
        for hs, want in zip(outputs, out.tolist()):
            assert [o.data for o in hs] == pytest.approx(want, rel=1e-12, abs=1e-12)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            ours = getattr(rnn, name)
            rows = ours if isinstance(ours[0], list) else [ours]
            want = getattr(theirs, name + "_l0").grad.reshape(len(rows), -1).tolist()
            got = [[v.grad for v in r] for r in rows]
            assert all(g == pytest.approx(w, rel=1e-10, abs=1e-12) for g, w in zip(got, want))


def test_state_dict_save_and_load_round_trip(tmp_path):
    rnn = RNN(2, 3, rng=random.Random(9))
    rnn.save(tmp_path / "rnn.json")
    other = RNN(2, 3, rng=random.Random(10))
    other.load(tmp_path / "rnn.json")
    assert [p.data for p in other.parameters()] == [p.data for p in rnn.parameters()]
    xs = sequence(3, 2, 1)
    assert [v.data for v in other(xs)[1]] == [v.data for v in rnn(xs)[1]]
