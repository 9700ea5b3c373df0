"""What the saved-page corpora (tests/fixtures/sites_*/) share: each has an ``expected.json``
saying per file why it is there and what ``analyze_file`` must give. A field missing from an
entry is not checked, ``schema_org`` is compared on the keys listed, ``error`` on the whole
record and ``error_prefix`` on the start of the error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from jengu_assets.enrichment.site_analysis import analyze_file
from tests.timing import within_cpu_budget

FIXTURES = Path(__file__).parent / "fixtures"
JENGU = str(Path(sys.executable).parent / "jengu")


def load_expected(corpus: Path) -> dict[str, dict[str, Any]]:
    return json.loads((corpus / "expected.json").read_text(encoding="utf-8"))


def corpus_files(corpus: Path) -> set[str]:
    return {path.name for path in corpus.iterdir() if path.name != "expected.json"}


def check_file(corpus: Path, name: str, expected: dict[str, Any]) -> None:
    """Analyse one corpus file and compare it with its entry."""
    # One saved page must take well under a second.
    record = within_cpu_budget(lambda: analyze_file(corpus / name), 1.0)
    assert record["input"] == str(corpus / name)
    if "error" in expected:
        assert record == {"input": str(corpus / name), "error": expected["error"]}
        return
    if "error_prefix" in expected:
        assert set(record) == {"input", "error"}
        assert record["error"].startswith(expected["error_prefix"])
        return
    assert "error" not in record
    for key, value in expected.items():
        if key == "why":
            continue
        got = record[key]
        if key == "schema_org" and value is not None and got is not None:
            got = {field: got.get(field) for field in value}
        assert got == value, f"{key}: {expected['why']}"


def run_cli(inputs: list[str], home: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """``jengu analyze-site INPUTS --json`` in a subprocess: the process and its records, one per
    input in input order, with no traceback on stderr."""
    env = {**os.environ, "JENGU_HOME": str(home)}
    proc = subprocess.run([JENGU, "analyze-site", *inputs, "--json"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [record["input"] for record in records] == inputs
    return proc, records
