"""Which files are read, under which display name, and what a user sees when a path cannot be read."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from boundary_policy.loading import LoadLimits, LoadResult, load_paths
from tests.loading.helpers import as_tuple, load, problems, write

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n"


def pod(name: str) -> str:
    return POD.format(name=name)


def names(result: LoadResult) -> list[tuple[str, str]]:
    return [(d.file, d.obj["metadata"]["name"]) for d in result.documents]


def test_directories_are_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    """As `kubectl apply -R -f repo/` (checked with the pinned kubectl, tests/cluster/test_kubectl_reading.py):
    hidden files and directories are read, extensions compare case-sensitively (`A.YAML` is not read)."""
    names_written = ["b.yaml", "a/z.yml", "a/b/c.json", "A.YAML", "c.txt", "README.md", ".hidden.yaml", ".ci/d.yaml"]
    for name in [*names_written, ".git/x.yaml"]:
        write(tmp_path, f"repo/{name}", pod(name))
    write(tmp_path, "repo/a/b/c.json", '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c.json"}}')
    result = load(tmp_path, "repo")
    assert names(result) == [
        ("repo/.ci/d.yaml", ".ci/d.yaml"),
        ("repo/.hidden.yaml", ".hidden.yaml"),
        ("repo/a/b/c.json", "c.json"),
        ("repo/a/z.yml", "a/z.yml"),
        ("repo/b.yaml", "b.yaml"),
    ]
    assert problems(result) == []
    assert result.files == 5


def test_hidden_files_that_hold_no_kubernetes_object_are_not_manifests(tmp_path: Path) -> None:
    write(tmp_path, "repo/.pre-commit-config.yaml", "repos:\n- repo: local\n")
    write(tmp_path, "repo/.github/workflows/ci.yml", "on: push\njobs: {}\n")
    write(tmp_path, "repo/.broken.yaml", "a: [\n")
    write(tmp_path, "repo/ws.yaml", pod("ws"))
    result = load(tmp_path, "repo")
    assert names(result) == [("repo/ws.yaml", "ws")]
    assert problems(result) == []
    assert result.files == 1


def test_display_paths_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path, "work/m/a.yaml", pod("a"))
    write(tmp_path, "elsewhere/b.yaml", pod("b"))
    cwd = tmp_path / "work"
    result = load_paths(
        ["./m/", str(cwd / "m" / "a.yaml"), "../elsewhere/b.yaml", str(tmp_path / "elsewhere")], cwd=cwd
    )
    # the same file named twice is read once, and its directory, named after it, is not "without manifests"
    assert names(result) == [("m/a.yaml", "a"), ("../elsewhere/b.yaml", "b")]
    assert problems(result) == []
    assert load_paths(["."], cwd=cwd / "m").documents[0].file == "a.yaml"
    assert load_paths([str(tmp_path / "elsewhere")], cwd=cwd).documents[0].file == f"{tmp_path}/elsewhere/b.yaml"


def test_a_named_file_is_read_whatever_its_extension(tmp_path: Path) -> None:
    write(tmp_path, "rendered.txt", pod("a"))
    assert names(load(tmp_path, "rendered.txt")) == [("rendered.txt", "a")]


def test_stdin(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", pod("a"))
    stdin = io.BytesIO((pod("s") + "---\n" + pod("t")).encode())
    result = load_paths(["-", "a.yaml", "-"], stdin=stdin, cwd=tmp_path)
    assert names(result) == [("<stdin>", "s"), ("<stdin>", "t"), ("a.yaml", "a")]
    assert result.documents[1].line == 6
    assert result.files == 2


def test_stdin_problems_name_stdin(tmp_path: Path) -> None:
    result = load_paths(["-"], stdin=io.BytesIO(b"kind: [\n"), cwd=tmp_path)
    assert problems(result) == [
        ("<stdin>", 2, "invalid YAML: did not find expected node content while parsing a flow node (line 2, column 1)")
    ]
    big = load_paths(["-"], stdin=io.BytesIO(b"#" * 2000), cwd=tmp_path, limits=LoadLimits(max_file_bytes=1024))
    assert problems(big) == [
        (
            "<stdin>",
            None,
            "file is larger than the limit of 1 KiB; raise it with --max-file-size (e.g. --max-file-size 64MiB)",
        )
    ]


def test_oversized_files_are_not_read(tmp_path: Path) -> None:
    write(tmp_path, "big.yaml", pod("a") + "#" * 2 * 2**20)
    write(tmp_path, "ok.yaml", pod("b"))
    result = load(tmp_path, "big.yaml", "ok.yaml", limits=LoadLimits(max_file_bytes=2**20))
    assert problems(result) == [
        (
            "big.yaml",
            None,
            "file is larger than the limit of 1 MiB (2097197 bytes); "
            "raise it with --max-file-size (e.g. --max-file-size 64MiB)",
        )
    ]
    assert names(result) == [("ok.yaml", "b")]
    default = LoadLimits()
    assert (default.max_file_bytes, default.max_documents_per_file) == (16 * 2**20, 10_000)


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    write(tmp_path, "image.yaml", b"apiVersion: v1\n\x89PNG\x00\x01")
    write(tmp_path, "latin1.yaml", pod("a").encode() + b"  label: caf\xe9\n")
    write(tmp_path, "utf16.yaml", pod("a").encode("utf-16"))
    write(tmp_path, "ok.yaml", pod("ok"))
    result = load(tmp_path, ".")
    assert problems(result) == [
        ("image.yaml", 2, "binary file (NUL byte at offset 19), not YAML or JSON"),
        ("latin1.yaml", 5, "not valid UTF-8: byte 0xe9 at offset 57"),
        ("utf16.yaml", 1, "file is UTF-16; Kubernetes manifests must be UTF-8"),
    ]
    assert names(result) == [("ok.yaml", "ok")]
    assert result.files == 4


def test_missing_paths(tmp_path: Path) -> None:
    write(tmp_path, "ok.yaml", pod("ok"))
    result = load(tmp_path, "missing.yaml", "ok.yaml", "gone/")
    assert problems(result) == [
        ("missing.yaml", None, "no such file or directory"),
        ("gone", None, "no such file or directory"),
    ]
    assert names(result) == [("ok.yaml", "ok")]
    assert result.files == 1


def test_empty_directories_and_directories_without_manifests(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path, "docs/README.md", "# not a manifest")
    write(tmp_path, "docs/NOTES.YAML", pod("a"))
    result = load(tmp_path, "empty", "docs/")
    assert problems(result) == [
        ("empty", None, "no manifests found under empty (no .yaml, .yml, .json or .tf files)"),
        ("docs", None, "no manifests found under docs (no .yaml, .yml, .json or .tf files)"),
    ]
    assert result.files == 0


def test_symlink_loops_and_links_to_ancestors_end(tmp_path: Path) -> None:
    write(tmp_path, "repo/a.yaml", pod("a"))
    write(tmp_path, "repo/sub/b.yaml", pod("b"))
    (tmp_path / "repo/sub/up").symlink_to("..")  # a directory link back to an ancestor
    (tmp_path / "repo/sub/alias").symlink_to(".")
    (tmp_path / "repo/loop.yaml").symlink_to("loop2.yaml")
    (tmp_path / "repo/loop2.yaml").symlink_to("loop.yaml")
    (tmp_path / "repo/same.yaml").symlink_to("a.yaml")
    (tmp_path / "repo/broken.yaml").symlink_to("nowhere.yaml")
    result = load(tmp_path, "repo", "repo/loop.yaml")
    assert names(result) == [("repo/a.yaml", "a"), ("repo/sub/b.yaml", "b")]
    assert problems(result) == [
        ("repo/broken.yaml", None, "broken symbolic link"),
        ("repo/loop.yaml", None, "symbolic link loop (too many levels of symbolic links)"),
        ("repo/loop2.yaml", None, "symbolic link loop (too many levels of symbolic links)"),
        ("repo/loop.yaml", None, "symbolic link loop (too many levels of symbolic links)"),
    ]


def test_links_inside_a_directory_must_stay_inside_it(tmp_path: Path) -> None:
    write(tmp_path, "outside/secret.yaml", pod("secret"))
    write(tmp_path, "repo/a.yaml", pod("a"))
    (tmp_path / "repo/linked.yaml").symlink_to(tmp_path / "outside/secret.yaml")
    (tmp_path / "repo/linked-dir").symlink_to(tmp_path / "outside")
    (tmp_path / "repo/notes.txt").symlink_to(tmp_path / "outside/secret.yaml")  # not a manifest: ignored
    result = load(tmp_path, "repo")
    assert names(result) == [("repo/a.yaml", "a")]
    assert problems(result) == [
        ("repo/linked-dir", None, f"symbolic link to {tmp_path}/outside leaves repo; not followed"),
        ("repo/linked.yaml", None, f"symbolic link to {tmp_path}/outside/secret.yaml leaves repo; not followed"),
    ]
    # named on the command line, a link is followed
    assert names(load(tmp_path, "repo/linked.yaml")) == [("repo/linked.yaml", "secret")]


def test_special_files_inside_directories_are_not_opened(tmp_path: Path) -> None:
    write(tmp_path, "repo/a.yaml", pod("a"))
    os.mkfifo(tmp_path / "repo/pipe.yaml")
    result = load(tmp_path, "repo")
    assert names(result) == [("repo/a.yaml", "a")]
    assert problems(result) == [("repo/pipe.yaml", None, "not a regular file; skipped")]


def test_a_named_pipe_is_read_like_process_substitution(tmp_path: Path) -> None:
    read, write_end = os.pipe()
    os.write(write_end, pod("piped").encode())
    os.close(write_end)
    try:
        result = load_paths([f"/dev/fd/{read}"], cwd=tmp_path)
    finally:
        os.close(read)
    assert names(result) == [(f"/dev/fd/{read}", "piped")]


def as_unprivileged(action: Callable[[], list[tuple[str, int | None, str]]]) -> list[tuple[str, int | None, str]]:
    """Run `action` where permissions apply: in a forked child without root, when the tests run as root."""
    if os.geteuid() != 0:
        return action()
    read, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.setgid(65534)
        os.setuid(65534)
        os.write(write_end, json.dumps(action()).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read, "rb") as pipe:
        output = pipe.read()
    os.waitpid(child, 0)
    return [(file, line, message) for file, line, message in json.loads(output)]


def test_unreadable_files_and_directories() -> None:
    # not under tmp_path: pytest's base directory is private to root, so an unprivileged child cannot enter it
    with tempfile.TemporaryDirectory() as directory:
        check_unreadable(Path(directory))


def check_unreadable(root: Path) -> None:
    root.chmod(0o755)
    write(root, "locked.yaml", pod("a")).chmod(0o000)
    write(root, "closed/b.yaml", pod("b"))
    (root / "closed").chmod(0o000)
    write(root, "ok.yaml", pod("ok"))

    def run() -> list[tuple[str, int | None, str]]:
        result = load_paths(["."], cwd=root)
        return [("document", None, d.file) for d in result.documents] + [as_tuple(p) for p in result.problems]

    try:
        seen = as_unprivileged(run)
    finally:
        (root / "closed").chmod(0o755)
    assert seen == [
        ("document", None, "ok.yaml"),
        ("closed", None, "permission denied"),
        ("locked.yaml", None, "permission denied"),
    ]
