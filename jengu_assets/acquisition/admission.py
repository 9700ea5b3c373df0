"""Admission: the one place where candidate leads become prospects.

Postings and CSV rows both end here, so deduplication is decided once, in order, against everything
already known (exact email, domain, normalised name + city, then a fuzzy name in the same city).
Admission is idempotent: a lead whose ``source_key`` was admitted before is reported as
``already_admitted`` and changes nothing, so re-running a partition writes no new rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date

import duckdb

from jengu_assets import stages
from jengu_assets.acquisition import rules
from jengu_assets.acquisition.models import Lead
from jengu_resources.crm_store import fetch_dicts, insert_rows

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REJECTED = "rejected"
ALREADY_ADMITTED = "already_admitted"


@dataclass(frozen=True)
class Outcome:
    source_key: str
    status: str  # accepted | duplicate | rejected | already_admitted
    prospect_id: str | None = None
    reason: str | None = None


def prospect_id_for(source_key: str) -> str:
    """Deterministic id: the same first sighting always yields the same prospect id."""
    return "p_" + hashlib.blake2b(source_key.encode(), digest_size=8).hexdigest()


def admit(
    con: duckdb.DuckDBPyConnection,
    leads: Sequence[Lead],
    *,
    discovered_on: date,
    actor: str,
    screen: Callable[[Lead], str | None] = lambda lead: None,
) -> list[Outcome]:
    """Admit ``leads`` in order inside the caller's transaction; one outcome per lead.

    ``screen`` returns a rejection reason or None (the hospitality filter for postings, the
    industry filter for CSV rows).
    """
    if not leads:
        return []
    known = _known_sources(con, [lead.source_key for lead in leads])
    keyed = [(lead, _keys(lead)) for lead in leads]
    index = _index_for(con, [keys for _, keys in keyed])

    outcomes: list[Outcome] = []
    new_prospects: list[dict] = []
    new_sources: list[dict] = []
    for lead, keys in keyed:
        if lead.source_key in known:
            outcomes.append(Outcome(lead.source_key, ALREADY_ADMITTED, known[lead.source_key]))
            continue
        reason = _validate(lead) or screen(lead)
        if reason:
            outcomes.append(Outcome(lead.source_key, REJECTED, reason=reason))
            continue
        match = index.match(**keys)
        if match:
            prospect_id, why = match
            outcomes.append(
                Outcome(lead.source_key, DUPLICATE, prospect_id, f"same prospect as {prospect_id} ({why})")
            )
        else:
            prospect_id = prospect_id_for(lead.source_key)
            index.add(prospect_id, **keys)
            new_prospects.append(_prospect_row(prospect_id, lead, keys, discovered_on))
            outcomes.append(Outcome(lead.source_key, ACCEPTED, prospect_id))
        known[lead.source_key] = prospect_id
        new_sources.append(
            {
                "source_key": lead.source_key,
                "prospect_id": prospect_id,
                "kind": "csv_row" if lead.source == "csv" else "job_posting",
                "ref": lead.source_ref,
                "discovered_on": discovered_on,
            }
        )

    insert_rows(con, "prospects", new_prospects)
    insert_rows(con, "prospect_sources", new_sources)
    stages.log_creation(
        con, [p["id"] for p in new_prospects], reason="discovered", actor=actor
    )
    return outcomes


def _validate(lead: Lead) -> str | None:
    if not (lead.company_name or "").strip():
        return "missing required field: company name"
    if lead.email and not rules.is_valid_email(lead.email):
        return f"invalid email {lead.email!r}"
    return None


def _keys(lead: Lead) -> dict:
    email = rules.normalise_email(lead.email)
    domain = rules.domain_of(lead.website) or rules.domain_of(email)
    return {
        "name_key": rules.name_key(lead.company_name),
        "city_key": rules.city_key(lead.city),
        # A gmail.com address or a booking.com listing says nothing about which hotel this is.
        "domain": None if domain and rules.is_generic_domain(domain) else domain,
        "email": email,
    }


def _prospect_row(prospect_id: str, lead: Lead, keys: dict, discovered_on: date) -> dict:
    hiring, role = rules.hiring_signal(lead.hiring_role)
    email = keys["email"]
    return {
        "id": prospect_id,
        "company_name": lead.company_name.strip(),
        "contact_name": lead.contact_name,
        "contact_title": lead.contact_title,
        "email": email,
        "phone": lead.phone,
        "linkedin_url": lead.linkedin_url,
        "website": lead.website,
        "domain": keys["domain"],
        "city": lead.city,
        "region": lead.region,
        "country": lead.country,
        "timezone": rules.timezone_for(lead.country, lead.region, lead.city),
        "name_key": keys["name_key"],
        "city_key": keys["city_key"],
        "tier": rules.tier_for(
            hiring_role=role, has_email=bool(email), contact_title=lead.contact_title
        ),
        "hiring_signal": hiring,
        "hiring_role": role,
        "source": lead.source,
        "source_ref": lead.source_ref,
        "discovered_on": discovered_on,
        "stage": stages.Stage.NEW.value,
    }


def _known_sources(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    rows = con.execute(
        "SELECT source_key, prospect_id FROM prospect_sources "
        "WHERE source_key IN (SELECT unnest(?::VARCHAR[]))",
        [keys],
    ).fetchall()
    return dict(rows)


def _index_for(con: duckdb.DuckDBPyConnection, batch: Iterable[dict]) -> rules.DedupIndex:
    """Load only the prospects that could match this batch: same email, domain, name or city."""
    names, cities, domains, emails = set(), set(), set(), set()
    for keys in batch:
        names.add(keys["name_key"])
        if keys["city_key"]:
            cities.add(keys["city_key"])
        if keys["domain"]:
            domains.add(keys["domain"])
        if keys["email"]:
            emails.add(keys["email"])
    # Cities match as the index compares them, so "Luebeck" finds the prospects in "Lübeck".
    city_spelling = rules.DEDUP_SPELLING_SQL.format(column="city_key")
    rows = fetch_dicts(
        con,
        "SELECT id, name_key, city_key, domain, email FROM prospects "
        "WHERE name_key IN (SELECT unnest(?::VARCHAR[])) "
        f"OR {city_spelling} IN (SELECT unnest(?::VARCHAR[])) "
        "OR domain IN (SELECT unnest(?::VARCHAR[])) OR email IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY created_at, id",
        [sorted(names), sorted({rules.dedup_spelling(c) for c in cities}), sorted(domains),
         sorted(emails)],
    )
    index = rules.DedupIndex()
    for row in rows:
        index.add(
            row["id"],
            name_key=row["name_key"],
            city_key=row["city_key"],
            domain=row["domain"],
            email=row["email"],
        )
    return index


def summarise(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = {ACCEPTED: 0, DUPLICATE: 0, REJECTED: 0, ALREADY_ADMITTED: 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts


_LEAD_FIELDS = tuple(f.name for f in fields(Lead))


def lead_to_json(lead: Lead) -> str:
    # Lead.to_dict (dataclasses.asdict) deep-copies every value; a shallow dict serialises the
    # same and is what keeps a 100k-row import from spending seconds here.
    return json.dumps(
        {name: getattr(lead, name) for name in _LEAD_FIELDS}, ensure_ascii=False, default=str
    )


def lead_from_json(text: str) -> Lead:
    return Lead(**json.loads(text))
