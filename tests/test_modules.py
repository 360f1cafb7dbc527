"""nn modules: structure, micrograd compatibility, fused and unfused neurons, saving."""

import json
import math
import os
import random
import re
import stat

import pytest
from modes import FAST_SHAPES

from autograd import Value, ops
from nn import MLP, Layer, Neuron, Sequential
from nn.modules import ACTIVATIONS, INITS, Module


def test_mlp_has_micrograds_structure_and_parameter_order():
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    assert len(model.layers) == 3
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) == 337
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]  # per neuron: weights, then bias
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    assert all(-1.0 <= w.data <= 1.0 for n in model.layers[0].neurons for w in n.w)
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_named_parameters_use_stable_dotted_names():
    model = MLP(2, [4, 1], rng=random.Random(0))
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert "layers.0.neurons.3.w.1" in names
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_parameters_are_named_parameters_in_the_same_order():
    class Holder(Module):
        def __init__(self):
            self.mlp = MLP(2, [3, 1], rng=random.Random(1))
            self.scale = Value(2.0)
            self.nested = (Value(1.0), [Value(2.0), (Value(3.0),)])

    class OwnNames(Module):  # names its parameters itself: parameters() must follow it
        def __init__(self):
            self.kept, self.hidden = Value(4.0), Value(5.0)

        def named_parameters(self, prefix=""):
            yield prefix + "kept", self.kept

    model = Sequential(Holder(), OwnNames())
    named = [p for _, p in model.named_parameters()]
    assert model.parameters() == named and len(named) == 3 * 3 + 4 + 1 + 3 + 1
    assert named[-1].data == 4.0 and all(p.data != 5.0 for p in named)


def test_repr_is_a_tree_with_parameter_counts():
    text = repr(MLP(2, [16, 16, 1], rng=random.Random(0)))
    assert text.splitlines() == [
        "MLP(2 -> [16, 16, 1], 337 parameters)",
        "  (layers.0): Layer(2 -> 16, relu, 48 parameters)",
        "  (layers.1): Layer(16 -> 16, relu, 272 parameters)",
        "  (layers.2): Layer(16 -> 1, linear, 17 parameters)"]
    assert repr(Neuron(3, "tanh", rng=random.Random(0))) == "Neuron(3, tanh, 4 parameters)"


def test_same_seed_same_weights_and_global_random_like_micrograd():
    a = MLP(3, [4, 1], rng=random.Random(7))
    b = MLP(3, [4, 1], rng=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    random.seed(11)
    c = Neuron(3)
    random.seed(11)
    assert [w.data for w in c.w] == [random.uniform(-1, 1) for _ in range(3)]


def test_micrograd_constructor_flags():
    assert Neuron(2, nonlin=True, rng=random.Random(0)).activation == "relu"
    assert Neuron(2, nonlin=False, rng=random.Random(0)).activation == "linear"
    assert Layer(2, 3, nonlin=False, rng=random.Random(0)).neurons[0].activation == "linear"
    with pytest.raises(ValueError, match="not both"):
        Neuron(2, activation="tanh", nonlin=True)


@FAST_SHAPES
def test_fused_neuron_is_one_node_and_equals_the_unfused_chain():
    fused = Neuron(3, "tanh", rng=random.Random(1))
    plain = Neuron(3, "tanh", fused=False, rng=random.Random(1))
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    out = fused(x)
    assert out.op is ops.NEURON
    assert out.parents == (fused.b, *(p for pair in zip(fused.w, x) for p in pair))
    leaky = Neuron(3, "leaky_relu", rng=random.Random(1))(x)  # not fusable: dot, then leaky
    assert leaky.op is ops.LEAKY_RELU and leaky.parents[0].op is ops.DOT
    assert Neuron(3, "linear", rng=random.Random(1))(x).op is ops.DOT
    slow = plain(x)
    assert slow.parents[0].op is ops.DOT  # b + w_1 x_1 + ..., products fused as built
    assert out.data == slow.data  # same additions, same order, same rounding
    out.backward()
    slow.backward()
    assert [w.grad for w in fused.w] == pytest.approx([w.grad for w in plain.w], rel=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_by_name(name):
    n = Neuron(1, name, init="he", rng=random.Random(0))
    n.w[0].data, n.b.data = 1.0, 0.0
    x = -0.5
    expected = {"relu": 0.0, "tanh": -0.46211715726000974, "sigmoid": 0.3775406687981454,
                "leaky_relu": -0.005, "softplus": 0.47407698418010663, "linear": -0.5}[name]
    assert n([x]).data == pytest.approx(expected, rel=1e-12)


def test_unknown_names_are_errors():
    with pytest.raises(ValueError, match="unknown activation 'gelu'; choose one of tanh, sigmoid, "
                       "relu, leaky_relu, softplus, linear"):
        Neuron(2, "gelu")
    with pytest.raises(ValueError, match="unknown init"):
        Layer(2, 2, init="ones")


def test_initialisations_have_the_published_spread():
    rng = random.Random(0)
    for name, fan_in, fan_out, variance in [("xavier", 30, 10, 2 / 40),
                                            ("xavier_normal", 30, 10, 2 / 40),
                                            ("he", 30, 10, 2 / 30), ("he_normal", 30, 10, 2 / 30),
                                            ("uniform", 30, 10, 1 / 3),
                                            ("torch", 30, 10, 1 / 90)]:
        draws = [INITS[name](rng, fan_in, fan_out) for _ in range(20000)]
        mean = sum(draws) / len(draws)
        var = sum((d - mean) ** 2 for d in draws) / len(draws)
        assert var == pytest.approx(variance, rel=0.05), name
        assert abs(mean) < 0.02, name
    layer = Layer(30, 10, init="xavier", rng=random.Random(0))
    bound = (6 / 40) ** 0.5
    assert all(abs(w.data) <= bound for n in layer.neurons for w in n.w)
    assert all(n.b.data == 0.0 for n in layer.neurons)
    assert any(w.data != 0.0 for n in layer.neurons for w in n.w)


def test_zero_initialisation_never_breaks_the_symmetry():
    model = MLP(2, [4, 1], activation="tanh", init="zeros", rng=random.Random(0))
    hidden = model.layers[0].neurons
    for n in (*hidden, model.layers[1].neurons[0]):  # the output starts at 0 too
        n.b.data = 0.1  # biases move, yet every hidden neuron stays a copy of the first
    for x, target in [([0.5, -1.0], 1.0), ([2.0, 0.3], -1.0)] * 5:
        model.zero_grad()
        ((model(x) - target) ** 2).backward()
        grads = [[w.grad for w in n.w] for n in hidden]
        assert all(g == grads[0] for g in grads)
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert all([w.data for w in n.w] == [w.data for w in hidden[0].w] for n in hidden)
    assert hidden[0].w[0].data != 0.0  # they did learn, all the same thing


def test_forward_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0]), Value)
    out = Layer(2, 3, rng=random.Random(0))([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_sequential_chains_modules_and_names_them():
    model = Sequential(Layer(2, 3, "tanh", rng=random.Random(0)),
                       Layer(3, 1, "linear", rng=random.Random(1)))
    x = [0.5, -1.0]
    hidden = model.layers[0](x)
    assert model(x).data == model.layers[1](hidden).data
    assert model.num_parameters() == 9 + 4
    assert next(model.named_parameters())[0] == "layers.0.neurons.0.w.0"


def test_zero_grad_and_backward_through_the_network():
    model = MLP(2, [4, 1], rng=random.Random(3))
    loss = model([0.5, -0.25]) ** 2
    loss.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_bad_sizes_are_errors():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [1], rng=random.Random(0))([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="nin"):
        Neuron(0)
    with pytest.raises(ValueError, match="nout"):
        Layer(2, 0)
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, [])


# --- state and files ---

def test_state_dict_round_trip_is_exact():
    a = MLP(2, [3, 1], rng=random.Random(0))
    b = MLP(2, [3, 1], rng=random.Random(1))
    b.load_state_dict(a.state_dict())
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert list(a.state_dict()) == [name for name, _ in a.named_parameters()]


def test_mismatched_state_lists_differences_and_changes_nothing():
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    other = MLP(2, [4, 1], rng=random.Random(0)).state_dict()
    with pytest.raises(ValueError) as info:
        model.load_state_dict(other)
    message = str(info.value)
    assert "unexpected: layers.0.neurons.3.w.0" in message
    assert "missing: layers.1.neurons.0.w.3" not in message  # it has only 3 inputs there
    assert "unexpected: layers.1.neurons.0.w.3" in message
    assert model.state_dict() == before
    broken = dict(before)
    broken["layers.0.neurons.0.b"] = "zero"
    del broken["layers.1.neurons.0.b"]
    with pytest.raises(ValueError, match=r"missing: layers.1.neurons.0.b.*not a number"):
        model.load_state_dict(broken)
    assert model.state_dict() == before


def test_save_and_load_json(tmp_path):
    path = tmp_path / "model.json"
    a = MLP(2, [3, 1], rng=random.Random(0))
    a.save(path)
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.state_dict" and document["module"] == "MLP"
    b = MLP(2, [3, 1], rng=random.Random(5))
    b.load(path)
    assert b.state_dict() == a.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_saved_file_gets_the_permissions_of_any_new_file(tmp_path):
    old = os.umask(0o027)
    try:
        MLP(2, [1]).save(tmp_path / "model.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "model.json").stat().st_mode) == 0o640


def test_corrupt_or_foreign_files_are_clear_errors_and_change_nothing(tmp_path):
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    bad = tmp_path / "bad.json"
    for content, words in [("{not json", "not a chainrule model file"),
                           ('{"weights": [1, 2]}', "expected a JSON object with format"),
                           ("[1, 2, 3]", "expected a JSON object"),
                           (b"\xff\xfe\x00", "not a chainrule model file")]:
        if isinstance(content, bytes):
            bad.write_bytes(content)
        else:
            bad.write_text(content)
        with pytest.raises(ValueError, match=words):
            model.load(bad)
        assert model.state_dict() == before
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")


def _changed(model):
    """Every parameter of model plus one: a state that differs from the model everywhere."""
    return {name: x + 1.0 for name, x in model.state_dict().items()}


def _model_file(state, last):
    """A model file holding state, with the last value written as the JSON text ``last``."""
    *rest, (name, _) = state.items()
    body = "".join(f"{json.dumps(k)}: {v!r}, " for k, v in rest) + f"{json.dumps(name)}: {last}"
    return ('{"format": "chainrule.state_dict", "version": 1, "module": "MLP", '
            f'"parameters": {{{body}}}}}')


def _temporary_files(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".chainrule-")]


def test_a_value_too_large_for_a_float_changes_no_parameter(tmp_path):
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    state = _changed(model)
    last = list(state)[-1]
    state[last] = 10**400
    with pytest.raises(ValueError, match=f"too large for a float: {re.escape(last)}"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    path = tmp_path / "model.json"
    path.write_text(_model_file(_changed(model), "1" + "0" * 400))
    with pytest.raises(ValueError, match=f"too large for a float: {re.escape(last)}"):
        model.load(path)
    assert model.state_dict() == before


def test_load_state_dict_refuses_bools_and_names_every_bad_value():
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    state = _changed(model)
    state["layers.0.neurons.0.w.0"] = True
    state["layers.0.neurons.1.b"] = [1.0]
    state["layers.1.neurons.0.b"] = -(10**400)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "(3 problems)" in message
    assert "not a number: layers.0.neurons.0.w.0 = True" in message
    assert "not a number: layers.0.neurons.1.b = [1.0]" in message
    assert "too large for a float: layers.1.neurons.0.b" in message
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([("layers.0.neurons.0.b", 1.0)])


def test_load_state_dict_copies_nan_and_infinity_as_they_are():
    diverged = MLP(2, [3, 1], rng=random.Random(0))
    diverged.layers[0].neurons[0].b.data = math.nan
    diverged.layers[1].neurons[0].b.data = -math.inf
    model = MLP(2, [3, 1], rng=random.Random(1))
    model.load_state_dict(diverged.state_dict())  # in memory, a faithful copy, as in PyTorch
    assert math.isnan(model.layers[0].neurons[0].b.data)
    assert model.layers[1].neurons[0].b.data == -math.inf


@pytest.mark.parametrize("content, words", [
    ("[" * 100_000, "not a chainrule model file"),
    (b'{"format": "chainrule.state_dict", \xff}', "not a chainrule model file"),
    ("LAST=1e999", "'layers.1.neurons.0.b' is not a finite number"),
    ("LAST=NaN", "'layers.1.neurons.0.b' is not a finite number"),
    ("LAST=-Infinity", "'layers.1.neurons.0.b' is not a finite number"),
    ('LAST=1.0, "layers.1.neurons.0.b": 2.0', "duplicate key 'layers.1.neurons.0.b'"),
    ("LAST=1" + "0" * 5000, "not a chainrule model file"),
    ("LAST=true", "not a number: layers.1.neurons.0.b = True"),
    ("LAST=1.0 JUNK", "not a chainrule model file"),
    ("", "not a chainrule model file"),
], ids=["deep", "not-utf8", "1e999", "nan", "infinity", "duplicate", "5000-digits", "bool",
        "junk", "empty"])
def test_hostile_files_are_value_errors_and_change_nothing(tmp_path, content, words):
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    path = tmp_path / "model.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content.startswith("LAST="):
        last = content.removeprefix("LAST=").replace(" JUNK", "")
        text = _model_file(_changed(model), last)
        path.write_text(text + (" [1]" if content.endswith(" JUNK") else ""))
    else:
        path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(words)):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.usefixtures("no_blocking")
def test_load_refuses_a_directory_and_a_fifo_without_waiting(tmp_path):
    model = MLP(2, [1], rng=random.Random(0))
    before = model.state_dict()
    with pytest.raises(IsADirectoryError):
        model.load(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        model.load(fifo)
    assert model.state_dict() == before


def test_save_refuses_non_finite_parameters_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], rng=random.Random(0))
    model.save(path)
    old = path.read_bytes()
    model.layers[0].neurons[2].w[1].data = math.inf
    model.layers[1].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match=r"2 parameters are not finite: "
                                         r"layers\.0\.neurons\.2\.w\.1 = inf, "
                                         r"layers\.1\.neurons\.0\.b = nan"):
        model.save(path)
    assert path.read_bytes() == old
    assert _temporary_files(tmp_path) == []


def test_save_and_load_round_trip_extreme_finite_values_exactly(tmp_path):
    path = tmp_path / "model.json"
    a = MLP(2, [3, 1], rng=random.Random(0))
    for p, x in zip(a.parameters(), [5e-324, -0.0, 1.7976931348623157e308, -2.2250738585072014e-308,
                                     0.1, 1 / 3]):
        p.data = x
    a.save(path)
    json.loads(path.read_text(), parse_constant=lambda token: pytest.fail(token))  # strict JSON
    b = MLP(2, [3, 1], rng=random.Random(1))
    b.load(path)
    assert [repr(x) for x in b.state_dict().values()] == [repr(x) for x in a.state_dict().values()]


def test_save_writes_through_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    link = tmp_path / "link.json"
    MLP(2, [3, 1], rng=random.Random(0)).save(target)
    link.symlink_to(os.path.join("real", "model.json"))  # relative, as links often are
    model = MLP(2, [3, 1], rng=random.Random(1))
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.json")
    loaded = MLP(2, [3, 1], rng=random.Random(2))
    loaded.load(target)
    assert loaded.state_dict() == model.state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["model.json"]


def test_save_keeps_the_permissions_of_an_existing_file(tmp_path):
    path = tmp_path / "model.json"
    old = os.umask(0o022)
    try:
        MLP(2, [1]).save(path)
        os.chmod(path, 0o600)
        MLP(2, [1]).save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        os.chmod(path, 0o664)
        MLP(2, [1]).save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_save_refuses_what_is_not_a_regular_file_and_leaves_it_alone(tmp_path):
    model = MLP(2, [1], rng=random.Random(0))
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        model.save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    link = tmp_path / "link.json"
    link.symlink_to(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        model.save(link)
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        model.save(folder)
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link.json", "pipe.json"]


def test_save_into_a_missing_directory_is_a_clear_error(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match="no directory to save into") as info:
        MLP(2, [1]).save(missing / "model.json")
    assert info.value.filename == str(missing)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_or_replace_leaves_the_old_file_and_no_temporary_file(tmp_path,
                                                                             monkeypatch):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], rng=random.Random(0))
    model.save(path)
    old = path.read_bytes()

    write = os.write

    def disk_full(fd, data):
        write(fd, data[:10])  # part of the file is written, then the disk is full
        raise OSError(28, "No space left on device")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    other = MLP(2, [3, 1], rng=random.Random(1))
    for name, broken in [("write", disk_full), ("replace", refuse)]:
        with monkeypatch.context() as m:
            m.setattr(os, name, broken)
            with pytest.raises(OSError):
                other.save(path)
        assert path.read_bytes() == old
        assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear", "leaky_relu", "softplus"])
@pytest.mark.parametrize("width", [1, 16, 40])
def test_a_layer_makes_its_neurons_nodes_at_once_with_each_neuron_s_numbers(activation, width):
    rng = random.Random(width)
    layer = Layer(width, 5, activation, rng=random.Random(3))
    for n in layer.neurons:
        n.b.data = rng.uniform(-1, 1)
    xs = [Value(rng.gauss(0, 1)) for _ in range(width)]
    together = layer(xs)
    one_by_one = [n(xs) for n in layer.neurons]  # each Neuron on its own
    assert [v.data for v in together] == [v.data for v in one_by_one]
    def shape(v):  # the graph below v, down to the Values they share
        return (v.op, v.param, v.data, tuple(shape(p) if p.parents else p for p in v.parents))

    assert list(map(shape, together)) == list(map(shape, one_by_one))
    root = sum(v * (i + 0.5) for i, v in enumerate(together))
    root.backward()
    grads = [p.grad for p in (*xs, *layer.parameters())]
    for p in (*xs, *layer.parameters()):
        p.grad = 0.0
    sum(v * (i + 0.5) for i, v in enumerate(one_by_one)).backward()
    assert grads == [p.grad for p in (*xs, *layer.parameters())]


def test_a_layer_sees_weights_replaced_and_neurons_that_differ():
    layer = Layer(2, 3, "tanh", rng=random.Random(0))
    xs = [Value(0.5), Value(-2.0)]
    layer(xs)
    layer.neurons[1].w[0] = Value(3.0)  # another Value in a weight list
    layer.neurons[2].b = Value(-1.0)
    out = layer(xs)
    assert out[1].data == math.tanh(0.0 + 3.0 * 0.5 + layer.neurons[1].w[1].data * -2.0)
    assert out[2].parents[0] is layer.neurons[2].b
    layer.neurons[0] = Neuron(2, "sigmoid", rng=random.Random(1))  # unlike the others
    out = layer(xs)
    assert [v.param for v in out] == [ops.SIGMOID, ops.TANH, ops.TANH]
    layer.neurons[1].w[1] = 0.25  # a number: a constant, as Neuron makes it
    assert layer(xs)[1].parents[3].op is ops.CONST
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 3"):
        layer([1.0, 2.0, 3.0])


def test_a_neuron_s_activation_and_fusing_are_fixed_once_made():
    n = Neuron(2, "tanh", rng=random.Random(0))
    with pytest.raises(AttributeError):
        n.activation = "relu"
    with pytest.raises(AttributeError):
        n.fused = False
    assert (n.activation, n.fused) == ("tanh", True)


def test_a_copied_or_pickled_model_gives_the_same_gradients_bit_for_bit():
    import copy
    import pickle

    from autograd.fast.nodes import NODE_TYPES

    model = MLP(3, [5, 5, 1], activation="tanh", rng=random.Random(4))
    kinds = len(NODE_TYPES)
    copies = [model, copy.deepcopy(model), pickle.loads(pickle.dumps(model))]
    found = []
    for m in copies:
        y = sum(m([0.5, -1.0, 0.25 * k]) for k in range(4))
        y.backward()
        found.append(([p.grad for p in m.parameters()], y.data,
                      m.layers[0]([0.5, -1.0, 0.0])[0].op))
    assert found[0] == found[1] == found[2] and found[0][2] is ops.NEURON
    assert len(NODE_TYPES) == kinds  # a copy's activation is the table's op, not a new one


def test_a_layer_calls_each_neuron_where_a_neuron_s_call_is_not_neuron_s_own(monkeypatch):
    calls = []

    class Counted(Neuron):
        def __call__(self, x):
            calls.append(1)
            return super().__call__(x)

    layer = Layer(2, 3, "tanh", rng=random.Random(0))
    layer.neurons = [Counted(2, "tanh", rng=random.Random(i)) for i in range(3)]
    layer([1.0, 2.0])
    assert len(calls) == 3
    plain = Layer(2, 2, "tanh", rng=random.Random(0))
    original = Neuron.__call__
    monkeypatch.setattr(Neuron, "__call__", lambda self, x: calls.append(2) or original(self, x))
    plain([1.0, 2.0])
    assert calls.count(2) == 2  # a hook set on Neuron itself is called too

    class Bare(Layer):  # its __init__ skips Layer's
        def __init__(self, neurons):
            self.neurons = neurons

    monkeypatch.undo()
    assert len(Bare(plain.neurons)([1.0, 2.0])) == 2


def test_a_layer_whose_weights_are_in_an_odd_list_still_sees_them_change():
    class Lenient(list):
        def __eq__(self, other):  # a list that calls any list of its length equal
            return len(self) == len(other)

        __hash__ = None

    layer = Layer(2, 1, "tanh", rng=random.Random(0))
    layer.neurons[0].w = Lenient(layer.neurons[0].w)
    layer([1.0, 1.0])
    layer.neurons[0].w[0] = Value(5.0)
    assert layer([1.0, 1.0]).data == math.tanh(5.0 + layer.neurons[0].w[1].data)


def test_a_neuron_with_the_wrong_number_of_weights_says_so_in_a_layer():
    layer = Layer(3, 2, "tanh", rng=random.Random(0))
    layer.neurons[1].w = layer.neurons[1].w[:2]
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 3"):
        layer([1.0, 2.0, 3.0])
