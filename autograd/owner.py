"""Which package owns the import name ``autograd``: chainrule's, or HIPS autograd's.

PyPI's ``autograd`` (HIPS autograd) installs a package of the same name. Installed into the
same environment as chainrule, one overwrites files of the other, and imports then fail
far from the cause, or worse, half-work. Importing this module checks and says so:
chainrule's ``autograd/__init__.py``, ``autograd/engine.py`` and ``nn/__init__.py`` import
it first.
"""

from __future__ import annotations

import functools
import sys
from importlib import metadata

MARK = "chainrule's autograd"  # how chainrule's autograd/__init__.py docstring begins
ADVICE = ("both install a package named 'autograd', so one has overwritten files of the "
          "other. Keep them in separate virtual environments, or run "
          "'pip uninstall -y autograd chainrule' and then 'pip install chainrule'")


def check() -> None:
    """Raise ImportError naming the problem if HIPS autograd shares this environment."""
    package = sys.modules.get("autograd")
    if package is not None and not (getattr(package, "__doc__", None) or "").startswith(MARK):
        where = getattr(package, "__file__", None) or "an unknown place"
        raise ImportError(f"the 'autograd' package imported from {where} is not chainrule's "
                          f"(it is probably HIPS autograd, PyPI's 'autograd'): {ADVICE}")
    hips = _hips_version()
    if hips is not None:
        raise ImportError(f"PyPI's 'autograd' (HIPS autograd {hips}) is installed in the same "
                          f"environment as chainrule: {ADVICE}")


@functools.cache
def _hips_version() -> str | None:
    try:  # chainrule's own distribution is named 'chainrule'
        return metadata.distribution("autograd").version
    except metadata.PackageNotFoundError:
        return None


check()  # on import: chainrule's modules import this module before anything else
