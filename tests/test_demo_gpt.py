"""demos.gpt: the census names, the transformer's forward against a direct float
computation, training, sampling and the files written."""

import json
import math
import random

import pytest

from demos.gpt import GPT, census_names, main, name_loss, sample, tokens, train

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_census_names_are_lowercase_words_each_once():
    pytest.importorskip("names")  # the PyPI package that ships them (the demos extra)
    names = census_names()
    assert len(names) == len(set(names)) == 5163
    assert "mary" in names and "james" in names
    assert all(n.isalpha() and n.islower() for n in names)


def floats_forward(model, ids):
    """The model's logits at every position, computed with plain floats."""
    def rms(x):
        s = (sum(v * v for v in x) / len(x) + 1e-5) ** -0.5
        return [v * s for v in x]

    def lin(layer, x):
        return [sum(w.data * v for w, v in zip(row, x)) for row in layer.weight]

    keys, values, out = [], [], []
    d = len(model.wte.weight[0]) // model.n_head
    for pos, token in enumerate(ids):
        x = rms([t.data + p.data for t, p in zip(model.wte.weight[token], model.wpe.weight[pos])])
        h = rms(x)
        keys.append(lin(model.attn_wk, h))
        values.append(lin(model.attn_wv, h))
        q, mixed = lin(model.attn_wq, h), []
        for s in range(0, len(q), d):
            scores = [sum(q[s + j] * k[s + j] for j in range(d)) / math.sqrt(d) for k in keys]
            e = [math.exp(c - max(scores)) for c in scores]
            mixed += [sum(w / sum(e) * v[s + j] for w, v in zip(e, values)) for j in range(d)]
        x = [a + b for a, b in zip(lin(model.attn_wo, mixed), x)]
        h = [max(v, 0.0) for v in lin(model.mlp_fc1, rms(x))]
        x = [a + b for a, b in zip(lin(model.mlp_fc2, h), x)]
        out.append(lin(model.lm_head, x))
    return out


def test_the_forward_pass_is_the_transformer_written_with_floats():
    model = GPT(6, n_embd=8, n_head=2, block=5, rng=random.Random(0))
    ids = [5, 0, 3, 2]
    keys, values = [], []
    got = [[v.data for v in model(t, pos, keys, values)] for pos, t in enumerate(ids)]
    assert len(keys) == len(values) == 4  # the cache grew by one position per call
    for row, want in zip(got, floats_forward(model, ids)):
        assert row == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_training_lowers_the_loss_and_sampling_makes_names():
    chars = "abc"
    docs = ["ab", "abc", "ca", "bca"] * 3
    model = GPT(4, n_embd=8, n_head=2, block=6, rng=random.Random(1))
    before = sum(name_loss(model, tokens(d, chars)).data for d in docs[:4])
    losses = train(model, docs, chars, 40, 0.05, False)
    after = sum(name_loss(model, tokens(d, chars)).data for d in docs[:4])
    assert len(losses) == 40 and after < before
    made = [sample(model, chars, random.Random(2), 0.5) for _ in range(5)]
    assert all(set(m) <= set(chars) and len(m) <= 6 for m in made)
    assert tokens("cab", chars) == [3, 2, 0, 1, 3]


def test_compiled_training_gives_the_eager_losses_and_weights():
    pytest.importorskip("numpy")
    chars = "abc"
    docs = ["ab", "abc", "ca", "bca", "b"] * 2
    runs = []
    for compiled in (False, True):
        model = GPT(4, n_embd=8, n_head=2, block=6, rng=random.Random(1))
        runs.append((train(model, docs, chars, 10, 0.05, False, compiled),
                     [p.data for p in model.parameters()]))
    (eager, w_eager), (fast, w_fast) = runs
    assert max(abs(a - b) for a, b in zip(eager, fast)) < 1e-12
    assert max(abs(a - b) for a, b in zip(w_eager, w_fast)) < 1e-12


def test_main_trains_samples_and_writes_its_files(tmp_path, capsys):
    pytest.importorskip("names")
    assert main(["--out", str(tmp_path), "--steps", "3", "--samples", "4",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "5163 names, 26 characters" in printed and "sampled: " in printed
    samples = (tmp_path / "gpt_samples.txt").read_text().splitlines()
    assert len(samples) == 4
    assert (tmp_path / "gpt_loss.png").read_bytes()[:8] == PNG
    saved = json.loads((tmp_path / "gpt_model.json").read_text())
    assert len(saved["parameters"]) == GPT(27, rng=random.Random(0)).num_parameters()
