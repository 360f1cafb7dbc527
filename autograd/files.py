"""Writing files whole or not at all: the one way ``Module.save`` and ``render`` write.

Each file is written to a hidden temporary file beside its target, flushed to disk, and only
then renamed over the target, so a crash or an error leaves the old content in place. A
symlink is written through (the link stays and points at the new content), an existing
file keeps its permission bits, a new one gets open()'s 0666 less the umask, and only
regular files are written: a fifo would block, a device would swallow the data.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable

# temporary files are hidden, and named so that one left by a crash is recognisable
TEMPORARY_PREFIX = ".chainrule-"


def regular_file_mode(path: str | os.PathLike[str]) -> int | None:
    """The permission bits of the regular file at ``path``, None if nothing is there; else raise.

    A directory raises IsADirectoryError; a fifo, device or socket raises ValueError. Only
    stat() looks at the file, so a fifo is refused without waiting for a writer.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a regular file",
                                os.fspath(path))
    if not stat.S_ISREG(mode):
        raise ValueError(f"{os.fspath(path)!r} is not a regular file (a fifo, device or "
                         f"socket); only regular files are written and read")
    return stat.S_IMODE(mode)


def _target(path: str | os.PathLike[str]) -> tuple[str, int | None]:
    """The real path written for ``path`` and its permission bits (None: a new file)."""
    real = os.path.realpath(path)  # replace a link's target, not the link itself
    mode = regular_file_mode(real)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):  # else the error would name a random temporary file
        raise FileNotFoundError(errno.ENOENT, "no directory to save into", directory)
    return real, mode


def check_writable(path: str | os.PathLike[str]) -> str:
    """The real path that ``write_atomically`` writes for ``path``; raise as it would."""
    return _target(path)[0]


def write_atomically(files: Iterable[tuple[str | os.PathLike[str], bytes | str]]) -> None:
    """Write every (path, data) pair or none: all are on disk before the first is renamed.

    A str is written as UTF-8. Besides ``check_writable``'s errors, two paths naming one
    file raise ValueError. On any error no temporary file is left, and no target is changed
    unless a rename itself failed (the renames come last, after everything slow).
    """
    checked: dict[str, tuple[str, int | None, bytes]] = {}  # real path: given, mode, data
    for path, data in files:  # every target checked before any file is created
        real, mode = _target(path)
        if real in checked:  # else the second would silently replace the first
            raise ValueError(f"{checked[real][0]!r} and {os.fspath(path)!r} are one file, "
                             f"{real!r}")
        checked[real] = os.fspath(path), mode, data.encode() if isinstance(data, str) else data
    pending: list[tuple[str, str]] = []  # (temporary, target), until renamed
    try:
        for real, (_, mode, data) in checked.items():
            temporary = os.path.join(os.path.dirname(real),
                                     f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}.tmp")
            # the kernel applies the umask to 0666, as open() does for a new file; an existing
            # file's mode is set before any data is in, so the data is never more visible
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o666 if mode is None else 0o600)
            pending.append((temporary, real))
            try:
                if mode is not None:
                    os.fchmod(fd, mode)
                view = memoryview(data)
                while view:  # os.write may write less than it was given
                    view = view[os.write(fd, view):]
                os.fsync(fd)  # the data is on disk before the rename that publishes it
            finally:
                os.close(fd)
        while pending:
            os.replace(*pending[0])
            pending.pop(0)
    except BaseException:
        for temporary, _ in pending:
            with contextlib.suppress(OSError):  # never hide the error that got us here
                os.remove(temporary)
        raise
