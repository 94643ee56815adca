"""`--max-file-size 64MiB`: a size in bytes, or with a binary unit."""

from __future__ import annotations

import re

import click

__all__ = ["parse_size"]

_SIZE = re.compile(r"\s*(\d+)\s*(B|KiB|MiB|GiB|K|M|G|KB|MB|GB)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 2**10, "kib": 2**10, "kb": 2**10, "m": 2**20, "mib": 2**20, "mb": 2**20}
_UNITS |= {"g": 2**30, "gib": 2**30, "gb": 2**30}


def parse_size(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    """A click callback: the size in bytes, or a usage error (exit 2)."""
    found = _SIZE.fullmatch(value)
    if found is None or int(found.group(1)) == 0:
        raise click.BadParameter(f"{value!r} is not a size such as 1048576, 64MiB or 1GiB")
    return int(found.group(1)) * _UNITS[(found.group(2) or "").lower()]
