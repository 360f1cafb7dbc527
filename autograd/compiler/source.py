"""Writing Python source: names for values that Python reads as their labels, and
parentheses where an expression needs them."""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

from autograd.kernels import FLOAT_KERNELS

# needs no parentheses: a name, a number, a call without nested calls, or (a comparison)
ATOM = re.compile(r"[\w.]+|\(-?[\w.]+\)|\w+\([^()]*\)|\w+\[[^\[\]]*\]"
                   r"|\(\w+(\[[^\[\]]*\])? [<>=]+ [\w.]+\)")
# names the generated code uses itself; labels never take them (nor start with _ or g_)
RESERVED = set(FLOAT_KERNELS) | {"inputs", "params", "backprop", "enumerate", "zip", "len"}


def name_for(label: str | None, default: str, taken: set[str]) -> str:
    """A name for a value in the code: its label where Python reads it as one, else
    ``default``; never one in ``taken`` (which it joins) nor one the code uses itself."""
    # Python reads identifiers in NFKC form ("ﬁ" is "fi", "𝑥" is "x"): names are compared so
    name = unicodedata.normalize("NFKC", label) if label else ""
    ok = (name.isidentifier() and not keyword.iskeyword(name) and name not in RESERVED
          and name not in FLOAT_KERNELS and not name.startswith(("g_", "gz", "_")))
    name = name if ok else default
    while name in taken or name in RESERVED or name in FLOAT_KERNELS:
        name += "_"
    taken.add(name)
    return name


def wrap(expr: str) -> str:
    """expr, in parentheses unless it is one name, number, call or index."""
    return expr if ATOM.fullmatch(expr) else f"({expr})"


def tuple_of(items: Iterable[str]) -> str:
    """A tuple of expressions as source: (), (a,) or (a, b)."""
    items = list(items)
    if not items:
        return "()"
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
