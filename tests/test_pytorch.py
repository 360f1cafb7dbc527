"""nn.pytorch: models moved to torch.nn and back give the same outputs and gradients."""

import random

import pytest

import nn
from nn.losses import mse_loss

torch = pytest.importorskip("torch", reason="moving models to PyTorch needs PyTorch (the torch "
                                            "extra)")


def close(a, b, rel=1e-12):
    return a == pytest.approx(b, rel=rel, abs=1e-12)


def grads_of(params):
    return [p.grad for p in params]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus", "leaky_relu"])
def test_an_mlp_moves_to_torch_with_the_same_outputs_and_gradients(activation):
    model = nn.MLP(3, [5, 4, 2], activation=activation, rng=random.Random(1))
    theirs = to = nn.to_torch(model)
    assert isinstance(to, torch.nn.Sequential)
    assert [type(m).__name__ for m in to][:2] == ["Linear", type(to[1]).__name__]
    xs = [[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]]
    targets = [[0.5, -0.5], [1.0, 0.0]]
    ours = [model(x) for x in xs]
    loss = mse_loss([v for row in ours for v in row], [t for row in targets for t in row])
    loss.backward()
    out = theirs(torch.tensor(xs, dtype=torch.float64))
    their_loss = ((out - torch.tensor(targets, dtype=torch.float64)) ** 2).mean()
    their_loss.backward()
    assert close([v.data for row in ours for v in row], out.flatten().tolist())
    assert close(loss.data, their_loss.item())
    # gradients, layer by layer: each Linear's weight rows are the neurons' w, bias their b
    linears = [m for m in theirs if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        assert close([w.grad for n in layer.neurons for w in n.w],
                     linear.weight.grad.flatten().tolist())
        assert close([n.b.grad for n in layer.neurons], linear.bias.grad.tolist())


def test_and_back_from_torch_a_sequential_becomes_an_mlp():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3),
                                 torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    ours = nn.from_torch(theirs)
    assert isinstance(ours, nn.MLP) and ours.sizes == [2, 6, 3, 1]
    state = random.getstate()
    again = nn.to_torch(ours)
    assert random.getstate() == state  # no draw from the user's generator
    x = [0.7, -0.2]
    expected = theirs(torch.tensor(x, dtype=torch.float64)).item()
    assert close(ours(x).data, expected)
    assert close(again(torch.tensor(x, dtype=torch.float64)).item(), expected)


def test_linear_embedding_and_rnn_move_both_ways():
    linear = nn.Linear(3, 2, rng=random.Random(0))
    t = nn.to_torch(linear)
    x = [0.1, -0.5, 2.0]
    assert close([v.data for v in linear(x)], t(torch.tensor(x, dtype=torch.float64)).tolist())
    back = nn.from_torch(t)
    assert close([v.data for v in back(x)], [v.data for v in linear(x)])
    table = nn.Embedding(5, 3, rng=random.Random(0))
    t = nn.to_torch(table)
    assert close([v.data for v in table(4)], t(torch.tensor(4)).tolist())
    assert close([v.data for v in nn.from_torch(t)(2)], [v.data for v in table(2)])
    for nonlinearity in ("tanh", "relu"):
        rnn = nn.RNN(2, 3, nonlinearity=nonlinearity, rng=random.Random(0))
        t = nn.to_torch(rnn)
        xs = [[0.5, -1.0], [0.2, 0.3], [-0.7, 0.9]]
        outputs, _ = rnn(xs)
        out, _ = t(torch.tensor(xs, dtype=torch.float64))
        assert close([v.data for row in outputs for v in row], out.flatten().tolist())
        back = nn.from_torch(t)
        outputs2, _ = back(xs)
        assert close([v.data for row in outputs2 for v in row],
                     [v.data for row in outputs for v in row])
        s = sum(v for row in outputs for v in row)
        s.backward()
        out.sum().backward()
        assert close([w.grad for row in rnn.weight_hh for w in row],
                     t.weight_hh_l0.grad.flatten().tolist())


def test_what_has_no_counterpart_is_refused_by_name():
    with pytest.raises(ValueError, match="Conv1d has no chainrule counterpart"):
        nn.from_torch(torch.nn.Conv1d(1, 1, 3))
    with pytest.raises(ValueError, match=r"layer 1 of the Sequential, torch.nn.Dropout"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()))
    with pytest.raises(ValueError, match="does not follow a Linear"):
        nn.from_torch(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="one-layer, one-way"):
        nn.from_torch(torch.nn.RNN(2, 3, num_layers=2))
    with pytest.raises(ValueError, match="slope"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.LeakyReLU(0.2)))

    class Custom(nn.Module):
        def __call__(self, x):
            return x

    with pytest.raises(ValueError, match=r"Custom has no torch\.nn counterpart"):
        nn.to_torch(Custom())
    mixed = nn.Layer(2, 2, "relu", rng=random.Random(0))
    mixed.neurons[1] = nn.Neuron(2, "tanh", rng=random.Random(0))
    with pytest.raises(ValueError, match="different activations"):
        nn.to_torch(mixed)
