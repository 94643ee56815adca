"""What the terminal allows: colour only on a terminal and never with NO_COLOR; progress only on a terminal."""

from __future__ import annotations

import os
from typing import TextIO

__all__ = ["wants_color", "wants_progress"]


def wants_color(stream: TextIO, *, no_color_flag: bool = False) -> bool:
    if no_color_flag or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def wants_progress(stream: TextIO) -> bool:
    return stream.isatty()
