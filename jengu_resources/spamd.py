"""Spam scoring for outgoing drafts: SpamAssassin's spamd when it answers, a heuristic otherwise.

``SpamChecker.check(message_bytes)`` sends the whole RFC 5322 message to spamd over TCP with the
SPAMC/1.5 protocol (``SYMBOLS``: one request per connection, the answer carries the score, the
required score and the names of the rules that hit) and returns a ``SpamVerdict``. When spamd is
disabled (``port=0``), unreachable, too slow or answers nonsense, the same call scores the message
with ``heuristic_verdict``, a pure function on SpamAssassin's scale (5.0 means spam), and the
verdict's ``source`` and ``detail`` say so: a gate never blocks because a daemon is down, and
nobody mistakes a guess for SpamAssassin's opinion.

``start_spamd()`` runs a private spamd on 127.0.0.1 for tests and the sandbox: local rules only
(``-L``, no DNS blocklists), no per-user configuration (``-x``), a throw-away home directory.

Debian packages: ``spamassassin`` (rules, ``/usr/share/spamassassin``), ``spamd`` (the daemon) and
``spamc``. The shipped rules work offline without ``sa-update``; ``sa-compile`` only makes body
rules faster.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal, Self

import dagster as dg
from pydantic import Field

log = logging.getLogger(__name__)

Source = Literal["spamd", "heuristic"]

DEFAULT_PORT = 783
# Children of the private spamd (-m), and so the checks one process keeps in flight by default: a
# message spends ~50 ms in a child, and the drafts waiting for one wait here, not inside spamd.
SPAMD_CHILDREN = 2
INSTALL_HINT = "apt-get install -y spamassassin spamc"
# spamc's own default: larger messages are not worth a daemon's time and are not outreach drafts.
MAX_MESSAGE_BYTES = 500 * 1024
_MAX_ANSWER_BYTES = 256 * 1024
_SPAMD_PATHS = ("/usr/sbin/spamd", "/usr/local/sbin/spamd", "/usr/bin/spamd")


@dataclass(frozen=True)
class SpamVerdict:
    score: float
    threshold: float
    rules: list[str]
    source: Source
    detail: str = ""
    """Why the heuristic was used, or spamd's own required score when it differs from ours."""

    @property
    def is_spam(self) -> bool:
        return self.score >= self.threshold


class SpamdError(RuntimeError):
    """spamd answered, but not with a verdict (protocol error, refused message)."""


class SpamdUnavailable(RuntimeError):
    """A local spamd could not be started."""


# -- the SPAMC/SPAMD protocol ---------------------------------------------------------------------

_STATUS = re.compile(rb"^SPAMD/(\d+\.\d+)\s+(\d+)\s*(.*)$")
_SPAM_HEADER = re.compile(
    r"^\s*(true|false|yes|no)\s*;\s*(-?\d+(?:\.\d+)?)\s*/\s*(-?\d+(?:\.\d+)?)\s*$", re.IGNORECASE
)


def symbols_request(message: bytes) -> bytes:
    return b"SYMBOLS SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(message) + message


def parse_spamd_answer(answer: bytes) -> tuple[float, float, list[str]]:
    """``(score, required_score, rules)`` from spamd's answer to ``SYMBOLS`` or ``CHECK``.
    Raises ``SpamdError`` for anything else."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = _STATUS.match(lines[0].strip()) if lines and lines[0] else None
    if status is None:
        raise SpamdError(f"not a spamd answer: {answer[:80]!r}")
    code, message = int(status.group(2)), status.group(3).decode("latin-1").strip()
    if code != 0:
        raise SpamdError(f"spamd error {code}: {message}")
    if not sep:
        raise SpamdError("spamd answer ends inside its headers")
    spam_value: str | None = None
    length: int | None = None
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "spam":
            spam_value = value
        elif name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    if spam_value is None:
        raise SpamdError("spamd answer without a Spam header")
    parsed = _SPAM_HEADER.match(spam_value)
    if parsed is None:
        raise SpamdError(f"unreadable Spam header: {spam_value.strip()!r}")
    if length is not None:
        body = body[:length]
    rules = [r.strip() for r in body.decode("latin-1").split(",") if r.strip()]
    # "+ 0.0" turns the "-0.0" spamd writes for a clean message into 0.0.
    return float(parsed.group(2)) + 0.0, float(parsed.group(3)), rules


async def _exchange(host: str, port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        # spamd closes the connection after its answer; a cap keeps a wrong peer from flooding us.
        answer = b""
        while len(answer) < _MAX_ANSWER_BYTES:
            chunk = await reader.read(_MAX_ANSWER_BYTES - len(answer))
            if not chunk:
                break
            answer += chunk
        return answer
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def spamd_symbols(host: str, port: int, message: bytes, *, timeout_seconds: float = 5.0,
                        threshold: float | None = None) -> SpamVerdict:
    """SpamAssassin's verdict on ``message`` from the spamd at ``host:port``.

    ``threshold`` replaces spamd's required score in the verdict (the detail keeps spamd's).
    Raises ``OSError`` (unreachable), ``TimeoutError`` and ``SpamdError``."""
    async with asyncio.timeout(timeout_seconds):
        answer = await _exchange(host, port, symbols_request(message))
    score, required, rules = parse_spamd_answer(answer)
    detail = f"spamd at {host}:{port}"
    if threshold is not None and threshold != required:
        detail += f" (its own required score is {required:g})"
    return SpamVerdict(score, required if threshold is None else threshold, rules, "spamd", detail)


def _ping_sync(host: str, port: int, timeout_seconds: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds) as sock:
            sock.settimeout(timeout_seconds)
            sock.sendall(b"PING SPAMC/1.5\r\n\r\n")
            answer = sock.recv(256)
    except OSError:
        return False
    return answer.startswith(b"SPAMD/") and b"PONG" in answer


# -- the heuristic --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeuristicRule:
    name: str
    score: float
    description: str


def _phrases(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$€])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


# Phrase rules in English, German, French, Spanish, Italian and Dutch (the hotels' languages).
# Words that ordinary business mail uses all the time ("unverbindlich", "sans engagement",
# "discount", "premio" = award) are left out on purpose: they would punish good drafts.
_PHRASE_RULES: tuple[tuple[HeuristicRule, re.Pattern[str]], ...] = (
    (HeuristicRule("JH_FREE", 0.6, "'free' as a selling point"), _phrases(
        r"(?<!feel\s)free(?!\s+to\b)(?!-)", r"kostenlos\w*", r"gratis", r"umsonst",
        r"gratuit[e]?s?", r"gratuit[oa]s?",
    )),
    (HeuristicRule("JH_GUARANTEE", 0.8, "a guarantee"), _phrases(
        r"guarantee[ds]?", r"garantiert", r"garantie", r"garanti[e]?s?", r"garantizad[oa]s?",
        r"garantit[oa]", r"gegarandeerd",
    )),
    (HeuristicRule("JH_ACT_NOW", 1.5, "a call to act now"), _phrases(
        r"act now", r"order now", r"buy now", r"call now", r"apply now", r"jetzt handeln",
        r"jetzt kaufen", r"sofort handeln", r"jetzt bestellen", r"agissez maintenant",
        r"achetez maintenant", r"act[uú]e ahora", r"compre ahora", r"agisci ora",
        r"acquista ora", r"handel nu", r"bestel nu",
    )),
    (HeuristicRule("JH_100_PERCENT", 1.0, "'100%'"), re.compile(
        r"(?<!\d)100\s?(?:%|percent\b|per cent\b|prozent\b|pour cent\b|por ciento\b|per cento\b)",
        re.IGNORECASE,
    )),
    (HeuristicRule("JH_DOLLAR_SIGNS", 2.0, "'$$$'"), re.compile(r"\${2,}|€{2,}|£{2,}")),
    (HeuristicRule("JH_CLICK_HERE", 1.2, "'click here'"), _phrases(
        r"click here", r"click below", r"click the link", r"klicken sie hier", r"hier klicken",
        r"cliquez ici", r"haga clic aqu[ií]", r"haz clic aqu[ií]", r"clicca qui", r"klik hier",
    )),
    (HeuristicRule("JH_WINNER", 1.8, "'winner' / 'you have won'"), _phrases(
        r"winners?", r"you(?: have|'ve| ve)? won", r"gewinner", r"sie haben gewonnen",
        r"gagnante?s?", r"vous avez gagn[ée]", r"ganador(?:a|es)?", r"ha ganado",
        r"vincitor[ei]", r"hai vinto", r"winnaars?",
    )),
    (HeuristicRule("JH_RISK_FREE", 1.2, "'risk-free'"), _phrases(
        r"risk[- ]free", r"no risk", r"without risk", r"risikofrei", r"ohne risiko",
        r"sans risques?", r"sin riesgos?", r"senza rischi(?:o)?", r"zonder risico",
    )),
    (HeuristicRule("JH_LIMITED_TIME", 1.0, "a limited-time offer"), _phrases(
        r"limited[- ]time", r"offer expires", r"only today", r"today only", r"nur heute",
        r"zeitlich begrenzt\w*", r"begrenztes angebot", r"offre limit[ée]e", r"dur[ée]e limit[ée]e",
        r"oferta limitada", r"por tiempo limitado", r"offerta limitata", r"tempo limitato",
        r"beperkte tijd",
    )),
    (HeuristicRule("JH_URGENT", 0.8, "urgency"), _phrases(
        r"urgent", r"don'?t miss(?: out)?", r"dringend", r"nicht verpassen", r"ne manquez pas",
        r"urgente", r"no te lo pierdas", r"non perdere",
    )),
    (HeuristicRule("JH_MAKE_MONEY", 1.5, "money-making promises"), _phrases(
        r"make money", r"earn money", r"extra income", r"earn \$?\d+", r"work from home",
        r"cash bonus", r"geld verdienen", r"gagner de l'argent", r"ganar dinero",
        r"guadagnare soldi",
    )),
    (HeuristicRule("JH_CONGRATULATIONS", 0.6, "congratulations"), _phrases(
        r"congratulations", r"herzlichen gl[üu]ckwunsch", r"f[ée]licitations", r"enhorabuena",
        r"felicidades", r"congratulazioni", r"gefeliciteerd",
    )),
    (HeuristicRule("JH_NO_OBLIGATION", 0.5, "'no obligation'"), _phrases(
        r"no obligation", r"no strings attached", r"no catch",
    )),
    (HeuristicRule("JH_LOWEST_PRICE", 0.8, "'lowest price'"), _phrases(
        r"lowest price", r"best price", r"cheapest", r"billigste\w*", r"prix le plus bas",
        r"meilleur prix", r"precio m[aá]s bajo", r"prezzo pi[uù] basso", r"laagste prijs",
    )),
    (HeuristicRule("JH_DEAR_FRIEND", 1.2, "'dear friend'"), _phrases(
        r"dear friend", r"lieber freund", r"cher ami", r"querido amigo", r"caro amico",
        r"beste vriend",
    )),
    (HeuristicRule("JH_LOTTERY", 1.5, "prizes and lotteries"), _phrases(
        r"prizes?", r"lottery", r"jackpot", r"sweepstakes?", r"gewinnspiel", r"lotterie",
        r"loterie", r"loter[ií]a", r"lotteria",
    )),
    (HeuristicRule("JH_MONEY_TRANSFER", 1.5, "asks for money transfers"), _phrases(
        r"wire transfer", r"western union", r"moneygram", r"bank account details", r"bitcoin",
        r"crypto(?:currency)?", r"inheritance",
    )),
    (HeuristicRule("JH_PHARMA", 2.0, "pharmacy spam"), _phrases(
        r"viagra", r"cialis", r"weight loss", r"lose weight", r"miracle cure",
    )),
)

RULES: dict[str, HeuristicRule] = {rule.name: rule for rule, _ in _PHRASE_RULES}
for _rule in (
    HeuristicRule("JH_SUBJ_ALL_CAPS", 1.6, "subject in capitals"),
    HeuristicRule("JH_SUBJ_EXCLAIM", 1.0, "exclamation mark in the subject"),
    HeuristicRule("JH_SUBJ_MONEY", 1.0, "money amount in the subject"),
    HeuristicRule("JH_SUBJ_FAKE_REPLY", 1.2, "'Re:'/'Fwd:' subject that replies to nothing"),
    HeuristicRule("JH_SUBJ_MISSING", 1.5, "no subject"),
    HeuristicRule("JH_CAPS_20", 1.2, "more than 20% of words in capitals"),
    HeuristicRule("JH_CAPS_40", 2.5, "more than 40% of words in capitals"),
    HeuristicRule("JH_EXCLAIM_3", 0.8, "3 or more exclamation marks"),
    HeuristicRule("JH_EXCLAIM_6", 1.8, "6 or more exclamation marks"),
    HeuristicRule("JH_MULTI_EXCLAIM", 0.8, "'!!'"),
    HeuristicRule("JH_LINKS_4", 0.8, "4 or more links"),
    HeuristicRule("JH_LINKS_8", 1.6, "8 or more links"),
    HeuristicRule("JH_URL_SHORTENER", 1.5, "link through a URL shortener"),
    HeuristicRule("JH_URL_IP", 1.5, "link to a bare IP address"),
    HeuristicRule("JH_MONEY", 0.4, "a money amount"),
    HeuristicRule("JH_MONEY_3", 1.2, "3 or more money amounts"),
    HeuristicRule("JH_MONEY_LARGE", 1.2, "a large money amount"),
    HeuristicRule("JH_HTML_ONLY", 1.0, "HTML without a plain-text part"),
    HeuristicRule("JH_NO_TEXT", 1.5, "no readable text"),
):
    RULES[_rule.name] = _rule

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]]+")
_SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
    "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "t.ly", "bl.ink", "lnkd.in", "v.gd",
    "shorte.st", "adf.ly", "x.co",
})
_CURRENCY = r"(?:[$€£]|\b(?:usd|eur|gbp|chf|dollars?|euros?|pounds?|franken)\b)"
_AMOUNT = r"\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MONEY = re.compile(
    rf"(?i)(?:{_CURRENCY}\s?({_AMOUNT})(\s?(?:million|mio|mill?|bn|billion|k)\b)?"
    rf"|({_AMOUNT})(\s?(?:million|mio|mill?|bn|billion|k)\b)?\s?{_CURRENCY}(?!\w))"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_FAKE_REPLY = re.compile(r"(?i)^\s*(?:re|aw|wg|fw|fwd|tr|rv|r)\s*:")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "a":
            self.links.extend(v for k, v in attrs if k == "href" and v)
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text_and_links(html: str) -> tuple[str, list[str]]:
    """The visible text of an HTML fragment and the targets of its links."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts), parser.links


def extract_urls(text: str) -> list[str]:
    """Distinct http(s) and www. URLs in plain text, in order, without trailing punctuation."""
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        seen.setdefault(match.group(0).rstrip(".,;:!?"), None)
    return list(seen)


def _host(url: str) -> str:
    rest = re.sub(r"(?i)^(?:https?://)?", "", url)
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return host.lower().removeprefix("www.")


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AttributeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _amount(text: str, suffix: str | None) -> float:
    digits = re.sub(r"[.,' ](?=\d{3}(?:\D|$))", "", text).replace(",", ".")
    try:
        value = float(digits)
    except ValueError:
        return 0.0
    suffix = (suffix or "").strip().lower()
    if suffix == "k":
        value *= 1_000
    elif suffix in ("million", "mio", "mil", "mill"):
        value *= 1_000_000
    elif suffix in ("bn", "billion"):
        value *= 1_000_000_000
    return value


def heuristic_verdict(message: bytes, threshold: float = 5.0, *, detail: str = "") -> SpamVerdict:
    """A spam score for an RFC 5322 message from its subject, text, HTML and links alone.

    The rules (``RULES``) mimic SpamAssassin's body and subject rules with similar weights, so
    the score reads on the same scale: a plain business email scores near 0, obvious spam well
    above 5. Deterministic, no I/O."""
    msg = email.message_from_bytes(message, policy=email.policy.default)
    subject = str(msg.get("Subject", "") or "").strip()
    plain: list[str] = []
    html_text: list[str] = []
    urls: list[str] = []
    has_html = False
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(_part_text(part))
        elif ctype == "text/html":
            has_html = True
            text, links = html_text_and_links(_part_text(part))
            html_text.append(text)
            urls.extend(links)
    body = "\n".join(plain) if plain else "\n".join(html_text)
    urls.extend(extract_urls("\n".join(plain + html_text)))
    hits: list[str] = []

    text = f"{subject}\n{body}"
    for rule, pattern in _PHRASE_RULES:
        if pattern.search(text):
            hits.append(rule.name)

    if not subject:
        hits.append("JH_SUBJ_MISSING")
    else:
        subject_letters = [c for c in subject if c.isalpha()]
        if len(subject_letters) >= 6 and sum(c.isupper() for c in subject_letters) >= 0.8 * len(
                subject_letters):
            hits.append("JH_SUBJ_ALL_CAPS")
        if "!" in subject:
            hits.append("JH_SUBJ_EXCLAIM")
        if _MONEY.search(subject):
            hits.append("JH_SUBJ_MONEY")
        if _FAKE_REPLY.match(subject) and not (msg.get("In-Reply-To") or msg.get("References")):
            hits.append("JH_SUBJ_FAKE_REPLY")

    words = [w for w in _WORD.findall(_URL.sub(" ", body)) if len(w) >= 3]
    # Shouting is in long words; "API", "PMS" and "CRM" are how B2B mail names things.
    long_words = [w for w in words if len(w) >= 4]
    if not words:
        hits.append("JH_NO_TEXT")
    elif len(long_words) >= 3:
        caps = sum(w.isupper() for w in long_words) / len(long_words)
        if caps > 0.4:
            hits.append("JH_CAPS_40")
        elif caps > 0.2:
            hits.append("JH_CAPS_20")

    exclamations = text.count("!")
    if exclamations >= 6:
        hits.append("JH_EXCLAIM_6")
    elif exclamations >= 3:
        hits.append("JH_EXCLAIM_3")
    if "!!" in text:
        hits.append("JH_MULTI_EXCLAIM")

    distinct = {u.rstrip("/").lower() for u in urls if not u.lower().startswith("mailto:")}
    if len(distinct) >= 8:
        hits.append("JH_LINKS_8")
    elif len(distinct) >= 4:
        hits.append("JH_LINKS_4")
    hosts = {_host(u) for u in distinct}
    if hosts & _SHORTENERS:
        hits.append("JH_URL_SHORTENER")
    if any(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", h) for h in hosts):
        hits.append("JH_URL_IP")

    amounts = [_amount(m.group(1) or m.group(3), m.group(2) or m.group(4))
               for m in _MONEY.finditer(body)]
    if len(amounts) >= 3:
        hits.append("JH_MONEY_3")
    elif amounts:
        hits.append("JH_MONEY")
    if any(a >= 10_000 for a in amounts):
        hits.append("JH_MONEY_LARGE")

    if has_html and not plain:
        hits.append("JH_HTML_ONLY")

    score = round(sum((RULES[name].score for name in hits), 0.0), 1)
    return SpamVerdict(score, threshold, hits, "heuristic", detail or "heuristic scorer")


# -- the resource ---------------------------------------------------------------------------------


class SpamChecker(dg.ConfigurableResource):
    """Scores outgoing messages with spamd; falls back to the heuristic when spamd is unusable."""

    host: str = Field(default="127.0.0.1", description="spamd host.")
    port: int = Field(default=DEFAULT_PORT, description="spamd TCP port; 0 disables spamd.")
    timeout_seconds: float = Field(
        default=5.0, description="Time limit for one spamd check, once a connection slot is free.")
    max_concurrency: int = Field(
        default=SPAMD_CHILDREN, ge=1,
        description="Checks in flight at once; spamd's own child count (-m). More only queue inside "
                    "spamd, where the wait would count against the time limit.")
    threshold: float = Field(
        default=5.0, description="Score at or above which a message counts as spam."
    )

    async def check(self, message_bytes: bytes) -> SpamVerdict:
        """The verdict on one RFC 5322 message. Never raises for spamd trouble: the heuristic
        answers instead and ``source``/``detail`` say why."""
        if self.port == 0:
            return heuristic_verdict(message_bytes, self.threshold,
                                     detail="spamd disabled (port 0)")
        if len(message_bytes) > MAX_MESSAGE_BYTES:
            return heuristic_verdict(
                message_bytes, self.threshold,
                detail=f"message of {len(message_bytes)} bytes is over spamd's "
                       f"{MAX_MESSAGE_BYTES} byte limit",
            )
        where = f"{self.host}:{self.port}"
        try:
            async with _slots(self.max_concurrency):
                return await spamd_symbols(self.host, self.port, message_bytes,
                                           timeout_seconds=self.timeout_seconds,
                                           threshold=self.threshold)
        except TimeoutError:
            reason = f"spamd at {where} did not answer within {self.timeout_seconds:g} s"
        except OSError as exc:
            reason = f"spamd at {where} is unreachable ({exc.strerror or exc})"
        except SpamdError as exc:
            reason = f"spamd at {where} gave no verdict ({exc})"
        log.warning("%s; using the heuristic spam scorer", reason)
        return heuristic_verdict(message_bytes, self.threshold, detail=reason)


_SLOTS: dict[tuple[asyncio.AbstractEventLoop, int], asyncio.Semaphore] = {}


def _slots(limit: int) -> asyncio.Semaphore:
    """One semaphore per event loop and limit: a resource outlives the loops that use it (each
    ``asyncio.run`` makes a new one), and a semaphore belongs to one loop."""
    loop = asyncio.get_running_loop()
    for key in [k for k in _SLOTS if k[0].is_closed()]:
        del _SLOTS[key]
    return _SLOTS.setdefault((loop, limit), asyncio.Semaphore(limit))


# -- a private spamd for tests and the sandbox ----------------------------------------------------


def find_spamd() -> str | None:
    """The spamd executable; Debian puts it in /usr/sbin, which is not on every user's PATH."""
    found = shutil.which("spamd")
    if found:
        return found
    return next((p for p in _SPAMD_PATHS if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class SpamdProcess:
    """A spamd started by ``start_spamd``: ``port``, ``stop()``, a context manager."""

    process: subprocess.Popen[bytes]
    port: int
    home: Path
    host: str = "127.0.0.1"
    _stopped: bool = field(default=False, repr=False)

    @property
    def log_path(self) -> Path:
        return self.home / "spamd.log"

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def checker(self, **overrides: Any) -> SpamChecker:
        return SpamChecker(**{"host": self.host, "port": self.port, **overrides})

    def stop(self, grace_seconds: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                pass
        # The prefork children are in spamd's own session; take any straggler down with it.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _home_dir() -> Path:
    home = Path(tempfile.mkdtemp(prefix="jengu-spamd-", dir="/tmp"))
    home.chmod(0o755)
    if os.geteuid() == 0:
        # spamd drops to nobody, which keeps its Bayes and auto-welcomelist files here.
        nobody = pwd.getpwnam("nobody")
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
    return home


def _launch(executable: str, port: int, startup_timeout: float) -> SpamdProcess:
    # On a busy port spamd keeps retrying the bind for a while instead of exiting, and meanwhile
    # whatever holds the port would answer the PING.
    if not _port_is_free(port):
        raise SpamdUnavailable(f"cannot start spamd: 127.0.0.1:{port} Address already in use")
    home = _home_dir()
    command = [
        executable, "-L", "-x", "-i", f"127.0.0.1:{port}", "-A", "127.0.0.1", "-H", str(home),
        "-m", str(SPAMD_CHILDREN), "-s", "stderr",
    ]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]
    with open(home / "spamd.log", "wb") as logfile:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    spamd = SpamdProcess(process, port, home)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = spamd.log_tail()
            spamd.stop()
            raise SpamdUnavailable(f"spamd exited with code {process.returncode}:\n{tail}")
        if _ping_sync("127.0.0.1", port, 1.0) and process.poll() is None:
            return spamd
        time.sleep(0.05)
    tail = spamd.log_tail()
    spamd.stop()
    raise SpamdUnavailable(f"spamd did not answer PING within {startup_timeout:g} s:\n{tail}")


def start_spamd(port: int | None = None, *, executable: str | None = None,
                startup_timeout: float = 30.0) -> SpamdProcess:
    """Start spamd on 127.0.0.1 (``port``, or a free one) and return once it answers PING.

    Raises ``SpamdUnavailable`` when spamd is not installed or does not come up."""
    executable = executable or find_spamd()
    if not executable or not os.access(executable, os.X_OK):
        raise SpamdUnavailable(f"spamd is not installed: {INSTALL_HINT}")
    if port is not None:
        return _launch(executable, port, startup_timeout)
    # A free port can be taken between the probe and spamd's bind; a fresh one usually is not.
    attempts = 3
    while True:
        attempts -= 1
        try:
            return _launch(executable, _free_port(), startup_timeout)
        except SpamdUnavailable as exc:
            if not attempts or "Address already in use" not in str(exc):
                raise
