"""Counts and small Markdown previews for asset metadata (cheap queries, one partition at a time)."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from jengu_resources.crm_store import fetch_dicts

PREVIEW_ROWS = 10


def _counts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(key): int(n) for key, n in con.execute(sql, params).fetchall()}


def partition_prospect_counts(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, Any]:
    stages = _counts(
        con,
        "SELECT stage, count(*) FROM prospects WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    reasons = _counts(
        con,
        "SELECT reason, count(*) FROM ("
        " SELECT reason FROM job_postings WHERE discovered_on = ? AND status = 'rejected'"
        " UNION ALL SELECT reason FROM import_rows WHERE imported_on = ? AND status = 'rejected'"
        ") GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
        [day, day],
    )
    return {
        "total": sum(stages.values()),
        "stages": stages,
        "postings": _counts(
            con,
            "SELECT status, count(*) FROM job_postings WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
            [day],
        ),
        "import_rows": _counts(
            con,
            "SELECT status, count(*) FROM import_rows WHERE imported_on = ? GROUP BY 1 ORDER BY 1",
            [day],
        ),
        "rejection_reasons": reasons,
    }


def markdown_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "_none_"
    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def prospects_preview(con: duckdb.DuckDBPyConnection, day: date) -> str:
    rows = fetch_dicts(
        con,
        "SELECT company_name, city, country, tier, hiring_role, source FROM prospects "
        "WHERE discovered_on = ? ORDER BY tier = 'hot' DESC, company_name LIMIT ?",
        [day, PREVIEW_ROWS],
    )
    return markdown_table(rows, ["company_name", "city", "country", "tier", "hiring_role", "source"])


def import_rejections_table(rejections: list[dict[str, Any]]) -> str:
    shown = markdown_table(rejections[:50], ["file", "row", "line", "reason"])
    if len(rejections) > 50:
        shown += f"\n\n... and {len(rejections) - 50} more (table `import_rows`, status 'rejected')"
    return shown
