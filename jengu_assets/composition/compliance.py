"""Whether Jengu may write to a prospect at all: the suppression list and jurisdiction rules.

The suppression list holds lower-cased addresses (unsubscribes, hard bounces, complaints); a
suppressed address is never composed for. Jurisdiction rules hold composed emails back by the
prospect's country: Germany by default, since UWG §7 treats B2B cold email without prior consent
as unreasonable harassment. More countries are configured as ``"AT=hold,CH=hold: reason"``;
``"DE=allow"`` lifts a default rule (for prospects who did give consent, say).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from jengu_assets import stages
from jengu_assets.acquisition.rules import region_country
from jengu_resources.crm_store import insert_rows
from jengu_resources.settings import read as read_setting

HELD_COUNTRIES_ENV = "JENGU_HELD_COUNTRIES"

DEFAULT_JURISDICTION_RULES: dict[str, str] = {
    "DE": "hold: Germany requires prior consent for B2B cold email (UWG §7)",
}


def parse_jurisdiction_rules(extra: str | None = None,
                             base: Mapping[str, str] = DEFAULT_JURISDICTION_RULES
                             ) -> dict[str, str]:
    """``base`` with ``extra`` applied: comma-separated ``CC=hold``, ``CC=hold: reason`` or
    ``CC=allow``. ``None`` reads ``JENGU_HELD_COUNTRIES``. Raises ``ValueError`` on a bad entry."""
    if extra is None:
        extra = read_setting(HELD_COUNTRIES_ENV) or ""
    rules = dict(base)
    for entry in (e.strip() for e in extra.split(",")):
        if not entry:
            continue
        country, _, action = entry.partition("=")
        country = country.strip().upper()
        verb, _, why = (action.strip() or "hold").partition(":")
        verb = verb.strip().lower()
        if len(country) != 2 or not country.isalpha() or verb not in {"hold", "allow"}:
            raise ValueError(
                f"jurisdiction rule {entry!r} is not CC=hold, CC=hold: reason or CC=allow"
            )
        if verb == "allow":
            rules.pop(country, None)
        else:
            rules[country] = (f"hold: {why.strip()}" if why.strip()
                              else f"hold: outreach to {country} is held by configuration")
    return rules


def prospect_country(country: str | None, region: str | None) -> str | None:
    """The country a prospect's rules go by: its own, else the one a region only one country has
    names ("Bayern": prospects stored without a country)."""
    return country or region_country(region)


def jurisdiction_check(country: str | None, rules: Mapping[str, str]) -> tuple[bool, str]:
    """(allowed, reason) for a prospect in ``country`` (ISO 3166-1 alpha-2; unknown is allowed)."""
    code = (country or "").strip().upper()
    rule = rules.get(code)
    if rule is None:
        return True, f"no jurisdiction rule for {code or 'an unknown country'}"
    return False, rule


def suppressed(con: duckdb.DuckDBPyConnection, emails: Iterable[str | None]) -> dict[str, str]:
    """The suppressed ones among ``emails``, lower-cased, with the suppression's reason."""
    wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
    if not wanted:
        return {}
    rows = con.execute(
        "SELECT email, reason FROM suppression_list "
        "WHERE email IN (SELECT unnest(?::VARCHAR[]))",
        [wanted],
    ).fetchall()
    return {email: reason for email, reason in rows}


def suppression_check(con: duckdb.DuckDBPyConnection, email: str | None) -> tuple[bool, str]:
    """(allowed, reason) for one address."""
    found = suppressed(con, [email])
    if found:
        return False, f"suppressed: {next(iter(found.values()))}"
    return True, "not on the suppression list"


def suppress_address(
    con: duckdb.DuckDBPyConnection, email: str, *, reason: str, source: str, actor: str
) -> list[str]:
    """Put ``email`` on the suppression list and move its prospects to ``suppressed``.

    Runs inside the caller's transaction, so the list entry and the stage moves commit together.
    Idempotent: an address already listed keeps its first reason (the earliest record of why we
    stopped writing is the one that matters), and prospects already suppressed are left alone.
    Prospects are matched case-insensitively because imported lists keep whatever case the
    source used. Returns the ids of the prospects it moved.
    """
    return suppress_addresses(con, [(email, reason, source)], actor=actor).get(
        (email or "").strip().lower(), [])


def suppress_addresses(
    con: duckdb.DuckDBPyConnection, entries: Iterable[tuple[str, str, str]], *, actor: str
) -> dict[str, list[str]]:
    """``suppress_address`` for many (address, reason, source) entries in a few statements.
    Returns address -> ids of the prospects moved."""
    first: dict[str, tuple[str, str]] = {}
    for email, reason, source in entries:
        address = (email or "").strip().lower()
        if not address:
            raise ValueError("cannot suppress an empty address")
        first.setdefault(address, (reason, source))
    if not first:
        return {}
    insert_rows(con, "suppression_list",
                [{"email": a, "reason": r, "source": src} for a, (r, src) in first.items()],
                on_conflict="ON CONFLICT (email) DO NOTHING")
    found = con.execute(
        "SELECT id, lower(trim(email)) FROM prospects WHERE lower(trim(email)) IN (SELECT unnest(?)) "
        "AND stage <> ? ORDER BY id", [list(first), stages.Stage.SUPPRESSED.value]).fetchall()
    moved: dict[str, list[str]] = {}
    for pid, address in found:
        moved.setdefault(address, []).append(pid)
    stages.transition_each(con, {pid: (stages.Stage.SUPPRESSED, first[address][0]) for pid, address in found},
                           actor=actor)
    return moved


__all__ = [
    "DEFAULT_JURISDICTION_RULES",
    "HELD_COUNTRIES_ENV",
    "jurisdiction_check",
    "prospect_country",
    "parse_jurisdiction_rules",
    "suppress_address",
    "suppress_addresses",
    "suppressed",
    "suppression_check",
]
