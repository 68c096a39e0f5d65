"""The Python examples in README.md run as written."""

from __future__ import annotations

import re

from conftest import REPO


def test_readme_python_blocks_run() -> None:
    text = (REPO / "README.md").read_text()
    section = text.split("## Using it from Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 3
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102
    assert str(scope["bill"].total) == "57.22"
    assert list(scope["result"].totals_minor) == [5722, 25970, 1310]
    assert str(scope["result"].sum()) == "330.02"
    assert str(scope["quote"].fee) == "3.75"
    assert str(scope["portal"].home(scope["session"], now=scope["now"]).total_due) == "17.22"
    assert str(scope["months"][0].total) == "174.97"
    assert str(scope["gen"][0].export_credit) == "3.10"
    assert str(scope["gen"][0].total) == "143.97"
    assert [str(t) for t in scope["bills"].column("total").to_pylist()] == ["174.97", "339.94"]
    assert [str(t) for t in scope["water_bills"].column("total").to_pylist()] == ["57.22", "259.70"]
