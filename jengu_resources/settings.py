"""Every environment variable Jengu reads, in one table: what it takes, its default, whether it is
a secret, and what it does.

Configuration lives only in the environment (secrets never in files). A value is read with
``read(NAME)``, which parses it by the table and raises ``SettingError`` naming the variable, its
value (never a secret's) and what is allowed. The code location checks the whole environment when
it loads (``validate``, from ``jengu_resources/definitions.py``), so a typo fails there, in the UI,
not hours later inside a run; ``jengu doctor`` lists every problem (``problems``) and names
``JENGU_*`` variables that Jengu does not read (``unknown``), which are likely typos.

An empty value means "not set": the default applies (``/etc/jengu/jengu.env`` lists every
variable, most of them empty). docs/configuration.md is generated from the table:

    python -m jengu_resources.settings --docs docs/configuration.md
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m jengu_resources.settings --docs docs/configuration.md -->"
DOCS_END = "<!-- END GENERATED -->"


class SettingError(ValueError):
    """A variable's value is not one its setting allows; the message names the variable."""


# -- kinds: how a variable's text becomes a value --------------------------------------------------
# ``parse`` raises ValueError with a detail that never quotes the text, which may be a secret.


@dataclass(frozen=True)
class Text:
    """Any text, stripped."""

    allowed: str = "text"

    def parse(self, text: str) -> str:
        return text


@dataclass(frozen=True)
class Number:
    """A finite number within bounds; ``whole`` for integers."""

    low: float | None = None
    high: float | None = None
    above: bool = False          # low itself is not allowed (rates: > 0)
    whole: bool = False

    @property
    def allowed(self) -> str:
        noun = "a whole number" if self.whole else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{noun} {'>' if self.above else '>='} {self.low:g}"
        return noun

    def parse(self, text: str) -> int | float:
        try:
            value = int(text) if self.whole else float(text)
        except ValueError:
            raise ValueError("") from None
        too_low = self.low is not None and (value < self.low or (self.above and value == self.low))
        too_high = self.high is not None and value > self.high
        if not math.isfinite(value) or too_low or too_high:
            raise ValueError("")
        return value


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True)
class Flag:
    """A boolean spelled as people spell them; anything else is a mistake, not "false"."""

    allowed: str = "true or false (also 1/0, yes/no, on/off)"

    def parse(self, text: str) -> bool:
        word = text.lower()
        if word not in _TRUE + _FALSE:
            raise ValueError("")
        return word in _TRUE


@dataclass(frozen=True)
class Choice:
    """One of a set of names, or (``many``) a comma list of them. ``values`` may be a function,
    so that the set comes from the module that owns it (a provider registry) when it is needed.
    Returns the canonical name (the comma list as given)."""

    values: Sequence[str] | Callable[[], Iterable[str]]
    aliases: Mapping[str, str] = field(default_factory=dict)
    many: bool = False
    fold_case: bool = True

    def names(self) -> list[str]:
        return list(self.values() if callable(self.values) else self.values)

    @property
    def allowed(self) -> str:
        names = ", ".join(self.names())
        if self.aliases:
            names += f" (also {', '.join(self.aliases)})"
        return f"a comma list of {names}" if self.many else f"one of {names}"

    def canonical(self, item: str) -> str:
        key = item.strip().lower().replace("-", "_") if self.fold_case else item.strip()
        key = self.aliases.get(key, key)
        if key not in self.names():
            raise ValueError(f"{item.strip()!r} is not known" if self.many else "")
        return key

    def parse(self, text: str) -> str:
        if not self.many:
            return self.canonical(text)
        for item in _items(text):
            self.canonical(item)
        return text


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


# ISO 3166-1 alpha-2: phonenumbers' regions less its two telephone-only ones (Ascension, Tristan da
# Cunha), plus the territories without a telephone plan. XK (Kosovo) is user-assigned but in use.
_NO_PHONE_PLAN = frozenset({"AQ", "BV", "GS", "HM", "PN", "TF", "UM"})
_NOT_ISO = {"UK": "GB", "EL": "GR"}


def iso_countries() -> frozenset[str]:
    from phonenumbers import SUPPORTED_REGIONS

    return frozenset(SUPPORTED_REGIONS - {"AC", "TA"}) | _NO_PHONE_PLAN


def _country(code: str) -> str:
    upper = code.strip().upper()
    if upper in _NOT_ISO:
        raise ValueError(f"{code.strip()!r} is not an ISO code (use {_NOT_ISO[upper]})")
    if upper not in iso_countries():
        raise ValueError(f"{code.strip()!r} is not an ISO 3166-1 alpha-2 country code")
    return upper


@dataclass(frozen=True)
class Countries:
    """A comma list of ISO 3166-1 alpha-2 country codes, any case; returned as given."""

    allowed: str = "a comma list of ISO 3166-1 alpha-2 country codes (gb, not uk)"

    def parse(self, text: str) -> str:
        for code in _items(text):
            _country(code)
        return text


_RULE = re.compile(r"^(?P<country>[^=:]+?)\s*(?:=\s*(?P<verb>[A-Za-z]*)\s*(?::.*)?)?$", re.S)


@dataclass(frozen=True)
class Jurisdictions:
    """Jurisdiction rules over the default ones, as jengu_assets.composition.compliance reads
    them; returned as given."""

    allowed: str = ("a comma list of CC=hold, CC=hold: reason or CC=allow, CC an ISO 3166-1 "
                    "alpha-2 country code")

    def parse(self, text: str) -> str:
        for entry in _items(text):
            found = _RULE.match(entry)
            verb = ((found and found["verb"]) or "hold").lower()
            if not found or verb not in ("hold", "allow"):
                raise ValueError(f"{entry!r} is not a rule")
            _country(found["country"])
        return text


@dataclass(frozen=True)
class Url:
    """A URL with one of ``schemes`` and a host; ``hosts`` (when given) are the only services
    it may name."""

    schemes: tuple[str, ...] = ("http", "https")
    hosts: tuple[str, ...] = ()
    example: str = ""

    @property
    def allowed(self) -> str:
        where = f" on {' or '.join(self.hosts)}" if self.hosts else ""
        what = "an http(s) URL" if self.schemes == ("http", "https") else f"a {self.schemes[0]} URL"
        return what + where + (f", e.g. {self.example}" if self.example else "")

    def parse(self, text: str) -> str:
        try:
            parts = urlsplit(text)
            parts.port   # raises on a port that is not a number
        except ValueError:
            raise ValueError("") from None
        if parts.scheme.lower() not in self.schemes or not parts.hostname:
            raise ValueError("")
        if self.hosts and not any(h in parts.hostname.lower() for h in self.hosts):
            raise ValueError("")
        return text


@dataclass(frozen=True)
class Email:
    """One bare address (no display name: its domain names Message-IDs)."""

    allowed: str = "one email address, e.g. ops@example.com"

    def parse(self, text: str) -> str:
        if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+", text):
            raise ValueError("")
        return text


@dataclass(frozen=True)
class Host:
    """A host name or IP address, without scheme or port."""

    allowed: str = "a host name or IP address"

    def parse(self, text: str) -> str:
        try:
            ipaddress.ip_address(text.strip("[]"))
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*\.?", text):
                raise ValueError("") from None
        return text


@dataclass(frozen=True)
class Routes:
    """The fetcher's sandbox routes, checked by the fetcher's own parser."""

    allowed: str = "a comma list of host=IP:PORT"

    def parse(self, text: str) -> str:
        from jengu_resources.fetcher import parse_routes

        parse_routes(text)
        return text


Kind = Text | Number | Flag | Choice | Countries | Jurisdictions | Url | Email | Host | Routes

RATE = Number(0, above=True)
PORT = Number(1, 65535, whole=True)
DAYS = Number(1, whole=True)
HTTP = Url()
PG_URL = Url(("postgresql", "postgresql+psycopg2"),
             example="postgresql+psycopg2://user:password@host:5432/db")


def _search_providers() -> list[str]:
    from jengu_resources.search import SEARCH_PROVIDERS

    return sorted(SEARCH_PROVIDERS)


def _webhook_formats() -> tuple[str, ...]:
    from jengu_resources.notify import FORMATS

    return FORMATS


def _tls_modes() -> tuple[str, ...]:
    from jengu_resources.notify import TLS_MODES

    return TLS_MODES


def _job_sources() -> tuple[str, ...]:
    from jengu_resources.job_boards import SOURCES

    return SOURCES


# -- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    help: str
    default: Any = None          # the value used when unset; None: off, or see default_doc
    default_doc: str = ""        # how the docs state the default, when the value alone does not
    secret: bool = False

    @property
    def allowed(self) -> str:
        return self.kind.allowed

    def shown_default(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.default is None:
            return "not set"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        if isinstance(self.default, float):
            return f"`{self.default:g}`"
        return f"`{self.default}`"


def _channel(prefix: str, what: str, fallback: bool) -> list[Setting]:
    """The webhook and email settings of one people-facing channel (notifications or alerts)."""
    inherit = "the `JENGU_NOTIFY_*` value" if fallback else ""
    return [
        Setting(f"{prefix}_WEBHOOK_URL", HTTP, f"the incoming webhook {what} are posted to; "
                "Slack and Discord put their token in the path", secret=True),
        Setting(f"{prefix}_WEBHOOK_FORMAT", Choice(_webhook_formats), "the webhook's JSON shape",
                default="generic"),
        Setting(f"{prefix}_EMAIL_TO", Email(), f"the address {what} are emailed to (empty: no "
                "email channel)"),
        Setting(f"{prefix}_EMAIL_FROM", Email(), "the sender address of those emails; its domain "
                "names their Message-IDs", default_doc=inherit),
        Setting(f"{prefix}_SMTP_HOST", Host(), "the SMTP server they go through",
                default_doc=inherit),
        Setting(f"{prefix}_SMTP_PORT", PORT, "its port", default=None if fallback else 587,
                default_doc=inherit),
        Setting(f"{prefix}_SMTP_TLS_MODE", Choice(_tls_modes), "its TLS",
                default=None if fallback else "starttls", default_doc=inherit),
        Setting(f"{prefix}_SMTP_USERNAME", Text(), "its login (empty: no AUTH)",
                default_doc=inherit),
        Setting(f"{prefix}_SMTP_PASSWORD", Text(), "its password", secret=True,
                default_doc=inherit),
    ]


GROUPS: dict[str, list[Setting]] = {
    "Local state and the Dagster instance": [
        Setting("JENGU_HOME", Text("a directory"), "local state: the CRM store, the Dagster home, "
                "imports, the page cache and the analyst file", default_doc="`var/` in the "
                "repository"),
        Setting("JENGU_DAGSTER_INSTANCE", Choice(("sqlite", "postgres"), fold_case=False),
                "where Dagster keeps runs, events and schedules", default="sqlite"),
        Setting("JENGU_DAGSTER_PG_URL", PG_URL, "with `postgres`: the Dagster database "
                "(URL-encode special characters of the password)", secret=True),
        Setting("JENGU_GIT_URL", Url(hosts=("github", "gitlab")), "asset pages in the UI link to "
                "the code in this repository", default_doc="the local file"),
        Setting("JENGU_GIT_BRANCH", Text(), "the branch of `JENGU_GIT_URL`", default="main"),
    ],
    "Job boards": [
        Setting("JENGU_JOB_SOURCES", Choice(_job_sources, {"serpapi": "google_jobs",
                                                           "google": "google_jobs"}, many=True),
                "the boards searched for postings", default_doc="every board whose keys are set"),
        Setting("ADZUNA_APP_ID", Text(), "Adzuna job search API application id", secret=True),
        Setting("ADZUNA_APP_KEY", Text(), "Adzuna job search API key", secret=True),
        Setting("ADZUNA_BASE_URL", HTTP, "Adzuna's API", default="https://api.adzuna.com"),
        Setting("ADZUNA_COUNTRIES", Countries(), "countries searched on Adzuna (those it has no "
                "index for are skipped)", default="us,gb,de,at,ch,fr,es,it,nl,pt,ie"),
        Setting("SERPAPI_KEY", Text(), "SerpApi key: Google Jobs", secret=True),
        Setting("SERPAPI_BASE_URL", HTTP, "SerpApi's API", default="https://serpapi.com"),
        Setting("SERPAPI_LOCATIONS", Text("a semicolon list of SerpApi locations"),
                "places searched on Google Jobs (locations contain commas themselves)",
                default="United States;United Kingdom;Germany;Austria;Switzerland;France;Spain;"
                "Italy;Netherlands;Portugal;Ireland"),
        Setting("JENGU_JOB_QUERIES", Text("a comma list of search queries"), "what is searched "
                "for, in every country and location", default="hotel front desk,hotel night "
                "auditor,hotel revenue manager,hotel reservations,hotel general manager"),
        Setting("JENGU_JOB_BOARD_RPS", RATE, "requests per second per board", default=2.0),
    ],
    "Enrichment: web search, web fetcher, email verification": [
        Setting("JENGU_SEARCH_PROVIDER", Choice(_search_providers), "the web search provider "
                "(set `JENGU_SEARCH_BASE_URL` with it)", default="duckduckgo"),
        Setting("JENGU_SEARCH_BASE_URL", HTTP, "the search provider's endpoint",
                default="https://html.duckduckgo.com"),
        Setting("JENGU_SEARCH_RPS", RATE, "search requests per second", default=1.0),
        Setting("JENGU_WEB_RPS", RATE, "web page requests per second, across all sites",
                default=20.0),
        Setting("JENGU_WEB_CACHE_TTL_SECONDS", Number(0), "age after which a cached page is "
                "fetched again (0: no cache)", default=7 * 86400.0, default_doc="`604800` (7 days)"),
        Setting("MILLIONVERIFIER_API_KEY", Text(), "MillionVerifier key; without it only offline "
                "checks run and no guessed address becomes sendable", secret=True),
        Setting("MILLIONVERIFIER_BASE_URL", HTTP, "MillionVerifier's API",
                default="https://api.millionverifier.com"),
        Setting("JENGU_VERIFIER_RPS", RATE, "verification requests per second", default=10.0),
        Setting("JENGU_CHECK_MX", Flag(), "look up MX records before paying for a verification "
                "(`false` on air-gapped machines)", default=True),
    ],
    "Research and composition: LLMs, spam gate, jurisdictions": [
        Setting("XAI_API_KEY", Text(), "Grok through xAI's OpenAI-compatible API, first in the "
                "LLM chain", secret=True),
        Setting("XAI_BASE_URL", HTTP, "xAI's API", default="https://api.x.ai/v1"),
        Setting("XAI_MODEL", Text(), "the Grok model", default="grok-3-mini"),
        Setting("ANTHROPIC_API_KEY", Text(), "Claude, second in the chain; without either key the "
                "offline provider (rules and templates) answers", secret=True),
        Setting("ANTHROPIC_BASE_URL", HTTP, "Anthropic's API", default_doc="the SDK's default"),
        Setting("ANTHROPIC_MODEL", Text(), "the Claude model", default="claude-sonnet-5-5"),
        Setting("JENGU_LLM_RPS", RATE, "requests per second per LLM provider", default=5.0),
        Setting("JENGU_SPAMD_HOST", Host(), "spamd for the spam gate", default="127.0.0.1"),
        Setting("JENGU_SPAMD_PORT", Number(0, 65535, whole=True), "spamd's port; 0: no spamd, "
                "the built-in heuristic scores", default=783),
        Setting("JENGU_SPAMD_CONCURRENCY", Number(1, whole=True), "spam checks in flight at once: "
                "spamd's `--max-children`", default=2),
        Setting("JENGU_SPAM_THRESHOLD", Number(), "spam score at or above which a draft is "
                "rewritten", default=5.0),
        Setting("JENGU_HELD_COUNTRIES", Jurisdictions(), "jurisdiction rules over the default, "
                "e.g. `AT=hold,DE=allow`; applied at composition and again before each send",
                default_doc="`DE` held (UWG §7)"),
    ],
    "Sending and replies": [
        Setting("JENGU_UNSUBSCRIBE_SECRET", Text(), "HMAC key of the per-recipient unsubscribe "
                "links; without it emails carry only the mailto link and `jengu "
                "unsubscribe-server` refuses to start", secret=True),
        Setting("JENGU_UNSUBSCRIBE_BASE_URL", HTTP, "where the https unsubscribe link points",
                default="http://127.0.0.1:8025"),
        Setting("JENGU_UNSUBSCRIBE_MAILTO", Email(), "the mailto unsubscribe address",
                default_doc="the sending inbox"),
        Setting("JENGU_SEND_SKIP_PROBABILITY", Number(0, 1), "human pace: the chance an inbox "
                "rests for a whole tick", default=0.3),
        Setting("JENGU_SEND_SEED", Number(whole=True), "a seed for repeatable pacing (demo, "
                "benchmarks, tests)", default_doc="a fresh random pace each tick"),
        Setting("JENGU_IMAP_MARK_SEEN", Flag(), "flag stored replies \\Seen on the server "
                "(default: the mailbox is left as people left it)", default=False),
    ],
    "Notifications (interested and uncertain replies)": _channel("JENGU_NOTIFY", "notifications",
                                                                 fallback=False),
    "Operational alerts (failed checks and runs, sender health)": _channel(
        "JENGU_ALERT", "alerts", fallback=True),
    "Maintenance": [
        Setting("JENGU_ARCHIVE_AFTER_DAYS", DAYS, "archive prospects silent for this many days",
                default=30),
        Setting("JENGU_RETENTION_DAYS", DAYS, "drop email bodies and raw mail older than this",
                default=90),
    ],
    "Production units (deploy/)": [
        Setting("JENGU_CODE_SERVER_HOST", Host(), "where the code server listens and the "
                "webserver and daemon find it"),
        Setting("JENGU_CODE_SERVER_PORT", PORT, "the code server's port"),
        Setting("JENGU_WEBSERVER_PORT", PORT, "the UI's loopback port"),
        Setting("JENGU_UNSUBSCRIBE_PORT", PORT, "loopback port of jengu-unsubscribe.service"),
        Setting("JENGU_BACKUP_DIR", Text("a directory"), "where jengu-backup.service writes"),
        Setting("JENGU_BACKUP_KEEP_DAYS", DAYS, "backups older than this are removed", default=14),
    ],
    "Sandbox, demo and tests (never in production)": [
        Setting("JENGU_SANDBOX_ROUTES", Routes(), "the only loopback addresses the fetcher may "
                "reach (set by the sandbox)"),
        Setting("JENGU_DEMO_INBOX_PASSWORD", Text(), "the demo inbox's password (set by "
                "`jengu demo`)", secret=True),
        Setting("JENGU_TEST_ARTIFACTS", Text("a directory"), "where the browser test saves its "
                "screenshots", default_doc="`test-artifacts/`"),
        Setting("JENGU_TEST_PG_URL", PG_URL, "the PostgreSQL the tests use", secret=True,
                default_doc="the local `test` database"),
    ],
}

SETTINGS: tuple[Setting, ...] = tuple(s for group in GROUPS.values() for s in group)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
SECRETS: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.secret)


# -- reading --------------------------------------------------------------------------------------

def _shown(setting: Setting, text: str) -> str:
    return f"{setting.name} (a secret, value not shown)" if setting.secret else \
        f"{setting.name}={text!r}"


def read(name: str, env: Mapping[str, str] = os.environ) -> Any:
    """The value of ``name`` parsed by the table, or None when unset or empty."""
    setting = BY_NAME[name]
    text = (env.get(name) or "").strip()
    if not text:
        return None
    try:
        return setting.kind.parse(text)
    except ValueError as exc:
        detail = str(exc) if not setting.secret else ""
        reason = f"{detail}; expected {setting.allowed}" if detail else \
            f"expected {setting.allowed}"
        # from None: the parser's own exception may quote the value.
        raise SettingError(f"{_shown(setting, text)} is invalid: {reason}") from None


def problems(env: Mapping[str, str] = os.environ) -> list[str]:
    """One message per variable whose value the table does not allow."""
    found = []
    for setting in SETTINGS:
        try:
            read(setting.name, env)
        except SettingError as exc:
            found.append(str(exc))
    return found


def validate(env: Mapping[str, str] = os.environ) -> None:
    """Raise one ``SettingError`` naming every invalid variable."""
    found = problems(env)
    if found:
        raise SettingError("invalid configuration (docs/configuration.md): " + "; ".join(found))


def _stem(name: str) -> str:
    return name.removeprefix("JENGU_")


def closest(name: str) -> str | None:
    """The known variable ``name`` was most likely meant to be. Compared without the ``JENGU_``
    prefix, which every name would otherwise share with it (and which a typo may add to a
    provider's key)."""
    stems = {_stem(known): known for known in BY_NAME}
    found = difflib.get_close_matches(_stem(name), stems, n=1, cutoff=0.75)
    return stems[found[0]] if found else None


def unknown(env: Mapping[str, str] = os.environ, ignore: Iterable[str] = ()
            ) -> list[tuple[str, str | None]]:
    """``JENGU_*`` variables set that Jengu does not read, each with the closest known name.
    ``ignore``: names Jengu reads by reference (the inboxes' password variables)."""
    skip = set(ignore)
    return [(name, closest(name)) for name in sorted(env)
            if name.startswith("JENGU_") and name not in BY_NAME and name not in skip]


# -- docs -----------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """The tables of docs/configuration.md, one per group."""
    parts = []
    for title, group in GROUPS.items():
        rows = [f"### {title}", "", "| Variable | Secret | Allowed | Default | What it does |",
                "|---|---|---|---|---|"]
        rows += [f"| `{s.name}` | {'secret' if s.secret else ''} | {_cell(s.allowed)} | "
                 f"{_cell(s.shown_default())} | {_cell(s.help)} |" for s in group]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"


def docs_with_tables(page: str) -> str:
    """``page`` with the text between the generated-section markers replaced by ``markdown()``."""
    head, begin, rest = page.partition(DOCS_BEGIN)
    _, end, tail = rest.partition(DOCS_END)
    if not begin or not end:
        raise ValueError(f"the page has no {DOCS_BEGIN!r} ... {DOCS_END!r} section")
    return f"{head}{DOCS_BEGIN}\n\n{markdown()}\n{DOCS_END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Jengu's configuration table as Markdown")
    parser.add_argument("--docs", type=Path, metavar="PAGE",
                        help="rewrite the generated section of PAGE instead of printing")
    args = parser.parse_args(argv)
    if args.docs:
        args.docs.write_text(docs_with_tables(args.docs.read_text(encoding="utf-8")),
                             encoding="utf-8")
    else:
        print(markdown(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
