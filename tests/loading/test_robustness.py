"""Mangled manifests never raise and never hit the loader's last-resort 'internal error' problem."""

from __future__ import annotations

import io
import random
from pathlib import Path

from boundary_policy.loading import load_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loading"
NOISE = b"[]{}:,-?&*!|>'\"#%@`\n \t\r0123456789abyYn.~<=\\\x00\xff\xc3"


def mangle(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(out) + 1)
        choice = rng.random()
        if choice < 0.4:
            out[at:at] = bytes([rng.choice(NOISE)])
        elif choice < 0.7:
            del out[at : at + rng.randint(1, 5)]
        elif at < len(out):
            out[at] = rng.choice(NOISE)
    return bytes(out)


def test_mangled_fixtures_give_objects_or_problems() -> None:
    rng = random.Random(20261128)
    originals = [path.read_bytes() for path in sorted(FIXTURES.iterdir())]
    outcomes = {"objects": 0, "problems": 0}
    for _ in range(1500):
        result = load_paths(["-"], stdin=io.BytesIO(mangle(rng, rng.choice(originals))))
        assert result.files == 1
        assert not [p for p in result.problems if "internal error" in p.message]
        assert all(p.file == "<stdin>" for p in result.problems)
        outcomes["objects"] += bool(result.documents)
        outcomes["problems"] += bool(result.problems)
    assert outcomes["objects"] > 100 and outcomes["problems"] > 100  # both paths were exercised
