"""The inbox pool: warmed-up mailboxes Jengu sends from, their quotas, gaps and health.

Quotas are derived from the ledger's attempts (``send_attempts``), never from counters: nothing has to
be reset at midnight, and a crashed run cannot leave a count wrong. An attempt counts against the day's
quota once the recipient's server has seen it (sent, bounced or still unknown); an attempt that never
reached a server (connection refused, 421) does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import duckdb

from jengu_resources.crm_store import fetch_dicts
from jengu_resources.imap import ImapSettings
from jengu_resources.smtp import SmtpSettings

DEFAULT_RAMP = (5, 10, 15, 18, 20)
TLS_MODES = ("implicit", "starttls", "none")
# Health is 0-100: a policy rejection (5.7.x) costs much, a delivered email earns a little back.
HEALTH_DELIVERED = 0.5
HEALTH_HARD_BOUNCE = -2.0
HEALTH_POLICY = -15.0
HEALTH_INBOX_FAILURE = -5.0
BOUNCE_WINDOW = 50          # sends the bounce rate is measured over
MAX_BOUNCE_RATE = 0.05      # above this an inbox pauses itself
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=2)


class InboxConfigError(ValueError):
    """An inbox setting that cannot work (bad TLS mode, ramp, missing password variable)."""


def _given(value: Any, default: Any) -> Any:
    """``value`` unless it was not given (None): a 0 is a value, not a missing one."""
    return default if value is None else value


def parse_ramp(text: str | Sequence[int] | None) -> tuple[int, ...]:
    """``"5,10,15,18,20"`` -> sends per day, week by week. Raises InboxConfigError on nonsense."""
    if text is None or text == "":
        return DEFAULT_RAMP
    parts = text.split(",") if isinstance(text, str) else list(text)
    try:
        ramp = tuple(int(str(p).strip()) for p in parts)
    except ValueError:
        raise InboxConfigError(f"warm-up ramp {text!r} is not a comma-separated list of numbers")
    if not ramp or any(n <= 0 for n in ramp):
        raise InboxConfigError(f"warm-up ramp {text!r} needs positive sends per day")
    return ramp


def warmup_cap(day: date, warmup_start: date | None, ramp: Sequence[int], daily_cap: int) -> int:
    """Sends allowed on ``day``: the ramp's value for the week since warm-up began, within the cap.

    Before warm-up starts nothing is sent; with no warm-up date the inbox is treated as warm.
    """
    if warmup_start is None:
        return daily_cap
    days = (day - warmup_start).days
    if days < 0:
        return 0
    return min(daily_cap, ramp[min(days // 7, len(ramp) - 1)])


@dataclass(frozen=True)
class Inbox:
    id: str
    email: str
    display_name: str | None
    smtp_host: str
    smtp_port: int
    tls_mode: str
    username: str
    password_env: str
    warmup_start: date | None = None
    warmup_ramp: tuple[int, ...] = DEFAULT_RAMP
    daily_cap: int = 20
    min_gap_seconds: int = 300
    health_score: float = 100.0
    paused: bool = False
    pause_reason: str | None = None
    reply_to: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_tls_mode: str | None = None
    sent_folder: str = "Sent"
    backoff_until: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Inbox":
        names = cls.__dataclass_fields__
        values = {k: v for k, v in row.items() if k in names}
        values["warmup_ramp"] = parse_ramp(row.get("warmup_ramp"))
        return cls(**values)

    def cap_on(self, day: date) -> int:
        return warmup_cap(day, self.warmup_start, self.warmup_ramp, self.daily_cap)

    def held(self, now: datetime) -> str | None:
        """Why the inbox may not send at ``now`` whatever its quota (paused, backing off), or None."""
        if self.paused:
            return f"paused: {self.pause_reason or 'by an operator'}"
        if self.backoff_until and self.backoff_until > now:
            return f"backing off until {self.backoff_until.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"
        return None

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    def password(self, env: Mapping[str, str] = os.environ) -> str | None:
        """The password from the env var the inbox names; None when the inbox needs none (loopback)."""
        if not self.password_env:
            return None
        value = env.get(self.password_env)
        if value is None:
            raise InboxConfigError(
                f"inbox {self.email}: env var {self.password_env} (its SMTP password) is not set")
        return value

    def smtp_settings(self, env: Mapping[str, str] = os.environ, **options) -> SmtpSettings:
        return SmtpSettings(host=self.smtp_host, port=self.smtp_port, tls_mode=self.tls_mode,
                            username=self.username or None, password=self.password(env), **options)

    def imap_settings(self, env: Mapping[str, str] = os.environ) -> ImapSettings | None:
        """IMAP for the Sent-folder reconcile, when the inbox is configured for it."""
        if not self.imap_host or not self.imap_port:
            return None
        return ImapSettings(host=self.imap_host, port=self.imap_port,
                            tls_mode=self.imap_tls_mode or "implicit", username=self.username,
                            password=self.password(env) or "")


@dataclass
class InboxUsage:
    """What the ledger says an inbox did on one day."""

    sent_today: int = 0
    last_attempt_at: datetime | None = None
    recent: list[str] = field(default_factory=list)  # categories of the latest attempts, newest first


def load_inboxes(con: duckdb.DuckDBPyConnection, *, include_paused: bool = True) -> list[Inbox]:
    where = "" if include_paused else "WHERE NOT paused"
    return [Inbox.from_row(r) for r in fetch_dicts(con, f"SELECT * FROM inboxes {where} ORDER BY email")]


def find_inbox(con: duckdb.DuckDBPyConnection, key: str) -> Inbox:
    """An inbox by id or address; raises KeyError naming what was asked for."""
    rows = fetch_dicts(con, "SELECT * FROM inboxes WHERE id = ? OR lower(email) = lower(?)", [key, key])
    if not rows:
        raise KeyError(f"no inbox {key!r} (jengu inbox list shows them)")
    return Inbox.from_row(rows[0])


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


# An attempt the recipient's server saw: it spends quota. 'inbox' failures never reached one.
COUNTS_AGAINST_QUOTA = "(a.state IN ('claimed', 'sent', 'unknown') OR a.category IN ('soft', 'hard', 'policy'))"


def usage_on(
    con: duckdb.DuckDBPyConnection, day: date, inbox_ids: Sequence[str] | None = None
) -> dict[str, InboxUsage]:
    """Sends counted against each inbox's quota on ``day`` (UTC) and its latest attempt ever."""
    start, end = day_bounds(day)
    only = "WHERE a.inbox_id IN (SELECT unnest(?))" if inbox_ids is not None else ""
    params: list[Any] = [start, end] + ([list(inbox_ids)] if inbox_ids is not None else [])
    rows = con.execute(
        f"""SELECT a.inbox_id,
                   count(*) FILTER (WHERE a.claimed_at >= ? AND a.claimed_at < ?
                                    AND {COUNTS_AGAINST_QUOTA}) AS sent_today,
                   max(a.claimed_at) AS last_attempt_at
              FROM send_attempts a {only} GROUP BY a.inbox_id""",
        params,
    ).fetchall()
    return {r[0]: InboxUsage(sent_today=r[1], last_attempt_at=r[2]) for r in rows}


def bounce_rate(
    con: duckdb.DuckDBPyConnection, inbox_id: str, window: int = BOUNCE_WINDOW
) -> tuple[float, int, int] | None:
    """(rate, bounced, sends) over the inbox's last ``window`` sends the recipient's server answered;
    None while it has fewer than ``window`` of them (too few to judge)."""
    row = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE category IN ('hard', 'policy'))
             FROM (SELECT category FROM send_attempts
                    WHERE inbox_id = ? AND category IN ('delivered', 'soft', 'hard', 'policy')
                    ORDER BY claimed_at DESC LIMIT ?)""",
        [inbox_id, window],
    ).fetchall()[0]
    sends, bounced = row
    if sends < window:
        return None
    return bounced / sends, bounced, sends


def add_inbox(con: duckdb.DuckDBPyConnection, **fields: Any) -> Inbox:
    """Add one inbox (or update the one with the same address). Validates before writing."""
    email = str(fields.get("email") or "").strip().lower()
    if "@" not in email:
        raise InboxConfigError(f"inbox address {fields.get('email')!r} is not an email address")
    tls = fields.get("tls_mode") or "starttls"
    if tls not in TLS_MODES:
        raise InboxConfigError(f"inbox {email}: TLS mode {tls!r} is not one of {', '.join(TLS_MODES)}")
    if fields.get("imap_tls_mode") and fields["imap_tls_mode"] not in TLS_MODES:
        raise InboxConfigError(f"inbox {email}: IMAP TLS mode {fields['imap_tls_mode']!r} is not one of "
                               f"{', '.join(TLS_MODES)}")
    password_env = str(fields.get("password_env") or "")
    if password_env and not password_env.replace("_", "").isalnum():
        raise InboxConfigError(f"inbox {email}: password env var name {password_env!r} is not a "
                               "variable name (give the NAME of the variable, never the password)")
    ramp = ",".join(str(n) for n in parse_ramp(fields.get("warmup_ramp")))
    if not str(fields.get("smtp_host") or "").strip():
        raise InboxConfigError(f"inbox {email}: the SMTP host is empty")
    for name, label in (("smtp_port", "SMTP port"), ("imap_port", "IMAP port")):
        port = fields.get(name)
        if (port is not None or name == "smtp_port") and not 1 <= int(port or 0) <= 65535:
            raise InboxConfigError(f"inbox {email}: {label} {port!r} is not between 1 and 65535")
    row = {
        "id": fields.get("id") or email,
        "email": email,
        "display_name": fields.get("display_name"),
        "smtp_host": fields["smtp_host"],
        "smtp_port": int(fields["smtp_port"]),
        "tls_mode": tls,
        "username": fields.get("username") or email,
        "password_env": password_env,
        "warmup_start": fields.get("warmup_start"),
        "warmup_ramp": ramp,
        "daily_cap": int(_given(fields.get("daily_cap"), 20)),
        "min_gap_seconds": int(_given(fields.get("min_gap_seconds"), 300)),
        "reply_to": fields.get("reply_to"),
        "imap_host": fields.get("imap_host"),
        "imap_port": fields.get("imap_port"),
        "imap_tls_mode": fields.get("imap_tls_mode"),
        "sent_folder": fields.get("sent_folder") or "Sent",
    }
    if row["daily_cap"] <= 0 or row["min_gap_seconds"] < 0:
        raise InboxConfigError(f"inbox {email}: daily cap must be positive and the gap not negative")
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in row if c not in ("id", "email"))
    con.execute(
        f"INSERT INTO inboxes ({columns}) VALUES ({marks}) "
        f"ON CONFLICT (email) DO UPDATE SET {updates}, updated_at = now()",
        list(row.values()),
    )
    return find_inbox(con, email)


def set_paused(con: duckdb.DuckDBPyConnection, key: str, paused: bool, reason: str | None) -> Inbox:
    inbox = find_inbox(con, key)
    con.execute(
        "UPDATE inboxes SET paused = ?, pause_reason = ?, paused_at = CASE WHEN ? THEN now() END, "
        "backoff_until = CASE WHEN ? THEN NULL ELSE backoff_until END, "
        "backoff_failures = CASE WHEN ? THEN 0 ELSE backoff_failures END, updated_at = now() "
        "WHERE id = ?",
        [paused, reason if paused else None, paused, not paused, not paused, inbox.id],
    )
    return find_inbox(con, inbox.id)


def backoff_delay(failures: int) -> timedelta:
    """Rest after the ``failures``-th consecutive connection failure: 5 min, doubling, at most 2 h."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, failures - 1))
