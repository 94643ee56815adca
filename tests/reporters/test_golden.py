"""Every format's full output for the sample reports, byte for byte, against files under tests/fixtures/reporters/.

After an intended change, regenerate with UPDATE_GOLDEN=1 pytest tests/reporters/test_golden.py and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from boundary_policy.reporters import Report, get_reporter, step_summary_markdown
from tests.reporters.samples import REPORTS

GOLDEN = Path(__file__).parents[1] / "fixtures" / "reporters" / "golden"
RENDERERS: dict[str, Callable[[Report], str]] = {
    "txt": get_reporter("text").render,
    "json": get_reporter("json").render,
    "sarif": get_reporter("sarif").render,
    "junit.xml": get_reporter("junit").render,
    "github.txt": get_reporter("github").render,
    "step-summary.md": step_summary_markdown,
}


@pytest.mark.parametrize("suffix", sorted(RENDERERS))
@pytest.mark.parametrize("sample", sorted(REPORTS))
def test_output_equals_golden_file(sample: str, suffix: str) -> None:
    output = RENDERERS[suffix](REPORTS[sample]())
    path = GOLDEN / f"{sample}.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(output.encode("utf-8"))
    assert path.read_bytes().decode("utf-8") == output
