"""A tiny GPT on scalar Values learns to make up first names, in the manner of microgpt.

A character-level transformer: token and position embeddings, rmsnorm, one block of causal
multi-head self-attention (with a key/value cache: each position attends to itself and the
ones before) and a ReLU MLP, each with a residual connection, then a linear head to one
logit per character. It is trained one name per step: the name's characters between two
boundary tokens, the loss the mean cross-entropy of predicting each next character, with
Adam and a learning rate falling linearly to zero. Then it samples new names, a character
at a time, from softmax(logits / temperature). Every part is nn's: Embedding, Linear
without bias, nn.functional's rmsnorm, softmax and attention, nn.losses.cross_entropy.

The names are the 5,163 distinct first names of the 1990 US census (public data), from the
PyPI package `names` (0.3.0), which ships them as files: nothing is downloaded at run time,
and the list is public and of a known origin. Files written to --out:
  gpt_loss.png      the loss by step and its moving average
  gpt_samples.txt   names sampled after training (an empty one is drawn again)
  gpt_model.json    the trained parameters (nn.Module.save)

  python -m demos.gpt                   1,000 steps: about 20 s
  python -m demos.gpt --steps 200 --temperature 0.8
  python -m demos.gpt --compiled        each name's loss by autograd.jit: compiled once per
                                        name length, then run as NumPy code (the fast extra)
"""

from __future__ import annotations

import itertools
import random
from importlib import resources
from pathlib import Path

import nn
from autograd import Value, no_grad
from autograd.compiler import jit
from demos.common import (
    at_least,
    output_folder,
    parser,
    progress,
    pyplot,
    real_above,
    report,
    save,
    stopwatch,
)
from nn.functional import attention, rmsnorm, softmax
from nn.losses import cross_entropy
from nn.lr_scheduler import LambdaLR
from nn.optim import Adam


def census_names() -> list[str]:
    """The 1990 US census first names (female and male lists), lowercase, each once."""
    try:
        files = resources.files("names")
    except ModuleNotFoundError:
        raise SystemExit("demos.gpt trains on the census first names of the PyPI package "
                         "'names': pip install 'chainrule[demos]' (bash dev.sh demo "
                         "installs it)") from None
    found: set[str] = set()
    for name in ("dist.female.first", "dist.male.first"):
        text = files.joinpath(name).read_text(encoding="ascii")
        found.update(line.split()[0].lower() for line in text.splitlines() if line.strip())
    return sorted(found)


class GPT(nn.Module):
    """One transformer block over characters, as microgpt builds it."""

    def __init__(self, vocab: int, n_embd: int = 16, n_head: int = 4, block: int = 16,
                 rng: random.Random | None = None) -> None:
        rng = rng or random.Random(0)
        self.n_head, self.block = n_head, block
        self.wte = nn.Embedding(vocab, n_embd, rng=rng)  # a vector per character
        self.wpe = nn.Embedding(block, n_embd, rng=rng)  # a vector per position
        self.attn_wq, self.attn_wk, self.attn_wv, self.attn_wo = (
            nn.Linear(n_embd, n_embd, bias=False, rng=rng) for _ in range(4))
        self.mlp_fc1 = nn.Linear(n_embd, 4 * n_embd, bias=False, rng=rng)
        self.mlp_fc2 = nn.Linear(4 * n_embd, n_embd, bias=False, rng=rng)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False, rng=rng)

    def __call__(self, token: int | list[Value], pos: int, keys: list[list[Value]],
                 values: list[list[Value]]) -> list[Value]:
        """The logits of the character after ``token`` (an index, or a one-hot row) at
        position ``pos``; the position's key and value join the caches."""
        x = rmsnorm([t + p for t, p in zip(self.wte(token), self.wpe(pos))])
        # attention: what to take from the positions so far
        h = rmsnorm(x)
        keys.append(self.attn_wk(h))
        values.append(self.attn_wv(h))
        mixed = attention(self.attn_wq(h), keys, values, self.n_head)
        x = [a + b for a, b in zip(self.attn_wo(mixed), x)]  # residual connection
        # the MLP: what to make of it, position by position
        h = [v.relu() for v in self.mlp_fc1(rmsnorm(x))]
        x = [a + b for a, b in zip(self.mlp_fc2(h), x)]  # residual connection
        return self.lm_head(x)


def tokens(name: str, chars: str) -> list[int]:
    """The boundary token, the name's characters, the boundary token again."""
    boundary = len(chars)
    return [boundary, *(chars.index(c) for c in name), boundary]


def name_loss(model: GPT, ids: list[int]) -> Value:
    """Mean cross-entropy of predicting each next token of one name."""
    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    n = min(model.block, len(ids) - 1)
    logits = [model(ids[pos], pos, keys, values) for pos in range(n)]
    return cross_entropy(logits, ids[1 : n + 1])


def one_hots(ids: list[int], size: int) -> list[list[float]]:
    """Each token as a row of 0.0s with 1.0 at its index."""
    return [[1.0 if j == i else 0.0 for j in range(size)] for i in ids]


def one_hot_loss(model: GPT, inputs: list[list[Value]], targets: list[list[Value]]) -> Value:
    """name_loss with the tokens and the targets as one-hot rows: the same numbers, and a
    graph whose shape depends on the name's length alone (what autograd.jit needs)."""
    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    logits = [model(row, pos, keys, values) for pos, row in enumerate(inputs)]
    return cross_entropy(logits, targets)  # type: ignore[arg-type]


def sample(model: GPT, chars: str, rng: random.Random, temperature: float) -> str:
    """A new name, a character at a time from softmax(logits / temperature)."""
    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    token, out = len(chars), []
    with no_grad():
        for pos in range(model.block):
            probs = softmax(model(token, pos, keys, values), temperature)
            token = rng.choices(range(len(probs)), weights=[p.data for p in probs])[0]
            if token == len(chars):
                break
            out.append(chars[token])
    return "".join(out)


def train(model: GPT, docs: list[str], chars: str, steps: int, lr: float,
          show: bool, compiled: bool = False) -> list[float]:
    """One name per step, Adam with the learning rate falling linearly to 0; ``compiled``:
    each name's loss and gradients by autograd.jit, compiled once per name length."""
    optimizer = Adam(model.parameters(), lr=lr, betas=(0.85, 0.99), eps=1e-8)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - k / steps)
    step_loss = jit(lambda inputs, targets: one_hot_loss(model, inputs, targets))
    losses = []
    bar = progress(steps, show, "gpt")
    for step in range(steps):
        optimizer.zero_grad()
        ids = tokens(docs[step % len(docs)], chars)
        if compiled:  # adds the gradients into the parameters, as backward() does
            n = min(model.block, len(ids) - 1)
            loss = step_loss(one_hots(ids[:n], len(chars) + 1), one_hots(ids[1:n + 1],
                                                                           len(chars) + 1))
        else:
            value = name_loss(model, ids)
            value.backward()
            loss = value.data
        optimizer.step()
        schedule.step()
        losses.append(loss)
        bar.set_description(f"loss {loss:.3f}")
        bar.update()
    bar.close()
    return losses


def plot(losses: list[float], path: Path) -> Path:
    """The loss by step, and its moving average over 50 steps."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(7, 4))
    ax.plot(range(1, len(losses) + 1), losses, color="#cccccc", linewidth=0.8, label="per name")
    window = 50
    smooth = [sum(losses[max(0, i - window + 1) : i + 1]) / min(window, i + 1)
              for i in range(len(losses))]
    ax.plot(range(1, len(losses) + 1), smooth, color="#c8553d", label=f"mean of {window}")
    ax.set(xlabel="step (one name each)", ylabel="cross-entropy per character",
           title="a tiny GPT learning first names")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.gpt", __doc__)
    p.add_argument("--steps", type=at_least(1), default=1000, help="names to train on "
                   "(default 1000)")
    p.add_argument("--lr", type=real_above(0.0), default=0.01, help="Adam's rate (default 0.01)")
    p.add_argument("--temperature", type=real_above(0.0), default=0.5,
                   help="sampling temperature: lower is safer, higher more inventive (0.5)")
    p.add_argument("--samples", type=at_least(1), default=20, help="names to sample (20)")
    p.add_argument("--compiled", action="store_true",
                   help="each name's loss by autograd.jit (NumPy code, compiled per length)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    rng = random.Random(args.seed)
    docs = census_names()
    rng.shuffle(docs)
    chars = "".join(sorted(set("".join(docs))))
    model = GPT(len(chars) + 1, rng=rng)
    print(f"{len(docs)} names, {len(chars)} characters; {model.num_parameters()} parameters")
    with stopwatch(f"trained on {args.steps} names"):
        losses = train(model, docs, chars, args.steps, args.lr, args.progress, args.compiled)
    drawn = (sample(model, chars, rng, args.temperature) for _ in range(100 * args.samples))
    made = list(itertools.islice(filter(None, drawn), args.samples))  # no empty names
    print(f"loss {sum(losses[:50]) / len(losses[:50]):.3f} (first 50) -> "
          f"{sum(losses[-50:]) / len(losses[-50:]):.3f} (last 50)")
    print("sampled: " + ", ".join(made))
    samples = folder / "gpt_samples.txt"
    samples.write_text("\n".join(made) + "\n", encoding="utf-8")
    model.save(folder / "gpt_model.json")
    report([plot(losses, folder / "gpt_loss.png"), samples, folder / "gpt_model.json"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
