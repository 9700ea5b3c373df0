"""A second process holding the CRM DuckDB file open read-write, as an analyst's notebook might:
DuckDB then refuses every other process at once, readers included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLD = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.read()")


@contextmanager
def crm_held_elsewhere(path: Path | str) -> Iterator[subprocess.Popen[str]]:
    """The file is locked from entry until exit (the holder exits when its stdin closes)."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(10)
        holder.stdout.close()
