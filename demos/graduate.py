"""Graduating to PyTorch: train in chainrule, export the model, go on in PyTorch, then on two
processes with DistributedDataParallel.

The moons MLP 2-16-16-1 trains for a while in chainrule (fit, hinge loss, SGD). nn.to_torch
turns it into the torch.nn.Sequential a PyTorch user would write, with the same weights,
and training goes on in PyTorch, full batch, with the same loss and learning rate: its
first loss is that of the model chainrule left, to the last digits. Then the same
continuation runs on two processes (torch.distributed, the gloo backend, 127.0.0.1), each
with half of the points: DistributedDataParallel averages the two halves' gradients, which
is the gradient of the whole batch, so the loss curve is the one-process curve (rounding
aside): how training grows past one machine. Needs PyTorch (pip install -e '.[torch]').
Files written to --out:
  graduate.png   the loss curve: chainrule, then PyTorch on one process and on two

  python -m demos.graduate              a few seconds (starting two processes included)
"""

from __future__ import annotations

import copy
import os
import random
import socket
import sys
from pathlib import Path
from typing import Any

import nn
from demos.common import (
    at_least,
    output_folder,
    parser,
    predict,
    pyplot,
    report,
    save,
    stopwatch,
)
from nn.losses import hinge_loss
from nn.optim import SGD
from nn.train import fit

LR = 0.1


def data(seed: int, n: int = 100) -> tuple[list[list[float]], list[int]]:
    """n moons points and their labels -1/+1."""
    X, labels = nn.make_moons(n, noise=0.1, rng=random.Random(seed))
    return X, [2 * t - 1 for t in labels]


def in_chainrule(X: list[list[float]], y: list[int], epochs: int, seed: int,
                 show: bool) -> tuple[nn.MLP, list[float]]:
    """The MLP trained with fit: the model and its loss per epoch."""
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))
    history = fit(model, hinge_loss, SGD(model.parameters(), lr=LR), (X, y), epochs=epochs,
                  progress=show)
    return model, history.epoch_loss


def torch_loss(torch: Any, module: Any, x: Any, t: Any) -> Any:
    """hinge_loss on tensors: the mean of relu(1 - t * score)."""
    return torch.relu(1.0 - t * module(x)[:, 0]).mean()


def in_torch(module: Any, X: list[list[float]], y: list[int], epochs: int) -> list[float]:
    """Full-batch SGD in PyTorch: the loss before each step (as fit reports it)."""
    import torch  # type: ignore[import-not-found, unused-ignore]

    x = torch.tensor(X, dtype=torch.float64)
    t = torch.tensor(y, dtype=torch.float64)
    optimizer = torch.optim.SGD(module.parameters(), lr=LR)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = torch_loss(torch, module, x, t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _worker(rank: int, world: int, port: int, shared: Any, X: list[list[float]],
            y: list[int], epochs: int, results: Any) -> None:
    """One process of the distributed run: half the points, gradients averaged by DDP."""
    import torch  # type: ignore[import-not-found, unused-ignore]
    import torch.distributed as dist  # type: ignore[import-not-found, unused-ignore]

    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        # the module came through shared memory, as torch.multiprocessing sends tensors: a
        # copy of its own, or both processes would step the same weights
        module = copy.deepcopy(shared)
        ddp = torch.nn.parallel.DistributedDataParallel(module)
        mine = slice(rank * len(X) // world, (rank + 1) * len(X) // world)
        x = torch.tensor(X[mine], dtype=torch.float64)
        t = torch.tensor(y[mine], dtype=torch.float64)
        optimizer = torch.optim.SGD(ddp.parameters(), lr=LR)
        losses = []
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = torch_loss(torch, ddp, x, t)
            loss.backward()  # DDP averages the gradients of the two halves here
            optimizer.step()
            total = loss.detach().clone()
            dist.all_reduce(total)  # the whole batch's loss: the mean of the halves' means
            losses.append(total.item() / world)
        results.put((rank, losses))
        # both processes done before either tears down: gloo aborts a process whose peer
        # left first, and DDP's hooks go before the group they use
        dist.barrier()
        del ddp, optimizer
    finally:
        dist.destroy_process_group()
    # the work is done and its losses sent: leave now. Python's own exit would run the
    # finalizers, where a thread gloo leaves behind aborts the process ("terminate called
    # without an active exception", exit code -6) in about 1 run in 10 on this machine
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def free_port() -> int:
    """A TCP port nothing listens on now, for the processes to meet at."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def distributed(module: Any, X: list[list[float]], y: list[int], epochs: int,
                world: int = 2) -> list[float]:
    """The continuation on ``world`` processes: the whole batch's loss per step."""
    import torch.multiprocessing as mp  # type: ignore[import-not-found, unused-ignore]

    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    port = free_port()
    processes = [context.Process(target=_worker,
                                 args=(rank, world, port, module, X, y, epochs, results))
                 for rank in range(world)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    if any(p.exitcode != 0 for p in processes):
        raise SystemExit("the distributed run failed: "
                         f"exit codes {[p.exitcode for p in processes]}")
    found = dict(results.get() for _ in range(world))
    return found[0]  # type: ignore[no-any-return]


def plot(chainrule: list[float], one: list[float], two: list[float], path: Path) -> Path:
    """The loss curve across the three stages."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(8, 4))
    start = len(chainrule)
    ax.plot(range(1, start + 1), chainrule, color="#2a6fbb", label="chainrule (fit)")
    later = range(start + 1, start + len(one) + 1)
    ax.plot(later, one, color="#c8553d", label="PyTorch, one process")
    ax.plot(later, two, "--", color="#222222", label="PyTorch, two processes (DDP, gloo)")
    ax.axvline(start + 0.5, color="#999999", lw=0.8)
    ax.set(xlabel="step (full batch)", ylabel="hinge loss", title="training moves to PyTorch")
    ax.legend()
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.graduate", __doc__)
    p.add_argument("--epochs", type=at_least(1), default=50,
                   help="steps in chainrule and in each PyTorch run (default 50)")
    args = p.parse_args(argv)
    try:
        import torch  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise SystemExit("this demo needs PyTorch: pip install -e '.[torch]'") from None
    torch.set_num_threads(1)
    folder = output_folder(args.out)
    X, y = data(args.seed)
    with stopwatch(f"chainrule: {args.epochs} steps"):
        model, chainrule = in_chainrule(X, y, args.epochs, args.seed, args.progress)
    module = nn.to_torch(model)
    # the exported model's loss: fit's last figure is the loss one step before it
    left = hinge_loss([predict(model, x) for x in X], y).data
    with stopwatch(f"PyTorch, one process: {args.epochs} steps"):
        one = in_torch(nn.to_torch(model), X, y, args.epochs)
    with stopwatch(f"PyTorch, two processes: {args.epochs} steps"):
        two = distributed(module, X, y, args.epochs)
    gap = max(abs(a - b) for a, b in zip(one, two))
    print(f"chainrule left the model at loss {left!r}; PyTorch starts from {one[0]!r}")
    print(f"PyTorch goes on to {one[-1]:.6f}; on two processes to {two[-1]:.6f} (largest "
          f"difference from one process {gap:.1e})")
    report([plot(chainrule, one, two, folder / "graduate.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
