"""Command-line paths -> the text of each manifest file, or a problem saying why it cannot be read."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from boundary_policy.model import LoadNote, LoadProblem

__all__ = ["MANIFEST_SUFFIXES", "STDIN", "VCS_DIRECTORIES", "Skip", "Source", "Unreadable", "decode", "iter_sources"]

VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn"})
"""Never walked. Other hidden files and directories are, as `kubectl apply -R -f` walks them."""
STDIN = "<stdin>"
Skip = Callable[[str, Path, bool], "bool | LoadNote"]
"""(display path, path, is a directory) -> False to read it, True to pass over it (an --exclude), or a note saying
why it is passed over (a Helm chart); asked for every path named or found that would be read or walked."""
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".tf")
"""Files read from a directory: Kubernetes manifests, and Terraform (Coder templates)."""
NOT_MANIFEST_SUFFIXES = (".tfvars.json",)
"""Terraform variable values, not objects: passed over in a directory, like `terraform.tfvars`."""


@dataclass(frozen=True)
class Source:
    """One file's text, decoded; `file` is its display path."""

    file: str
    text: str
    hidden: bool = False
    """Found under a hidden name (.hidden.yaml, .ci/x.yaml): read as kubectl reads it, but only for the
    Kubernetes objects it may hold; tool configuration (.pre-commit-config.yaml) is not a manifest."""


@dataclass(frozen=True)
class Unreadable:
    """A file that was found but could not be read or decoded (counted as a file, unlike a missing path)."""

    problem: LoadProblem


def iter_sources(
    paths: Sequence[str],
    *,
    stdin: BinaryIO | None,
    max_bytes: int,
    cwd: Path,
    exclude: Collection[str] = (),
    skip: Skip | None = None,
) -> Iterator[Source | Unreadable | LoadProblem | LoadNote]:
    """Each file named or found under a named directory, in order: its text or a problem.

    Directories are walked in sorted order as kubectl walks them (hidden entries too, but not .git; only names
    ending in .yaml, .yml or .json, case-sensitively); symbolic links
    inside them are followed only when they stay inside the directory, so a checked-out repository cannot
    make the run read elsewhere. A file reached twice (named twice, or via a link) is read once. A file in
    `exclude` (e.g. this run's own --output-file) is not read from a directory.
    """
    seen: set[tuple[int, int]] = set()
    for excluded in exclude:
        try:
            info = (cwd / excluded).stat()
        except OSError:
            continue
        seen.add((info.st_dev, info.st_ino))  # as if read already
    stdin_read = False
    for given in paths:
        if given == "-":
            if not stdin_read:
                stdin_read = True
                stream = stdin if stdin is not None else (sys.stdin.buffer if sys.stdin is not None else None)
                if stream is None:
                    yield LoadProblem(STDIN, None, "standard input is closed")
                else:
                    yield _read_stream(stream, STDIN, max_bytes)
            continue
        path = Path(given) if Path(given).is_absolute() else cwd / given
        display = _display(path, given, cwd)
        try:
            info = path.stat()
        except OSError as error:
            yield LoadProblem(display, None, _os_message(error, path))
            continue
        decision = skip(display, path, stat.S_ISDIR(info.st_mode)) if skip is not None else False
        if decision is not False:
            if isinstance(decision, LoadNote):
                yield decision
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_root(path, display, max_bytes, seen, skip)
        elif _first_visit(info, seen):
            yield _read_file(path, display, max_bytes)


def _display(path: Path, given: str, cwd: Path) -> str:
    """Relative to the working directory with '/', or as given when outside it."""
    normal = Path(os.path.normpath(path))
    try:
        relative = normal.relative_to(cwd)
    except ValueError:
        return given.replace(os.sep, "/")
    return relative.as_posix()


def _first_visit(info: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    if not stat.S_ISREG(info.st_mode):
        return True  # pipes such as <(helm template ...) have no stable identity
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk_root(
    root: Path, display: str, max_bytes: int, seen: set[tuple[int, int]], skip: Skip | None = None
) -> Iterator[Source | Unreadable | LoadProblem | LoadNote]:
    found = False
    again: list[str] = []  # manifests read already through another path given (a file and its directory)
    for item in _walk(root, root.resolve(), display.rstrip("/"), {root.resolve()}, max_bytes, seen, skip, again):
        found = True
        if isinstance(item, Source) and _hidden_below(item.file, display.rstrip("/")):
            item = replace(item, hidden=True)
        yield item
    if not found and not again:
        message = f"no manifests found under {display} (no .yaml, .yml, .json or .tf files)"
        yield LoadProblem(display, None, message)


def _hidden_below(file: str, root: str) -> bool:
    """Whether a name under `root` on the way to `file` starts with a dot."""
    below = file if root == "." else file[len(root) + 1 :]
    return any(part.startswith(".") for part in below.split("/"))


def _walk(
    directory: Path,
    real_root: Path,
    display: str,
    active: set[Path],
    max_bytes: int,
    seen: set[tuple[int, int]],
    skip: Skip | None = None,
    again: list[str] | None = None,
) -> Iterator[Source | Unreadable | LoadProblem | LoadNote]:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        yield LoadProblem(display, None, _os_message(error, directory))
        return
    for entry in entries:
        if entry.name in VCS_DIRECTORIES:
            continue
        path, shown = Path(entry.path), entry.name if display == "." else f"{display}/{entry.name}"
        # as kubectl: `.YAML` is not read
        is_manifest = entry.name.endswith(MANIFEST_SUFFIXES) and not entry.name.endswith(NOT_MANIFEST_SUFFIXES)
        try:
            is_dir = entry.is_dir()  # follows links
            if entry.is_symlink():
                target = Path(os.path.realpath(path, strict=True))
                if not target.is_relative_to(real_root):
                    if is_dir or is_manifest:
                        yield LoadProblem(shown, None, f"symbolic link to {target} leaves {display}; not followed")
                    continue
                if is_dir and target in active:
                    continue  # a link back to a directory being walked: its files are read already
            info = entry.stat() if is_manifest else None
        except OSError as error:
            if is_manifest or entry.is_symlink():
                yield LoadProblem(shown, None, _os_message(error, path))
            continue
        decision = skip(shown, path, is_dir) if skip is not None and (is_dir or info is not None) else False
        if decision is not False:
            if isinstance(decision, LoadNote):
                yield decision
            continue
        if is_dir:
            real = path.resolve()
            yield from _walk(path, real_root, shown, active | {real}, max_bytes, seen, skip, again)
        elif info is not None:
            if not stat.S_ISREG(info.st_mode):
                yield LoadProblem(shown, None, "not a regular file; skipped")
            elif _first_visit(info, seen):
                yield _read_file(path, shown, max_bytes)
            elif again is not None:
                again.append(shown)


def _read_file(path: Path, display: str, max_bytes: int) -> Source | Unreadable:
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                return Unreadable(LoadProblem(display, None, _too_large(max_bytes, size)))
            return _read_stream(stream, display, max_bytes)
    except OSError as error:
        return Unreadable(LoadProblem(display, None, _os_message(error, path)))


def _read_stream(stream: BinaryIO, display: str, max_bytes: int) -> Source | Unreadable:
    try:
        data = stream.read(max_bytes + 1)
    except OSError as error:
        return Unreadable(LoadProblem(display, None, f"cannot read: {error.strerror or error}"))
    if len(data) > max_bytes:
        return Unreadable(LoadProblem(display, None, _too_large(max_bytes, None)))
    text = decode(data, terraform=display.lower().endswith(".tf"))
    if isinstance(text, tuple):
        line, message = text
        return Unreadable(LoadProblem(display, line, message))
    return Source(display, text)


def decode(data: bytes, *, terraform: bool = False) -> str | tuple[int, str]:
    """UTF-8 text (a BOM is dropped), or (line, message) for binary and non-UTF-8 data."""
    files, syntax = ("Terraform files", "HCL") if terraform else ("Kubernetes manifests", "YAML or JSON")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 1, f"file is UTF-16; {files} must be UTF-8"
    nul = data.find(b"\x00")
    if nul >= 0:
        return _line_at(data, nul), f"binary file (NUL byte at offset {nul}), not {syntax}"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start
        byte = data[offset]
        return _line_at(data, offset), f"not valid UTF-8: byte 0x{byte:02x} at offset {offset}"


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _too_large(max_bytes: int, size: int | None) -> str:
    actual = f" ({size} bytes)" if size is not None else ""
    return (
        f"file is larger than the limit of {_size(max_bytes)}{actual}; "
        "raise it with --max-file-size (e.g. --max-file-size 64MiB)"
    )


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def _os_message(error: OSError, path: Path) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    if isinstance(error, FileNotFoundError):
        return "broken symbolic link" if path.is_symlink() else "no such file or directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"
