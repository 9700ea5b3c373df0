"""Job postings: store what the boards returned, then turn the day's postings into leads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import duckdb

from jengu_assets.acquisition import admission, rules
from jengu_assets.acquisition.classifier import HospitalityClassifier, RuleClassifier
from jengu_assets.acquisition.models import Lead
from jengu_resources.crm_store import fetch_dicts, insert_rows, update_rows
from jengu_resources.job_boards import JobPosting


def posting_id(posting: JobPosting) -> str:
    return f"{posting.source}:{posting.external_id}"


def store_postings(
    con: duckdb.DuckDBPyConnection, postings: Sequence[JobPosting], day: date
) -> dict[str, int]:
    """Upsert by (board, posting id). A posting seen again keeps the day it was first discovered
    and its admission status, so re-running a day, or the next day's run, adds no rows."""
    ids = [posting_id(p) for p in postings]
    known = {
        row[0]
        for row in con.execute(
            "SELECT id FROM job_postings WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).fetchall()
    }
    fresh = [p for p in postings if posting_id(p) not in known]
    insert_rows(
        con,
        "job_postings",
        [
            {
                "id": posting_id(p),
                "source": p.source,
                "external_id": p.external_id,
                "title": p.title,
                "company": p.company,
                "location": p.location,
                "description": p.description,
                "url": p.url,
                "posted_at": p.posted_at,
                "discovered_on": day,
                "raw": json.dumps(p.raw, ensure_ascii=False, default=str),
                "status": "pending",
            }
            for p in fresh
        ],
    )
    return {"fetched": len(postings), "new": len(fresh), "known": len(postings) - len(fresh)}


def posting_to_lead(row: dict) -> Lead | str:
    """A lead from a stored posting, or the reason it cannot be one."""
    title, description = row["title"] or "", row["description"] or ""
    company = rules.extract_company(title, row["company"], description)
    if not company:
        return f"no company name in posting {row['id']!r} ({title!r})"
    city, region, country = rules.parse_location(row["location"])
    return Lead(
        company_name=company,
        source=f"job_board:{row['source']}",
        source_key=f"posting:{row['id']}",
        source_ref=row["url"] or row["id"],
        city=city,
        region=region,
        country=country,
        hiring_role=title,
        extra={"posting_id": row["id"], "description": description},
    )


def admit_postings(
    con: duckdb.DuckDBPyConnection,
    *,
    day: date,
    actor: str,
    classifier: HospitalityClassifier | None = None,
) -> list[admission.Outcome]:
    """Admit the day's postings, in the order they were fetched, and record each outcome."""
    rows = fetch_dicts(
        con,
        "SELECT id, source, title, company, location, description, url FROM job_postings "
        "WHERE discovered_on = ? ORDER BY fetched_at, id",
        [day],
    )
    leads: list[Lead] = []
    unreadable: list[dict] = []
    for row in rows:
        lead = posting_to_lead(row)
        if isinstance(lead, str):
            unreadable.append({"id": row["id"], "status": admission.REJECTED, "reason": lead,
                               "prospect_id": None})
        else:
            leads.append(lead)
    classifier = classifier or RuleClassifier()

    def screen(lead: Lead) -> str | None:
        ok, reason = classifier.classify_posting(
            lead.hiring_role or "", lead.company_name, lead.extra.get("description")
        )
        return None if ok else reason

    outcomes = admission.admit(con, leads, discovered_on=day, actor=actor, screen=screen)
    update_rows(
        con,
        "job_postings",
        unreadable
        + [
            {"id": lead.extra["posting_id"], "status": o.status, "reason": o.reason,
             "prospect_id": o.prospect_id}
            for lead, o in zip(leads, outcomes)
            # Already admitted: the stored status from that first admission stays as it was.
            if o.status != admission.ALREADY_ADMITTED
        ],
        key=("id",),
    )
    return outcomes
