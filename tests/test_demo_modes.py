"""demos.modes: forward mode costs a sweep per input, reverse mode a pass per output."""

import random

from autograd import Value, jacrev
from demos.modes import curve, loss, measure, mlp_hessian, network_loss, nodes
from nn import MLP, make_moons

PNG = b"\x89PNG\r\n\x1a\n"


def test_rule_evaluations_are_sweeps_times_nodes():
    f_cost, g_cost = measure([1, 4, 16], False)
    size = nodes([loss(*map(Value, [0.1] * 16))])
    assert f_cost["forward evals"][-1] == 16 * size and f_cost["reverse evals"][-1] == size
    size = nodes(curve(Value(0.3), 16))
    assert g_cost["forward evals"][-1] == size and g_cost["reverse evals"][-1] == 16 * size
    assert all(t > 0.0 for cost in (f_cost, g_cost) for t in cost["forward"] + cost["reverse"])


def test_the_hand_written_network_is_nn_s_mlp():
    """network_loss computes what nn.MLP(2, [3, 1]) does, weight for weight, so the Hessian
    drawn is that of the model's loss."""
    model = MLP(2, [3, 1], activation="tanh", rng=random.Random(3))
    X, labels = make_moons(8, noise=0.1, rng=random.Random(3))
    from nn.losses import mse_loss

    params = model.parameters()
    expected = mse_loss([model(x) for x in X], labels)
    (row,) = jacrev(network_loss(X, labels))(*[p.data for p in params])
    expected.backward()
    assert row == [p.grad for p in params]
    h = mlp_hessian(3)
    assert len(h) == 13 and all(abs(h[i][j] - h[j][i]) < 1e-12 for i in range(13)
                                for j in range(13))


def test_main_prints_the_costs_and_draws_them(tmp_path, capsys):
    from demos.modes import main

    assert main(["--out", str(tmp_path), "--largest", "8", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "at 8: reverse mode is" in printed and "13 x 13" in printed
    assert (tmp_path / "modes.png").read_bytes()[:8] == PNG
