"""A queue of composed emails and a warmed inbox pool, written straight into a CRM store.

The send tests, the chaos test and the send-day benchmark need thousands of queued emails without
running the whole graph first. These rows have the shape composition leaves behind (prospect at stage
``queued`` with a personal, verified address; an email with status ``queued``), so the sender cannot
tell them from the real thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

import duckdb

from jengu_assets.sending.inboxes import add_inbox
from jengu_resources.crm_store import fetch_dicts, insert_rows

# Recipients spread over zones whose business hours overlap only in part, as a real pool's do.
ZONES = (
    ("DE", "Berlin", "Europe/Berlin"),
    ("GB", "London", "Europe/London"),
    ("PT", "Lisbon", "Europe/Lisbon"),
    ("GR", "Athens", "Europe/Athens"),
    ("US", "New York", "America/New_York"),
)


def queue_emails(
    con: duckdb.DuckDBPyConnection,
    count: int,
    *,
    start: int = 0,
    zones: Sequence[tuple[str, str, str]] = ZONES,
    domain: str = "hotel.example",
    composed_on: date | None = None,
    tags: dict[int, str] | None = None,
) -> list[str]:
    """``count`` prospects at stage ``queued``, each with one queued first email. ``tags`` maps an
    index to a local-part tag (``+hard``, ``+soft`` ...) the sandbox SMTP server acts on.
    Returns the prospect ids. Countries are stored for business hours only: no jurisdiction rule
    holds them (Germany is held at composition, which these rows skip)."""
    composed_on = composed_on or datetime.now(timezone.utc).date()
    prospects, emails = [], []
    for n in range(start, start + count):
        country, city, tz = zones[n % len(zones)]
        tag = (tags or {}).get(n, "")
        address = f"guest{n}{tag}@{domain}"
        pid = f"p{n:06d}"
        prospects.append({
            "id": pid, "company_name": f"Hotel {n}", "contact_name": f"Guest {n}",
            "email": address, "city": city, "country": country, "timezone": tz,
            "name_key": f"hotel {n}", "city_key": city.lower(), "tier": "warm",
            "source": "csv", "source_ref": f"outbox:{n}", "discovered_on": composed_on,
            "stage": "queued", "email_sendable": True, "email_kind": "personal",
            "email_status": "valid",
        })
        emails.append({
            "id": f"e{n:06d}-1", "prospect_id": pid, "sequence_step": 1, "kind": "outreach",
            "subject": f"Front desk hiring at Hotel {n}",
            "body": f"Hello Guest {n},\n\nA short note about your front desk posting.\n\nJengu\n",
            "to_email": address, "status": "queued", "composed_on": composed_on,
        })
    insert_rows(con, "prospects", prospects)
    insert_rows(con, "emails", emails)
    return [p["id"] for p in prospects]


def warm_inboxes(
    con: duckdb.DuckDBPyConnection,
    count: int,
    *,
    smtp_host: str,
    smtp_ports: Sequence[int],
    daily_cap: int = 20,
    min_gap_seconds: int = 300,
    domain: str = "jengu-mail.example",
    **settings,
) -> list[str]:
    """``count`` warmed inboxes (no warm-up date), spread over the given SMTP ports; plain SMTP and
    no password unless ``settings`` say otherwise. The first goes through ``add_inbox`` (so its
    validation applies to the settings), the rest are copied in one batch."""
    settings = {"tls_mode": "none", "password_env": "", **settings}
    first = add_inbox(
        con, email=f"sender0@{domain}", display_name="Jengu Sender 0", smtp_host=smtp_host,
        smtp_port=smtp_ports[0], daily_cap=daily_cap, min_gap_seconds=min_gap_seconds, **settings,
    )
    template = fetch_dicts(con, "SELECT * FROM inboxes WHERE id = ?", [first.id])[0]
    rows = []
    for n in range(1, count):
        email = f"sender{n}@{domain}"
        rows.append({**template, "id": email, "email": email, "username": email,
                     "display_name": f"Jengu Sender {n}", "smtp_port": smtp_ports[n % len(smtp_ports)]})
    insert_rows(con, "inboxes", rows)
    return [first.id] + [r["id"] for r in rows]


def record_deliveries(con: duckdb.DuckDBPyConnection, inbox_id: str, sends: Sequence[dict],
                      *, owner: str = "sandbox") -> None:
    """First emails recorded as the sender leaves them once delivered: per send, a ``sent`` ledger
    row and its one attempt, the email ``sent`` from ``inbox_id`` and its prospect at stage
    ``sent``. Each send holds ``prospect_id``, ``email_id``, ``to_email``, ``message_id`` and
    ``claimed_at``."""
    insert_rows(con, "send_ledger", [
        {**s, "sequence_step": 1, "inbox_id": inbox_id, "state": "sent", "attempts": 1,
         "owner": owner, "resolved_at": s["claimed_at"], "category": "delivered"} for s in sends])
    insert_rows(con, "send_attempts", [
        {"message_id": s["message_id"], "prospect_id": s["prospect_id"], "sequence_step": 1,
         "attempt": 1, "inbox_id": inbox_id, "to_email": s["to_email"],
         "claimed_at": s["claimed_at"], "state": "sent", "category": "delivered"} for s in sends])
    con.execute("UPDATE emails SET status = 'sent', inbox_id = ?, sent_at = d.at FROM (SELECT "
                "unnest(?) AS id, unnest(?::TIMESTAMPTZ[]) AS at) d WHERE emails.id = d.id",
                [inbox_id, [s["email_id"] for s in sends], [s["claimed_at"] for s in sends]])
    con.execute("UPDATE prospects SET stage = 'sent' WHERE id IN (SELECT unnest(?))",
                [[s["prospect_id"] for s in sends]])


def deliver_queued(con: duckdb.DuckDBPyConnection, inbox_id: str, prospect_ids: Sequence[str],
                   *, at: datetime, owner: str = "sandbox") -> None:
    """``record_deliveries`` for the first emails of ``queue_emails`` prospects: prospect n's
    goes out ``at`` + n minutes, with Message-ID ``<m{n}@jengu.test>``."""
    emails = dict(con.execute(
        "SELECT prospect_id, to_email FROM emails WHERE sequence_step = 1 "
        "AND prospect_id IN (SELECT unnest(?))", [list(prospect_ids)]).fetchall())
    sends = []
    for pid in prospect_ids:
        n = int(pid.removeprefix("p"))
        sends.append({"prospect_id": pid, "email_id": f"e{n:06d}-1", "to_email": emails[pid],
                      "message_id": f"<m{n}@jengu.test>", "claimed_at": at + timedelta(minutes=n)})
    record_deliveries(con, inbox_id, sends, owner=owner)
