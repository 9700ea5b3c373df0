"""Notifications for people: a chat webhook (Slack, Discord or any JSON endpoint) and an email.

``Notifier`` is the resource; ``Notifier.session()`` opens one HTTP client and, on the first email,
one SMTP connection for a batch of deliveries. ``render`` turns a notification's payload into what
a person reads, with personal email addresses masked; ``render_alert`` does the same for an
operational alert (jengu_assets/alerting.py delivers them through a second ``Notifier``).

The webhook goes through a throttle ``Provider`` (a rate limit, retries on connection errors and on
429/5xx honouring ``Retry-After`` up to ``max_retry_wait_seconds``, a circuit breaker that stops
trying a dead endpoint for the rest of the batch). A ``Retry-After`` longer than that bound is not
waited for in-process: the error carries it, so the caller schedules the next attempt after it.
Every request carries an ``Idempotency-Key`` header, and every email a Message-ID derived from the
same key, so that a receiver can fold the repeat that a timed-out-but-delivered attempt causes.

Configuration, wired in ``jengu_resources/definitions.py``:

================================ ================================================================
``JENGU_NOTIFY_WEBHOOK_URL``     secret (Slack and Discord put the token in the path); empty: no
                                 webhook channel
``JENGU_NOTIFY_WEBHOOK_FORMAT``  ``slack``, ``discord`` or ``generic`` (default)
``JENGU_NOTIFY_EMAIL_TO``        one address; empty: no email channel
``JENGU_NOTIFY_EMAIL_FROM``      the sender address (its domain names the Message-IDs)
``JENGU_NOTIFY_SMTP_HOST``       with ``_PORT``, ``_TLS_MODE``, ``_USERNAME``; ``_PASSWORD`` secret
================================ ================================================================

The webhook URL and the SMTP password never reach an error message, a log line (httpx logs every
request URL at INFO; a filter on its logger blanks registered webhook URLs) or a ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import httpx
from pydantic import Field

from jengu_resources.redaction import SecretScrubber, mask_addresses, mask_email
from jengu_resources.smtp import OutgoingEmail, SmtpSession, SmtpSettings, _secret_forms
from jengu_resources.throttle import (
    CircuitOpenError,
    Provider,
    ProviderError,
    ProviderLimits,
    retry_after_seconds,
)

WEBHOOK, EMAIL = "webhook", "email"
FORMATS = ("slack", "discord", "generic")
TLS_MODES = ("starttls", "implicit", "none")
QUOTE_CHARS = 300
MAX_ERROR_CHARS = 300
# Failed sends in a row after which a channel is left alone for the rest of the batch: a dead
# endpoint would otherwise cost every queued notification its full timeout and retries.
CHANNEL_BREAKER_FAILURES = 2

_HEADER_SAFE = re.compile(r"^[!-~]{1,200}$")

# Chat platforms' documented size limits; longer values are refused with a 400, not cut.
_SLACK_HEADER, _SLACK_SECTION, _SLACK_FIELD, _SLACK_FIELDS = 150, 3000, 2000, 10
_DISCORD_CONTENT, _DISCORD_TITLE, _DISCORD_DESCRIPTION = 2000, 256, 4096
_DISCORD_FIELD_NAME, _DISCORD_FIELD_VALUE, _DISCORD_FIELDS = 256, 1024, 25

log = logging.getLogger(__name__)


class NotifyError(RuntimeError):
    """A channel did not take the notification. The message names the channel and never holds the
    webhook URL or the SMTP password.

    ``retry_after``: seconds the receiver asked us to wait before the next try (longer than the
    in-process bound). ``attempted``: False when the channel was not even tried this time (its
    breaker is open after failures earlier in the batch), so no attempt should be counted."""

    def __init__(self, channel: str, message: str, *, retry_after: float | None = None,
                 attempted: bool = True) -> None:
        self.channel, self.retry_after, self.attempted = channel, retry_after, attempted
        super().__init__(f"{channel}: {message}")


# -- what people read ------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    if value is None:
        return ""
    return mask_addresses(" ".join(str(value).split()))


def _quote(value: Any) -> str:
    text = _clean(value)
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rstrip() + "…"


def _confidence(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return ""


def render(kind: str, payload: Mapping[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(title, text, fields) for a person. Payload keys read (the second name is accepted too):
    ``company``/``company_name``, ``contact``/``contact_name``, ``from``/``from_email``,
    ``intent``, ``confidence``, ``quote``/``reply_text``, ``subject``, ``reason``, ``message``
    (other kinds' text), ``prospect_id``, ``link``, ``inbound_id``. Missing ones are left out;
    addresses are masked."""
    p = payload or {}
    company = _clean(p.get("company") or p.get("company_name"))
    contact = _clean(p.get("contact") or p.get("contact_name"))
    address = str(p.get("from") or p.get("from_email") or "").strip()
    sender = mask_email(address) if address else ""
    intent = _clean(p.get("intent"))
    intent_label = intent.replace("_", " ")
    confidence = _confidence(p.get("confidence"))
    quote = _quote(p.get("quote") or p.get("reply_text"))
    reason = _clean(p.get("reason"))
    inbound = _clean(p.get("inbound_id"))
    who = contact or sender or "Someone"
    at = f" at {company}" if company else ""
    judged = ", ".join(x for x in (intent_label, confidence and f"confidence {confidence}") if x)
    judged = f" ({judged})" if judged else ""

    if kind == "reply_interest":
        what = "Meeting request" if intent == "meeting_request" else "Interested reply"
        title = f"{what} from {company or who}"
        lead = f"{who}{at} replied{judged}. Answer while it is warm."
    elif kind == "reply_uncertain":
        title = f"Reply to check: {company or who}"
        lead = (f"{who}{at} replied, but the reading is unsure{judged}. "
                "Check the intent before anything else happens.")
    elif kind == "reply_challenge":
        title = f"Sender check: {company or who}"
        lead = (f"The mail filter of {who}{at} holds our email until someone confirms the "
                "sender. Confirm it by hand if the lead is worth it; Jengu never follows such "
                "links.")
    elif kind == "reply_review":
        title = f"Unmatched reply from {sender or who}"
        lead = ("A reply arrived that matches no prospect" + (f" ({reason})" if reason else "")
                + judged + ". "
                + (f"Place it with `jengu inbound assign {inbound} PROSPECT_ID`, or dismiss it."
                   if inbound else "Match it by hand or dismiss it."))
    else:
        title = kind.replace("_", " ").strip().capitalize() or "Notification"
        if company:
            title += f": {company}"
        lead = _clean(p.get("message")) or reason or (
            f"{who}{at}." if company or contact or sender else "")
    text = lead + (f"\n\n> {quote}" if quote else "")

    fields = {
        "Company": company,
        "Contact": contact,
        "From": sender,
        "Intent": intent_label,
        "Confidence": confidence,
        "Subject": _clean(p.get("subject")),
        "Prospect": _clean(p.get("prospect_id")),
        "Link": _clean(p.get("link")),
        "Inbound message": inbound,
    }
    return title, text.strip(), {k: v for k, v in fields.items() if v}


def _alert_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(
            json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list))
            else str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return _quote(value)


def render_alert(alert_type: str, severity: str, message: str, payload: Mapping[str, Any],
                 *, repeats: int = 0, fold_minutes: int = 5,
                 first_seen: datetime | None = None) -> tuple[str, str, dict[str, str]]:
    """(title, text, fields) of an operational alert. Every payload entry becomes a field (lists
    joined, nested values as JSON), and every email address anywhere in it is masked: a payload
    is whatever its writer put there, so no key is trusted to be free of personal data."""
    label = alert_type.replace("_", " ").strip().capitalize() or "Alert"
    title = f"[{_clean(severity).upper() or 'ALERT'}] {_clean(message) or label}"
    text = ""
    if len(title) > _SLACK_HEADER:
        # Chat headers are short: the whole message goes in the text instead.
        title = title[:_SLACK_HEADER - 1].rstrip() + "…"
        text = mask_addresses(message.strip())
    if repeats:
        times = "time" if repeats == 1 else "times"
        text += (f"\n\nRepeated {repeats} more {times} within {fold_minutes} minutes; the "
                 "repeats were folded into this alert.")
    fields = {"Alert": label}
    if repeats:
        fields["Repeats"] = str(repeats)
    if first_seen is not None:
        fields["First seen"] = first_seen.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    for key, value in (payload or {}).items():
        shown = _alert_value(value)
        if shown:
            fields[_clean(key).replace("_", " ").capitalize()] = shown
    return title, text.strip(), fields


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions (<!channel> pings everyone); a reply's text is the
    # prospect's, so it must never reach Slack as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(fmt: str, *, kind: str, title: str, text: str, fields: Mapping[str, str],
                 idempotency_key: str) -> dict[str, Any]:
    """The JSON a webhook of format ``fmt`` expects."""
    if fmt == "slack":
        # Our own quote marker stays markup; everything else is escaped.
        mrkdwn = re.sub(r"(?m)^&gt; ", "> ", _slack_escape(text))
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": title[:_SLACK_HEADER]}},
        ]
        if mrkdwn:
            blocks.append({"type": "section",
                           "text": {"type": "mrkdwn", "text": mrkdwn[:_SLACK_SECTION]}})
        if fields:
            blocks.append({"type": "section", "fields": [
                {"type": "mrkdwn",
                 "text": f"*{_slack_escape(k)}*\n{_slack_escape(v)}"[:_SLACK_FIELD]}
                for k, v in list(fields.items())[:_SLACK_FIELDS]
            ]})
        return {"text": _slack_escape(title), "blocks": blocks}
    if fmt == "discord":
        return {
            "content": title[:_DISCORD_CONTENT],
            "embeds": [{
                "title": title[:_DISCORD_TITLE],
                "description": text[:_DISCORD_DESCRIPTION],
                "fields": [
                    {"name": k[:_DISCORD_FIELD_NAME], "value": v[:_DISCORD_FIELD_VALUE],
                     "inline": True}
                    for k, v in list(fields.items())[:_DISCORD_FIELDS]
                ],
            }],
            # A reply containing @everyone must not ping the channel.
            "allowed_mentions": {"parse": []},
        }
    if fmt == "generic":
        return {"kind": kind, "title": title, "text": text, "fields": dict(fields),
                "idempotency_key": idempotency_key}
    raise ValueError(f"unknown webhook format {fmt!r} (one of {', '.join(FORMATS)})")


def email_text(title: str, text: str, fields: Mapping[str, str]) -> str:
    lines = [title, "", text, ""] if text else [title, ""]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return "\n".join(lines).rstrip() + "\n"


def message_id_for(idempotency_key: str, from_email: str) -> str:
    """The same Message-ID for every attempt at one notification, so a mailbox folds repeats."""
    domain = from_email.strip().rpartition("@")[2].strip().lower()
    if not domain or not domain.isascii() or not re.fullmatch(r"[a-z0-9.-]+", domain):
        domain = "jengu.invalid"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<notify.{digest}@{domain}>"


def _header_key(idempotency_key: str) -> str:
    if _HEADER_SAFE.match(idempotency_key):
        return idempotency_key
    return "sha256:" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


# -- secrets in httpx's request log ----------------------------------------------------------------


def _url_secrets(url: str) -> set[str]:
    """The parts of a webhook URL that can hold its secret: the path and the last path segment
    (Slack: /services/T../B../token, Discord: /api/webhooks/id/token), the query, a userinfo.
    The scheme and host stay readable in logs, so a person can still tell which endpoint failed."""
    url = url.strip()
    if not url:
        return set()
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    found = set()
    if len(parts.path) > 1:
        found.add(parts.path)
        # A server may echo just the token.
        last = parts.path.rstrip("/").rpartition("/")[2]
        if len(last) >= 8:
            found.add(last)
    if parts.query:
        found.add(parts.query)
    for credential in (parts.username, parts.password):
        if credential:
            found.add(credential)
    return found


class _HttpxLogScrubber(logging.Filter):
    jengu_notify_scrubs = True

    def __init__(self) -> None:
        super().__init__()
        self.scrub = SecretScrubber(min_length=1)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _httpx_log_scrubber() -> _HttpxLogScrubber:
    # httpx logs "HTTP Request: POST <url>" on the "httpx" logger itself; a filter there sees it.
    logger = logging.getLogger("httpx")
    for existing in logger.filters:
        if getattr(existing, "jengu_notify_scrubs", False):
            return existing  # type: ignore[return-value]
    scrubber = _HttpxLogScrubber()
    logger.addFilter(scrubber)
    return scrubber


# -- the resource ----------------------------------------------------------------------------------


class Notifier(dg.ConfigurableResource):
    """Where notifications for people go: a webhook, an email address, or both."""

    webhook_url: str = Field(
        default="", repr=False,
        description="Incoming-webhook URL (secret: Slack and Discord embed a token in the path); "
        "empty: no webhook channel.",
    )
    webhook_format: str = Field(default="generic", description="slack, discord or generic JSON.")
    email_to: str = Field(default="", description="Recipient address; empty: no email channel.")
    email_from: str = Field(default="", description="Sender address.")
    smtp_host: str = Field(default="", description="SMTP server for notification emails.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_tls_mode: str = Field(default="starttls", description="starttls, implicit or none.")
    smtp_username: str = Field(default="", description="SMTP login; empty: no AUTH.")
    smtp_password: str = Field(default="", repr=False, description="SMTP password (secret).")
    timeout_seconds: float = Field(default=10.0, description="Deadline per request or command.")
    requests_per_second: float = Field(
        default=1.0, description="Webhook requests per second (Slack allows about one)."
    )
    max_attempts: int = Field(default=3, description="Webhook attempts per delivery.")
    backoff_seconds: float = Field(default=1.0, description="First webhook retry wait; doubles.")
    max_retry_wait_seconds: float = Field(
        default=10.0,
        description="Longest Retry-After waited for in-process; a longer one defers the "
        "notification to a later tick instead of holding this one up.",
    )
    env_prefix: str = Field(
        default="JENGU_NOTIFY",
        description="Prefix of the environment variables this notifier was configured from, "
        "named in configuration problems (JENGU_ALERT for the alert channels).",
    )

    def channels(self) -> list[str]:
        """The configured channels, in delivery order."""
        found = []
        if self.webhook_url.strip():
            found.append(WEBHOOK)
        if self.email_to.strip():
            found.append(EMAIL)
        return found

    def problems(self) -> list[str]:
        """Configuration mistakes that would fail every delivery the same way (no secrets)."""
        env = self.env_prefix
        problems = []
        if self.webhook_url.strip():
            scheme = urlsplit(self.webhook_url.strip()).scheme.lower()
            if scheme not in ("http", "https"):
                problems.append(f"{env}_WEBHOOK_URL must be an http(s) URL")
            if self.webhook_format.strip().lower() not in FORMATS:
                problems.append(f"{env}_WEBHOOK_FORMAT={self.webhook_format!r} is not one "
                                f"of {', '.join(FORMATS)}")
        if self.email_to.strip():
            if "@" not in self.email_to:
                problems.append(f"{env}_EMAIL_TO is not an email address")
            if "@" not in self.email_from:
                problems.append(f"{env}_EMAIL_FROM must be set to a sender address")
            if not self.smtp_host.strip():
                problems.append(f"{env}_SMTP_HOST must be set for the email channel")
            if self.smtp_tls_mode not in TLS_MODES:
                problems.append(f"{env}_SMTP_TLS_MODE={self.smtp_tls_mode!r} is not one "
                                f"of {', '.join(TLS_MODES)}")
        return problems

    def limits(self) -> ProviderLimits:
        return ProviderLimits(
            requests_per_second=self.requests_per_second,
            max_concurrency=1,
            max_attempts=max(1, self.max_attempts),
            backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=max(self.backoff_seconds, self.max_retry_wait_seconds),
            max_retry_wait_seconds=self.max_retry_wait_seconds,
            breaker_failures=CHANNEL_BREAKER_FAILURES,
            # One session is one batch: once open, the breaker stays open for the batch.
            breaker_reset_seconds=24 * 3600.0,
        )

    def smtp_settings(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.smtp_host.strip(),
            port=self.smtp_port,
            tls_mode=self.smtp_tls_mode,  # type: ignore[arg-type]
            username=self.smtp_username.strip() or None,
            password=self.smtp_password or None,
            timeout_seconds=self.timeout_seconds,
            connect_timeout_seconds=self.timeout_seconds,
        )

    def _scrubber(self) -> SecretScrubber:
        secrets = _url_secrets(self.webhook_url)
        secrets.update(_secret_forms(self.smtp_username or None, self.smtp_password or None))
        return SecretScrubber(secrets, min_length=1)

    @asynccontextmanager
    async def session(
        self, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> AsyncIterator[NotifierSession]:
        """One batch of deliveries; open it inside the event loop that will use it."""
        _httpx_log_scrubber().scrub.add(_url_secrets(self.webhook_url))
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout_seconds, connect=min(5.0, self.timeout_seconds)),
            headers={"User-Agent": "jengu/0.1"},
            # A redirect would send the notification (and the token in the path) elsewhere.
            follow_redirects=False,
            transport=transport,
        )
        session = NotifierSession(self, http, self._scrubber())
        try:
            yield session
        finally:
            try:
                await session.aclose()
            finally:
                await http.aclose()

    async def send_webhook(self, *, title: str, text: str, fields: Mapping[str, str],
                           idempotency_key: str, kind: str = "",
                           transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Post one notification to the webhook; raises NotifyError when it did not take it."""
        async with self.session(transport=transport) as session:
            await session.send_webhook(title=title, text=text, fields=fields,
                                       idempotency_key=idempotency_key, kind=kind)

    async def send_email(self, *, subject: str, text: str, idempotency_key: str) -> None:
        """Send one notification email; raises NotifyError when the server did not accept it."""
        async with self.session() as session:
            await session.send_email(subject=subject, text=text, idempotency_key=idempotency_key)


class _RetryLater(Exception):
    """A 429/503 whose Retry-After is longer than we wait in-process."""

    def __init__(self, status: int, seconds: float) -> None:
        super().__init__(f"HTTP {status}, retry after {seconds:.0f} s")
        self.status, self.seconds = status, seconds


class NotifierSession:
    """The clients of one batch: one HTTP client and a lazily opened SMTP connection."""

    def __init__(self, notifier: Notifier, http: httpx.AsyncClient, scrub: SecretScrubber) -> None:
        self.notifier = notifier
        self._http = http
        self._scrub = scrub
        self._provider = Provider(WEBHOOK, notifier.limits())
        self._smtp: SmtpSession | None = None
        self._email_failures = 0

    async def aclose(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            await smtp.__aexit__(None, None, None)

    def _error(self, channel: str, message: str, **kwargs: Any) -> NotifyError:
        cleaned = " ".join(self._scrub(message).split())[:MAX_ERROR_CHARS]
        return NotifyError(channel, cleaned, **kwargs)

    async def send(self, channel: str, *, kind: str, title: str, text: str,
                   fields: Mapping[str, str], idempotency_key: str) -> None:
        if channel == WEBHOOK:
            await self.send_webhook(kind=kind, title=title, text=text, fields=fields,
                                    idempotency_key=idempotency_key)
        elif channel == EMAIL:
            await self.send_email(subject=f"[Jengu] {title}", text=email_text(title, text, fields),
                                  idempotency_key=idempotency_key)
        else:
            raise NotifyError(channel, "unknown channel")

    async def send_webhook(self, *, title: str, text: str, fields: Mapping[str, str],
                           idempotency_key: str, kind: str = "") -> None:
        n = self.notifier
        url = n.webhook_url.strip()
        if not url:
            raise NotifyError(WEBHOOK, "no webhook URL configured", attempted=False)
        try:
            body = webhook_body(n.webhook_format.strip().lower(), kind=kind, title=title, text=text,
                                fields=fields, idempotency_key=idempotency_key)
        except ValueError as exc:
            raise self._error(WEBHOOK, str(exc)) from None
        headers = {"Idempotency-Key": _header_key(idempotency_key)}
        bound = n.max_retry_wait_seconds

        async def post() -> httpx.Response:
            response = await self._http.post(url, json=body, headers=headers)
            if response.status_code in (429, 503):
                wait = retry_after_seconds(response)
                if wait is not None and wait > bound:
                    await response.aclose()
                    raise _RetryLater(response.status_code, wait)
            return response

        try:
            response = await self._provider.call(post)
        except CircuitOpenError:
            raise NotifyError(WEBHOOK, f"not tried: {CHANNEL_BREAKER_FAILURES} failures in a row "
                              "earlier in this batch", attempted=False) from None
        except ProviderError as exc:
            raise self._error(WEBHOOK, str(exc).split(": ", 1)[-1]) from None
        except _RetryLater as later:
            raise self._error(WEBHOOK, f"HTTP {later.status}, asked to retry after "
                              f"{later.seconds:.0f} s", retry_after=later.seconds) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self._error(WEBHOOK, f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            detail = " ".join(response.text.split())[:120]
            raise self._error(WEBHOOK, f"HTTP {response.status_code}"
                              + (f": {detail}" if detail else ""))

    async def send_email(self, *, subject: str, text: str, idempotency_key: str) -> None:
        n = self.notifier
        if not n.email_to.strip():
            raise NotifyError(EMAIL, "no recipient configured", attempted=False)
        if self._email_failures >= CHANNEL_BREAKER_FAILURES:
            raise NotifyError(EMAIL, f"not tried: {CHANNEL_BREAKER_FAILURES} failures in a row "
                              "earlier in this batch", attempted=False)
        try:
            if self._smtp is None:
                self._smtp = SmtpSession(n.smtp_settings())
            email = OutgoingEmail(
                message_id=message_id_for(idempotency_key, n.email_from),
                from_email=n.email_from.strip(),
                from_name="Jengu",
                to_email=n.email_to.strip(),
                subject=subject,
                body=text,
                date=datetime.now(timezone.utc),
            )
            outcome = await self._smtp.send(email)
        except ValueError as exc:
            self._email_failures += 1
            raise self._error(EMAIL, f"cannot build the message: {exc}") from None
        if not outcome.delivered:
            # A connection lost after the body may have delivered it; trying again is still right
            # for a notification (a repeat, folded by its Message-ID, beats a lost one).
            self._email_failures += 1
            code = f" {outcome.code}" if outcome.code else ""
            unsure = " (may have been delivered)" if outcome.maybe_delivered else ""
            raise self._error(EMAIL, f"{outcome.stage}{code} {outcome.message}{unsure}")
        self._email_failures = 0


__all__ = [
    "EMAIL", "FORMATS", "WEBHOOK", "Notifier", "NotifierSession", "NotifyError", "email_text",
    "message_id_for", "render", "render_alert", "webhook_body",
]
