"""The research report of one prospect, built from what enrichment stored and what search found.

Pure: no I/O. Every item is one short plain statement with the source it came from, because the
composition step may say nothing that is not in the report. Everything read from the web (page
analysis, search titles and snippets) is untrusted data: it is reduced to plain text, capped in
length, and text that reads like instructions to a model is never quoted.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from jengu_assets.acquisition.rules import fold
from jengu_assets.enrichment.website_finder import (
    CANDIDATE,
    REVIEW,
    classify_url,
    registered_domain,
)
from jengu_assets.research.models import Provenance, ResearchItem, ResearchReport, Signal
from jengu_resources.search import SearchResult

MAX_TEXT = 200
MAX_REVIEWS = 3
MAX_NEWS = 2
MAX_COMPETITORS = 3

BOARD_NAMES = {
    "adzuna": "Adzuna",
    "google_jobs": "Google Jobs",
    "linkedin": "LinkedIn",
    "indeed": "Indeed",
    "stepstone": "StepStone",
    "glassdoor": "Glassdoor",
    "xing": "XING",
    "hosco": "Hosco",
    "caterer": "Caterer.com",
    "monster": "Monster",
}
REVIEW_SITE_NAMES = {
    "tripadvisor": "TripAdvisor",
    "holidaycheck": "HolidayCheck",
    "google": "Google",
    "goo": "Google",
    "yelp": "Yelp",
    "trustpilot": "Trustpilot",
    "zoover": "Zoover",
}

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")
# Phrases of prompt injection: such text is evidence of nothing about the hotel.
_INSTRUCTION = re.compile(
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier)|disregard (?:all |any |the )?"
    r"(?:previous|prior|above)|system prompt|you are now|new instructions|reply with|"
    r"respond with|assistant:|[{}]|\bsend (?:an? )?(?:e-?mail|message) to\b",
    re.IGNORECASE,
)
_RATING = re.compile(
    r"(?:rated\s+)?(\d(?:[.,]\d)?)\s*(?:(?:of|out of|/)\s*(5|6|10)\b|stars?\b|sterne\b)",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"(?:guests (?:mention|complain about|criticise|criticize)|gäste bemängeln:?)\s+([^.;!?\"]{3,80})",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“„«]([^\"”“«»]{3,80})[\"”“»]")


def plain_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Web text as one plain line: comments and tags removed, entities decoded, control and
    format characters dropped, whitespace collapsed, at most ``limit`` characters."""
    if value is None:
        return ""
    text = _COMMENT.sub(" ", str(value))
    text = html.unescape(_TAG.sub(" ", text))
    text = "".join(
        " " if unicodedata.category(ch).startswith("C") else ch for ch in text
    )
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text[: limit - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
        text = cut.rstrip(" ,;:-") + "…"
    return text


def is_instruction_like(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


def language_of(analysis: dict | None) -> str:
    """"de-DE" -> "de"; "en" when the site does not say."""
    raw = str((analysis or {}).get("language") or "").strip().lower()
    code = re.split(r"[-_]", raw, maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else "en"


def board_name(source: str | None) -> str:
    """"job_board:google_jobs" -> "Google Jobs"."""
    return _known_board(source) or "a job board"


def _known_board(source: str | None) -> str | None:
    board = (source or "").split(":", 1)[-1].strip().lower()
    return BOARD_NAMES.get(board) or board.replace("_", " ").title() or None


def provenance(prospect: dict, posting: dict | None = None) -> Provenance:
    """Where the contact was found. An import file's name is internal bookkeeping, never
    something to tell the hotel, so a listed hotel's record is its CRM prospect."""
    source = prospect.get("source") or ""
    if source.startswith("job_board:"):
        role = _role(prospect, posting)
        return Provenance(kind="job_posting", role=role or None, board=_known_board(source),
                          source=_posting_ref(prospect, posting))
    if prospect.get("linkedin_url"):
        return Provenance(kind="listing", board="LinkedIn", source=prospect["linkedin_url"])
    site = prospect.get("website_final_url") or prospect.get("website")
    if site:
        return Provenance(kind="website", source=site)
    return Provenance(kind="public_listings", source=f"CRM prospect {prospect.get('id')}")


def found_via(prospect: dict, posting: dict | None = None) -> str:
    """Where the contact was found, in English words fit for the first email."""
    return _in_english(provenance(prospect, posting))


def _in_english(said: Provenance) -> str:
    if said.kind == "job_posting":
        what = f"your {said.role} posting" if said.role else "your job posting"
        return f"{what} on {said.board or board_name(None)}"
    if said.kind == "listing":
        return f"your listing on {said.board}"
    if said.kind == "website":
        return "your hotel's website"
    return "your hotel's public listings"


def build_report(
    prospect: dict,
    analysis: dict | None,
    review_results: Sequence[SearchResult],
    news_results: Sequence[SearchResult],
    competitors: list[dict],
    posting: dict | None,
) -> ResearchReport:
    """The report: pain signals and property facts from the site analysis, review and news items
    from search, competitors from the CRM and the hiring signal from the posting."""
    name = plain_text(prospect.get("company_name"), 120)
    city = plain_text(prospect.get("city"), 80) or None
    said = provenance(prospect, posting)
    items = [
        *_site_items(prospect, analysis),
        *_review_items(name, review_results),
        *_news_items(name, prospect, news_results),
        *_competitor_items(prospect, city, competitors),
        *_hiring_items(prospect, posting),
    ]
    return ResearchReport(
        prospect_id=str(prospect["id"]),
        company_name=name,
        city=city,
        country=plain_text(prospect.get("country"), 8) or None,
        language=language_of(analysis),
        contact_name=plain_text(prospect.get("contact_name"), 120) or None,
        contact_title=plain_text(prospect.get("contact_title"), 120) or None,
        found_via=_in_english(said),
        provenance=said,
        items=_dedupe(items),
    )


# -- website analysis -----------------------------------------------------------------------------


def _site_items(prospect: dict, analysis: dict | None) -> list[ResearchItem]:
    if not analysis:
        return []
    site = str(analysis.get("url") or analysis.get("input") or prospect.get("website_final_url") or "")
    if not site.lower().startswith(("http://", "https://")):
        return []
    host = (urlsplit(site).hostname or site).removeprefix("www.")

    def pain(signal: Signal, text: str) -> ResearchItem:
        return ResearchItem(kind="pain_signal", text=text, source=site, signal=signal, host=host)

    def fact(signal: Signal, text: str, **values: Any) -> ResearchItem:
        return ResearchItem(kind="property", text=text, source=site, signal=signal, host=host,
                            **values)

    items: list[ResearchItem] = []
    engine = plain_text(analysis.get("booking_engine"), 60)
    if not engine:
        items.append(pain("no_booking_engine", f"No direct booking engine found on {host}"))
    elif not is_instruction_like(engine):
        items.append(fact("booking_engine", f"Direct bookings on {host} run through {engine}",
                          name=engine))
    if not analysis.get("chat_widget"):
        items.append(pain("no_chat_widget", f"No live chat or messaging widget on {host}"))
    schema = analysis.get("schema_org") if isinstance(analysis.get("schema_org"), dict) else None
    if not schema:
        items.append(pain("no_schema_org", f"No schema.org Hotel data on {host}"))
    if not analysis.get("analytics"):
        items.append(pain("no_analytics", f"No web analytics found on {host}"))
    if not analysis.get("social"):
        items.append(pain("no_social_profiles", f"No social media profiles linked from {host}"))
    if schema:
        stars = _number(schema.get("starRating"))
        if stars and 0 < stars <= 7:
            items.append(fact("stars", f"{_fmt(stars)}-star hotel", number=stars))
        rooms = _number(schema.get("numberOfRooms") or schema.get("rooms"))
        if rooms and 0 < rooms < 10_000 and float(rooms).is_integer():
            items.append(fact("rooms", f"{int(rooms)} rooms", number=rooms))
    return items


# -- search results -------------------------------------------------------------------------------


def _review_items(name: str, results: Sequence[SearchResult]) -> list[ResearchItem]:
    items: list[ResearchItem] = []
    for result in results:
        if len(items) >= MAX_REVIEWS or classify_url(result.url) != REVIEW:
            continue
        snippet = plain_text(result.snippet, 400)
        if not _mentions(name, f"{result.title} {snippet} {result.url}"):
            continue
        parts: list[str] = []
        rating, scale = _rating(snippet)
        site = _review_site(result.url)
        if rating:
            said = _fmt(rating) if scale == 5 else f"{_fmt(rating)}/{scale}"
            parts.append(f"Rated {said} on {site}")
        complaint = _complaint(snippet)
        if complaint:
            parts.append(f"guests mention {complaint}" if parts else
                         f"Guests on {site} mention {complaint}")
        if parts:
            items.append(ResearchItem(kind="review", text=plain_text("; ".join(parts)),
                                      source=result.url, site=site, rating=rating,
                                      scale=scale if rating else None, quote=complaint))
    return items


def _rating(snippet: str) -> tuple[float | None, int]:
    """The rating and what it is out of; (None, 5) when the snippet states none."""
    match = _RATING.search(snippet)
    if not match:
        return None, 5
    value = float(match.group(1).replace(",", "."))
    scale = int(match.group(2)) if match.group(2) else 5
    return (value, scale) if 0 < value <= scale else (None, 5)


def _complaint(snippet: str) -> str | None:
    match = _COMPLAINT.search(snippet) or _QUOTED.search(snippet)
    if not match:
        return None
    text = plain_text(match.group(1), 80).strip(" .,:;")
    return text if text and not is_instruction_like(text) else None


def _review_site(url: str) -> str:
    brand = registered_domain(urlsplit(url).hostname or "").split(".")[0]
    return REVIEW_SITE_NAMES.get(brand, brand.capitalize() or "a review site")


def _news_items(name: str, prospect: dict, results: Sequence[SearchResult]) -> list[ResearchItem]:
    own = {
        registered_domain(urlsplit(u).hostname or "")
        for u in (prospect.get("website_final_url"), prospect.get("website"))
        if u and "://" in u
    }
    items: list[ResearchItem] = []
    for result in results:
        if len(items) >= MAX_NEWS:
            break
        host = urlsplit(result.url).hostname or ""
        if classify_url(result.url) != CANDIDATE or registered_domain(host) in own:
            continue
        title = plain_text(result.title, 160)
        snippet = plain_text(result.snippet, 300)
        if not title or not _mentions(name, f"{title} {snippet}"):
            continue
        if is_instruction_like(title):
            continue
        site = host.removeprefix("www.")
        items.append(ResearchItem(kind="news", text=plain_text(f"In the news ({site}): {title}"),
                                  source=result.url, site=site, quote=title))
    return items


# -- the CRM --------------------------------------------------------------------------------------


def _competitor_items(prospect: dict, city: str | None, competitors: list[dict]) -> list[ResearchItem]:
    if not city:
        return []
    items: list[ResearchItem] = []
    for other in competitors:
        if len(items) >= MAX_COMPETITORS:
            break
        other_name = plain_text(other.get("company_name"), 120)
        if not other_name or other.get("id") == prospect.get("id") or is_instruction_like(other_name):
            continue
        items.append(ResearchItem(kind="competitor", text=f"Another hotel in {city}: {other_name}",
                                  source=f"CRM prospect {other['id']}", name=other_name,
                                  city=city))
    return items


def _hiring_items(prospect: dict, posting: dict | None) -> list[ResearchItem]:
    source = prospect.get("source") or ""
    role = _role(prospect, posting)
    if not role:
        return []
    if source.startswith("job_board:"):
        text = f"Hiring {_article(role)} {role} (posted on {board_name(source)})"
        ref = _posting_ref(prospect, posting)
        board = _known_board(source)
    else:
        text = f"Hiring {_article(role)} {role}"
        ref = (posting or {}).get("url") or prospect.get("source_ref") or f"CRM prospect {prospect['id']}"
        board = None
    return [ResearchItem(kind="hiring_signal", text=plain_text(text), source=str(ref), role=role,
                         board=board)]


def _role(prospect: dict, posting: dict | None) -> str:
    """The posting's title as it may be repeated; "" when there is none or it is not a title."""
    role = plain_text(prospect.get("hiring_role") or (posting or {}).get("title"), 80)
    return "" if is_instruction_like(role) else role


def _posting_ref(prospect: dict, posting: dict | None) -> str:
    url = (posting or {}).get("url") or prospect.get("source_ref")
    return str(url or f"job posting {(posting or {}).get('id') or prospect.get('source')}")


# -- helpers --------------------------------------------------------------------------------------

_GENERIC_WORDS = {"hotel", "hotels", "the", "and", "garni", "inn", "resort", "spa", "by"}


def _mentions(name: str, text: str) -> bool:
    """Whether ``text`` names the hotel: its distinctive words, most of them."""
    words = [w for w in fold(name).split() if len(w) >= 3 and w not in _GENERIC_WORDS]
    if not words:
        words = [w for w in fold(name).split() if len(w) >= 3]
    haystack = f" {fold(text)} "
    found = sum(1 for w in words if f" {w} " in haystack or w in haystack.replace(" ", ""))
    return bool(words) and found / len(words) >= 0.6


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"\d+(?:[.,]\d+)?", str(value))
    return float(match.group().replace(",", ".")) if match else None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _dedupe(items: Iterable[ResearchItem]) -> list[ResearchItem]:
    seen: set[tuple[str, str]] = set()
    out: list[ResearchItem] = []
    for item in items:
        key = (item.kind, item.text.casefold())
        if item.text and item.source and key not in seen:
            seen.add(key)
            out.append(item)
    return out
