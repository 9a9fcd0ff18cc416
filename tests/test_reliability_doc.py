"""docs/reliability.md names a test for every guarantee: each one it cites must exist, so the page cannot
promise what no test proves (a renamed or deleted test fails here)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_cited_test_exists():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    cited, missing = 0, []
    for row in text.splitlines():
        current = None  # a row's first citation names its file; "::name" after it means the same file
        for path, name in re.findall(r"`(tests/[^`:]+\.py)?::([A-Za-z_0-9]+)`", row):
            current = path or current
            assert current, f"a citation without a file: ::{name}"
            source = (ROOT / current).read_text(encoding="utf-8")
            cited += 1
            if not re.search(rf"^def {name}\(", source, flags=re.M):
                missing.append(f"{current}::{name}")
    assert cited > 30 and missing == []
