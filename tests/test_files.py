"""Writing files whole or not at all: symlinks, permissions, refused targets, failures."""

import errno
import os
import stat

import pytest

from autograd.files import TEMPORARY_PREFIX, check_writable, regular_file_mode, write_atomically


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # so that 0o600 and 0o664 both differ from a new file's 0o644
    yield
    os.umask(old)


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "data.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(os.path.join("real", "data.txt"))  # relative, as links often are
    assert check_writable(link) == os.path.realpath(target)
    write_atomically([(link, "new")])
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "data.txt")
    assert target.read_text() == "new"
    assert names(tmp_path) == ["link.txt", "real"] and names(tmp_path / "real") == ["data.txt"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to("data.txt")
    write_atomically([(link, b"new")])
    assert link.is_symlink() and (tmp_path / "data.txt").read_bytes() == b"new"


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize("mode", [0o600, 0o664, 0o400])
def test_an_existing_file_keeps_its_permission_bits(tmp_path, mode):
    path = tmp_path / "data.txt"
    path.write_text("old")
    path.chmod(mode)
    write_atomically([(path, "new")])
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_new_file_gets_0666_less_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically([(tmp_path / "data.txt", b"new")])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "data.txt").stat().st_mode) == 0o640


@pytest.mark.usefixtures("no_blocking")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for path in (fifo, link):
        with pytest.raises(ValueError, match="is not a regular file"):
            regular_file_mode(path)
        with pytest.raises(ValueError, match="is not a regular file"):
            write_atomically([(tmp_path / "other.txt", b"a"), (path, b"b")])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()
    assert names(tmp_path) == ["link", "pipe"]  # other.txt neither: targets are checked first


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "link").symlink_to(folder)
    for path in (folder, tmp_path / "link"):
        with pytest.raises(IsADirectoryError) as info:
            write_atomically([(path, b"data")])
        assert info.value.filename == str(folder)
    assert list(folder.iterdir()) == [] and names(tmp_path) == ["folder", "link"]


def test_a_missing_directory_is_refused_by_name(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match="no directory to save into") as info:
        check_writable(missing / "data.txt")
    assert info.value.filename == str(missing)
    assert regular_file_mode(missing / "data.txt") is None  # nothing there: not an error
    with pytest.raises(NotADirectoryError):  # a file where a directory should be
        (tmp_path / "file").write_text("")
        write_atomically([(tmp_path / "file" / "data.txt", b"data")])
    assert names(tmp_path) == ["file"]


def test_two_paths_to_one_file_are_refused(tmp_path):
    (tmp_path / "link.txt").symlink_to("data.txt")
    with pytest.raises(ValueError, match="are one file"):
        write_atomically([(tmp_path / "data.txt", b"a"), (tmp_path / "link.txt", b"b")])
    assert names(tmp_path) == ["link.txt"]


@pytest.mark.parametrize("existing", [True, False])
def test_a_failure_while_writing_the_second_file_changes_neither(tmp_path, monkeypatch,
                                                                 existing):
    first, second = tmp_path / "a.svg", tmp_path / "a.png"
    if existing:
        first.write_bytes(b"old a")
        second.write_bytes(b"old b")
    write, failed = os.write, []

    def disk_full(fd, data):
        if bytes(data[:5]) != b"new b":
            return write(fd, data)
        write(fd, data[:1000])  # half of the second file is on disk, then there is no room
        failed.append(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomically([(first, b"new a" * 400), (second, b"new b" * 400)])
    assert failed  # the failure came where it was meant to
    assert names(tmp_path) == (["a.png", "a.svg"] if existing else [])
    if existing:
        assert first.read_bytes() == b"old a" and second.read_bytes() == b"old b"


def test_every_file_is_on_disk_before_any_is_renamed(tmp_path, monkeypatch):
    calls = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), fsync(fd))[1])
    monkeypatch.setattr(os, "replace",
                        lambda src, dst: (calls.append("replace"), replace(src, dst))[1])
    write_atomically([(tmp_path / "a.svg", b"a"), (tmp_path / "a.png", "b é")])
    assert calls == ["fsync", "fsync", "replace", "replace"]
    assert (tmp_path / "a.png").read_bytes() == "b é".encode()  # a str is written as UTF-8
    assert names(tmp_path) == ["a.png", "a.svg"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    (tmp_path / "a.svg").write_bytes(b"old")

    def refuse(src, dst):
        assert os.path.basename(src).startswith(TEMPORARY_PREFIX)
        raise PermissionError(errno.EACCES, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomically([(tmp_path / "a.svg", b"new a"), (tmp_path / "a.png", b"new b")])
    assert names(tmp_path) == ["a.svg"] and (tmp_path / "a.svg").read_bytes() == b"old"


def test_a_short_write_is_continued(tmp_path, monkeypatch):
    write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: write(fd, data[:7]))  # as a pipe may
    write_atomically([(tmp_path / "a.svg", b"0123456789" * 10)])
    assert (tmp_path / "a.svg").read_bytes() == b"0123456789" * 10
