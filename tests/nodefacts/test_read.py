"""Reading node facts from a fake /proc and /sys tree, and from this machine's real kernel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from boundary_policy.nodefacts import (
    LANDLOCK,
    MAX_USER_NAMESPACES,
    SECCOMP_DEFAULT,
    probe_landlock_syscall,
    read_node_facts,
)


def fake_root(
    tmp_path: Path, *, userns: str | None = None, lsm: str | None = None, osrelease: str | None = None
) -> Path:
    files = {
        "proc/sys/user/max_user_namespaces": userns,
        "sys/kernel/security/lsm": lsm,
        "proc/sys/kernel/osrelease": osrelease,
    }
    for relative, content in files.items():
        if content is not None:
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    return tmp_path


def by_key(root: Path, **kwargs: bool | None) -> dict[str, str | None]:
    return {fact.key: fact.value for fact in read_node_facts(root, **kwargs).facts}


def test_bottlerocket_default_reads_zero_and_lsm_without_landlock(tmp_path: Path) -> None:
    root = fake_root(tmp_path, userns="0\n", lsm="lockdown,capability,selinux", osrelease="6.1.129\n")
    facts = read_node_facts(root)
    assert facts.known() == {MAX_USER_NAMESPACES: "0", LANDLOCK: "false"}
    assert facts.kernel_release == "6.1.129"


def test_landlock_listed_among_active_lsms(tmp_path: Path) -> None:
    root = fake_root(tmp_path, userns="65536", lsm="lockdown,capability,landlock,yama,bpf")
    assert by_key(root) == {MAX_USER_NAMESPACES: "65536", LANDLOCK: "true", SECCOMP_DEFAULT: None}


def test_value_is_written_in_canonical_decimal(tmp_path: Path) -> None:
    assert by_key(fake_root(tmp_path, userns="0065536\n"))[MAX_USER_NAMESPACES] == "65536"


@pytest.mark.parametrize("content", ["", "-1", "abc", "65536 1", "٣"])
def test_garbage_is_unknown_not_guessed(tmp_path: Path, content: str) -> None:
    fact = read_node_facts(fake_root(tmp_path, userns=content)).facts[0]
    assert fact.key == MAX_USER_NAMESPACES
    assert fact.value is None
    assert not fact.known


def test_missing_files_are_unknown_and_fake_root_never_probes_this_kernel(tmp_path: Path) -> None:
    facts = read_node_facts(tmp_path)
    assert facts.known() == {}
    assert {fact.detail for fact in facts.facts[:2]} == {"not present"}
    assert facts.kernel_release is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_file_is_unknown(tmp_path: Path) -> None:
    root = fake_root(tmp_path, userns="65536", lsm="landlock")
    (root / "proc/sys/user/max_user_namespaces").chmod(0)
    fact = read_node_facts(root).facts[0]
    assert (fact.value, fact.detail) == (None, "permission denied")


def test_unreadable_file_is_unknown_even_as_root(tmp_path: Path) -> None:
    # A directory where a file is expected fails with an OSError that is not a permission error.
    (tmp_path / "proc/sys/user/max_user_namespaces").mkdir(parents=True)
    fact = read_node_facts(tmp_path).facts[0]
    assert fact.value is None
    assert fact.detail.startswith("unreadable")


def test_seccomp_default_comes_only_from_the_operator(tmp_path: Path) -> None:
    root = fake_root(tmp_path)
    unknown = read_node_facts(root).facts[2]
    assert unknown.value is None
    assert "--seccomp-default" in unknown.detail
    assert by_key(root, seccomp_default=True)[SECCOMP_DEFAULT] == "true"
    assert by_key(root, seccomp_default=False)[SECCOMP_DEFAULT] == "false"


def test_real_machine() -> None:
    """Whatever this kernel has: every fact is either a valid value or unknown with a reason."""
    facts = read_node_facts()
    assert facts.kernel_release == os.uname().release
    values = {fact.key: fact for fact in facts.facts}
    userns = values[MAX_USER_NAMESPACES]
    real = Path("/proc/sys/user/max_user_namespaces")
    if real.is_file():
        assert userns.value == str(int(real.read_text()))
    else:
        assert userns.value is None
    landlock = values[LANDLOCK]
    lsm = Path("/sys/kernel/security/lsm")
    if lsm.is_file():
        assert landlock.value == ("true" if "landlock" in lsm.read_text().strip().split(",") else "false")
    else:
        enabled, _ = probe_landlock_syscall()
        assert landlock.value == (None if enabled is None else str(enabled).lower())
    assert values[SECCOMP_DEFAULT].value is None


def test_syscall_probe_agrees_with_the_lsm_list_when_both_are_visible() -> None:
    enabled, detail = probe_landlock_syscall()
    lsm = Path("/sys/kernel/security/lsm")
    if not lsm.is_file() or enabled is None:
        pytest.skip(f"only one source on this machine ({detail})")
    assert enabled == ("landlock" in lsm.read_text().strip().split(","))
