"""microgpt's workload: a one-layer GPT on scalar Values, with microgpt's Value and with ours.

Run: python -m benchmarks.microgpt [--steps 100]

The training step below is written the way microgpt.py writes it (lists of Values, linear
as sums of products, rmsnorm, causal attention with a key/value cache, ReLU MLP, Adam with
linear decay, one name per step); only the Value class differs between the contenders.
Each contender runs in a fresh interpreter of its own, as a user would run it (the garbage
collector's passes cost more with everything else alive in one process), one after the other
in alternating rounds, so a busy machine slows them alike; the figures are medians over all
steps of all rounds. Names come from a seeded generator: the benchmark needs no download.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import autograd
from benchmarks import microgpt_value
from benchmarks.rounds import in_fresh_processes, without_gc

TARGET = 3.0  # chainrule at least 3x faster per step than microgpt's own Value
JIT_TARGET = 20.0  # and at least 20x with autograd.jit
SYLLABLES = ("a", "an", "ar", "bel", "ca", "da", "el", "em", "ia", "is", "ja", "ka", "la",
             "le", "li", "ma", "mi", "na", "ne", "o", "ra", "ri", "sa", "so", "ta", "th", "y")


def names(count: int, seed: int = 42) -> list[str]:
    """Name-like words of 2 to 4 syllables (microgpt trains on a list of names)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            for _ in range(count)]


def model(Value: Any, vocab_size: int, rng: random.Random, n_embd: int = 16) -> Any:
    """microgpt's model: its parameters, its gpt() and softmax(), as microgpt.py writes them,
    and doc_loss() for autograd.jit (see training)."""
    n_layer, block_size, n_head = 1, 16, 4
    head_dim = n_embd // n_head

    def matrix(nout: int, nin: int, std: float = 0.08) -> list[list[Any]]:
        return [[Value(rng.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]

    state_dict = {"wte": matrix(vocab_size, n_embd), "wpe": matrix(block_size, n_embd),
                  "lm_head": matrix(vocab_size, n_embd)}
    for i in range(n_layer):
        for name in ("wq", "wk", "wv", "wo"):
            state_dict[f"layer{i}.attn_{name}"] = matrix(n_embd, n_embd)
        state_dict[f"layer{i}.mlp_fc1"] = matrix(4 * n_embd, n_embd)
        state_dict[f"layer{i}.mlp_fc2"] = matrix(n_embd, 4 * n_embd)
    params = [p for mat in state_dict.values() for row in mat for p in row]

    def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits: list[Any]) -> list[Any]:
        max_val = max(val.data for val in logits)
        exps = [(val - max_val).exp() for val in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x: list[Any]) -> list[Any]:
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id: int, pos_id: int, keys: list[list[Any]],
            values: list[list[Any]]) -> list[Any]:
        return transformer(state_dict["wte"][token_id], pos_id, keys, values)

    def transformer(tok_emb: list[Any], pos_id: int, keys: list[list[Any]],
                    values: list[list[Any]]) -> list[Any]:
        pos_emb = state_dict["wpe"][pos_id]
        x = [t + p for t, p in zip(tok_emb, pos_emb)]
        x = rmsnorm(x)
        for li in range(n_layer):
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, state_dict[f"layer{li}.attn_wq"])
            k = linear(x, state_dict[f"layer{li}.attn_wk"])
            v = linear(x, state_dict[f"layer{li}.attn_wv"])
            keys[li].append(k)
            values[li].append(v)
            x_attn: list[Any] = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs:hs + head_dim]
                k_h = [ki[hs:hs + head_dim] for ki in keys[li]]
                v_h = [vi[hs:hs + head_dim] for vi in values[li]]
                attn_logits = [sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5
                               for t in range(len(k_h))]
                attn_weights = softmax(attn_logits)
                head_out = [sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h)))
                            for j in range(head_dim)]
                x_attn.extend(head_out)
            x = linear(x_attn, state_dict[f"layer{li}.attn_wo"])
            x = [a + b for a, b in zip(x, x_residual)]
            x_residual = x
            x = rmsnorm(x)
            x = linear(x, state_dict[f"layer{li}.mlp_fc1"])
            x = [xi.relu() for xi in x]
            x = linear(x, state_dict[f"layer{li}.mlp_fc2"])
            x = [a + b for a, b in zip(x, x_residual)]
        return linear(x, state_dict["lm_head"])

    wte_columns = [list(column) for column in zip(*state_dict["wte"])]

    def doc_loss(token_rows: list[list[Any]], target_rows: list[list[Any]]) -> Any:
        n = len(token_rows)
        keys: list[list[Any]] = [[] for _ in range(n_layer)]
        values: list[list[Any]] = [[] for _ in range(n_layer)]
        losses = []
        for pos_id in range(n):
            logits = transformer(linear(token_rows[pos_id], wte_columns), pos_id, keys, values)
            probs = softmax(logits)
            losses.append(-sum(t * p for t, p in zip(target_rows[pos_id], probs)).log())
        return (1 / n) * sum(losses)

    return SimpleNamespace(params=params, gpt=gpt, softmax=softmax, doc_loss=doc_loss,
                           n_layer=n_layer, block_size=block_size)


def training(Value: Any, docs: list[str], seed: int = 42,
             jitted: bool = False) -> Iterator[tuple[float, float, bool]]:
    """microgpt's training loop with the given Value class: yields (seconds, loss, whether
    the step compiled a new document length) per step.

    ``jitted``: each document's loss and gradients come from autograd.jit, compiled once per
    document length. The two table lookups become one-hot products then (the embedding
    row, ``linear(one_hot, wte columns)``, and the target's probability,
    ``sum(one_hot * probs)``), so that the graph depends on the length alone: the same
    numbers, as 1.0 * w plus exact zeros is w.
    """
    rng = random.Random(seed)
    uchars = sorted(set("".join(docs)))
    BOS = len(uchars)
    vocab_size = len(uchars) + 1
    gpt_model = model(Value, vocab_size, rng)
    params, gpt, softmax = gpt_model.params, gpt_model.gpt, gpt_model.softmax
    n_layer, block_size = gpt_model.n_layer, gpt_model.block_size
    step_loss = autograd.jit(gpt_model.doc_loss)

    def one_hot(i: int) -> list[float]:
        return [1.0 if j == i else 0.0 for j in range(vocab_size)]

    learning_rate, beta1, beta2, eps_adam = 0.01, 0.85, 0.99, 1e-8
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    num_steps = 1000
    step = 0
    while True:
        start = time.perf_counter()
        traced = len(step_loss.cache)
        doc = docs[step % len(docs)]
        tokens = [BOS] + [uchars.index(ch) for ch in doc] + [BOS]
        n = min(block_size, len(tokens) - 1)
        if jitted:
            loss_data = step_loss([one_hot(t) for t in tokens[:n]],
                                  [one_hot(t) for t in tokens[1:n + 1]])
        else:
            keys: list[list[Any]] = [[] for _ in range(n_layer)]
            values: list[list[Any]] = [[] for _ in range(n_layer)]
            losses = []
            for pos_id in range(n):
                token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
                logits = gpt(token_id, pos_id, keys, values)
                probs = softmax(logits)
                loss_t = -probs[target_id].log()
                losses.append(loss_t)
            loss = (1 / n) * sum(losses)
            loss.backward()
            loss_data = loss.data
        lr_t = learning_rate * (1 - step / num_steps)
        for i, p in enumerate(params):
            m[i] = beta1 * m[i] + (1 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2
            m_hat = m[i] / (1 - beta1 ** (step + 1))
            v_hat = v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat ** 0.5 + eps_adam)
            p.grad = 0
        elapsed = time.perf_counter() - start
        step += 1
        yield elapsed, loss_data, len(step_loss.cache) > traced


CONTENDERS = {"microgpt": (microgpt_value.Value, False), "chainrule": (autograd.Value, False),
              "microgpt, gc off": (microgpt_value.Value, True),
              "chainrule, gc off": (autograd.Value, True),
              "chainrule, jit": (autograd.Value, False)}


def run(name: str, steps: int, seed: int = 42) -> dict[str, list[float]]:
    """One contender's step times and losses over its first ``steps`` steps."""
    Value, gc_off = CONTENDERS[name]
    run = training(Value, names(1000, seed), seed, jitted=name.endswith("jit"))
    if gc_off:
        run = without_gc(run)
    times, losses, compiled = zip(*(next(run) for _ in range(steps)))
    return {"times": list(times), "losses": list(losses), "compiled": list(compiled)}


def compare(steps: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Every contender in a fresh interpreter of its own, round after round
    (benchmarks/rounds.py); step times of all rounds, losses of the last."""
    runs = in_fresh_processes("benchmarks.microgpt", CONTENDERS, steps, rounds)
    return {name: {"times": [t for r in rs for t in r["times"]], "losses": rs[-1]["losses"],
                   "compiled": [c for r in rs for c in r["compiled"]]}
            for name, rs in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--worker", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run(args.worker, args.steps)))
        return 0
    runs = compare(args.steps, args.rounds)
    median = {name: 1e3 * statistics.median(r["times"]) for name, r in runs.items()}
    print(f"microgpt's workload (1 layer, n_embd 16, 4 heads, block 16): {args.rounds} rounds "
          f"of {args.steps} steps, each contender in a fresh process; median ms per step")
    for name, ms in median.items():
        print(f"  {name:<18} {ms:8.1f} ms   {median['microgpt'] / ms:5.2f}x microgpt")
    diff = max(abs(a - b) for a, b in zip(runs["microgpt"]["losses"],
                                          runs["chainrule"]["losses"]))
    gc_off = median["microgpt, gc off"] / median["chainrule, gc off"]
    speedup = median["microgpt"] / median["chainrule"]
    print(f"  speedup {speedup:.2f}x with the collector on, {gc_off:.2f}x with it off "
          f"(target >= {TARGET:.0f}x); losses: first {runs['chainrule']['losses'][0]:.6f}, "
          f"last {runs['chainrule']['losses'][-1]:.6f}, largest difference {diff:.1e} "
          "(target <= 1e-9)")
    jitted = runs["chainrule, jit"]
    jit_diff = max(abs(a - b) for a, b in zip(runs["microgpt"]["losses"], jitted["losses"]))
    jit_speedup = median["microgpt"] / median["chainrule, jit"]
    compiling = [t for t, c in zip(jitted["times"], jitted["compiled"]) if c]
    print(f"  jit: {jit_speedup:.2f}x per step (median; target >= {JIT_TARGET:.0f}x); "
          f"{len(compiling)} of the {len(jitted['times'])} steps traced and compiled a new "
          f"document length, {1e3 * statistics.median(compiling):.0f} ms each (median), so the "
          f"mean step is {1e3 * statistics.mean(jitted['times']):.1f} ms; losses differ from "
          f"microgpt's by {jit_diff:.1e} at most")
    met = (speedup >= TARGET and diff <= 1e-9 and math.isfinite(diff)
           and jit_speedup >= JIT_TARGET and jit_diff <= 1e-9)
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
