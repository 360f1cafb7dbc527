"""What the demos share: their command line, the output folder, matplotlib and timing."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autograd import Value, checks


def parser(module: str, doc: str, training: bool = True,
           out: str = "out") -> argparse.ArgumentParser:
    """The demo's command line: --out, and for training demos --seed and --no-progress."""
    title, _, rest = doc.partition("\n")
    p = argparse.ArgumentParser(prog=f"python -m {module}", description=title,
                                epilog=rest.strip() or None,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path(out), metavar="DIR",
                   help=f"folder the files are written to, created if needed (default {out}/)")
    if training:
        p.add_argument("--seed", type=int, default=1337,
                       help="seed of the data and of the initial weights (default 1337)")
        p.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress bar")
    return p


def _argument_type(read: Callable[[str], Any], kind: str,
                   check: Callable[[Any], Any]) -> Callable[[str], Any]:
    """An argparse type: the text read as ``kind`` by ``read``, then checked by ``check``."""
    def parse(text: str) -> Any:
        try:
            value = read(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        try:
            return check(value)
        except ValueError as e:  # argparse shows this message after the option's name
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= low."""
    return _argument_type(int, "an integer", lambda x: checks.integer("the value", x, low))


def real_above(low: float, inclusive: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number > low (>= low when inclusive)."""
    return _argument_type(float, "a number", lambda x: checks.at_least(
        "the value", x, low, strict=not inclusive, finite=True))


def output_folder(path: Path) -> Path:
    """Create the output folder (and its parents); a clear error if it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise SystemExit(f"--out {path}: exists and is not a folder") from None
    except OSError as e:
        raise SystemExit(f"--out {path}: cannot create the folder ({e.strerror})") from None
    return path


def pyplot() -> Any:
    """matplotlib.pyplot drawing to files (the Agg backend); a clear error if missing."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("this demo draws with matplotlib: pip install 'chainrule[demos]' "
                         "(bash dev.sh demo installs it)") from None
    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    return plt


def save(figure: Any, path: Path) -> Path:
    """Write a matplotlib figure (no timestamp inside, so reruns give the same bytes)."""
    stamp = {"Date": None} if path.suffix == ".svg" else {}
    figure.savefig(path, dpi=100, metadata={"Software": None} | stamp)
    pyplot().close(figure)
    return path


def progress(total: int, wanted: bool, desc: str) -> Any:
    """A tqdm bar on stderr, or a stand-in that shows nothing."""
    if wanted:
        try:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]

            return tqdm(total=total, desc=desc, unit="epoch", file=sys.stderr)
        except ImportError:
            pass
    return _NoBar()


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Nothing to show."""

    def set_description(self, desc: str) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to close."""


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Print how long the block took."""
    start = time.perf_counter()
    yield
    print(f"{label} in {time.perf_counter() - start:.1f} s")


@contextmanager
def diverged_exits() -> Iterator[None]:
    """Turn a diverging training run (a NaN or infinite loss) into a one-line exit."""
    try:
        yield
    except FloatingPointError as e:
        raise SystemExit(f"training diverged: {e}") from None


def predict(model: Callable[[list[float]], Any], x: list[float]) -> Value:
    """The single output of a one-output model for input x (as a Value)."""
    out = model(x)
    if not isinstance(out, Value):
        raise TypeError(f"expected a model with one output, got {type(out).__name__}")
    return out


def report(paths: list[Path]) -> None:
    """Tell the user which files were written."""
    print("wrote " + ", ".join(os.fspath(p) for p in paths))
