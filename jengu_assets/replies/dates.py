"""Calendar dates written in running text, and the day an absence notice says its writer is back.

Numeric dates (ISO, day-first with dots or slashes, US month-first), dates with a month name in
the languages hotels write, Japanese and Chinese dates, and a day of the month alone where the
words around it say return ("back on the 3rd", "tilbage mandag den 7."). ``return_date`` weighs
the cues around each date: "back on", "zurück am", "de retour le" over "until", "bis", "do".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "gennaio", "gen",
        "januari", "janeiro"),
    2: ("february", "feb", "februar", "février", "fevrier", "févr", "fevr", "febrero", "febbraio",
        "februari", "fevereiro", "fev"),
    3: ("march", "mar", "märz", "maerz", "mär", "mars", "marzo", "maart", "mrt", "março", "marco"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maggio", "mag", "mei", "maio"),
    6: ("june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho"),
    7: ("july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"),
    8: ("august", "aug", "août", "aout", "agosto", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre",
        "setembro"),
    10: ("october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic",
          "dicembre", "dezembro"),
}
# Swedish, Danish, Norwegian, Finnish, Polish, Czech, Russian and Turkish, as dates are written
# in running text (the genitive where the language has one: "do 20 kwietnia", "до 20 апреля").
_MORE_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("tammikuuta", "stycznia", "styczeń", "ledna", "leden", "января", "январь", "янв", "ocak"),
    2: ("helmikuuta", "lutego", "luty", "února", "únor", "февраля", "февраль", "фев", "şubat",
        "subat"),
    3: ("marts", "maaliskuuta", "marca", "marzec", "března", "březen", "марта", "март", "mart"),
    4: ("huhtikuuta", "kwietnia", "kwiecień", "dubna", "duben", "апреля", "апрель", "апр",
        "nisan"),
    5: ("maj", "toukokuuta", "maja", "května", "květen", "мая", "май", "mayıs", "mayis"),
    6: ("kesäkuuta", "czerwca", "czerwiec", "června", "červen", "июня", "июнь", "haziran"),
    7: ("heinäkuuta", "lipca", "lipiec", "července", "červenec", "июля", "июль", "temmuz"),
    8: ("augusti", "elokuuta", "sierpnia", "sierpień", "srpna", "srpen", "августа", "август",
        "авг", "ağustos", "agustos"),
    9: ("syyskuuta", "września", "wrzesień", "září", "сентября", "сентябрь", "сен", "eylül",
        "eylul"),
    10: ("lokakuuta", "października", "październik", "října", "říjen", "октября", "октябрь",
         "окт", "ekim"),
    11: ("marraskuuta", "listopada", "listopad", "listopadu", "ноября", "ноябрь", "ноя", "kasım",
         "kasim"),
    12: ("joulukuuta", "grudnia", "grudzień", "prosince", "prosinec", "декабря", "декабрь", "дек",
         "aralık", "aralik", "desember", "des"),
}
_MONTH_NAMES = {number: names + _MORE_MONTH_NAMES[number] for number, names in _MONTH_NAMES.items()}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_ENGLISH_MONTHS = "|".join(sorted(
    (re.escape(n) for n in ("january", "jan", "february", "feb", "march", "mar", "april", "apr",
                            "may", "june", "jun", "july", "jul", "august", "aug", "september",
                            "sept", "sep", "october", "oct", "november", "nov", "december",
                            "dec")), key=len, reverse=True))
_WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("monday", "mon", "montag", "lundi", "lunes", "lunedì", "lunedi", "maandag"),
    ("tuesday", "tue", "tues", "dienstag", "mardi", "martes", "martedì", "martedi", "dinsdag"),
    ("wednesday", "wed", "mittwoch", "mercredi", "miércoles", "miercoles", "mercoledì",
     "mercoledi", "woensdag"),
    ("thursday", "thu", "thurs", "donnerstag", "jeudi", "jueves", "giovedì", "giovedi",
     "donderdag"),
    ("friday", "fri", "freitag", "vendredi", "viernes", "venerdì", "venerdi", "vrijdag"),
    ("saturday", "sat", "samstag", "samedi", "sábado", "sabado", "sabato", "zaterdag"),
    ("sunday", "sun", "sonntag", "dimanche", "domingo", "domenica", "zondag"),
)
# Danish and Norwegian, Swedish, Polish and Russian (the accusative after "w", "в").
_MORE_WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("mandag", "måndag", "poniedziałek", "понедельник"),
    ("tirsdag", "tisdag", "wtorek", "вторник"),
    ("onsdag", "środa", "środę", "среда", "среду"),
    ("torsdag", "czwartek", "четверг"),
    ("fredag", "piątek", "пятница", "пятницу"),
    ("lørdag", "lördag", "sobota", "sobotę", "суббота", "субботу"),
    ("søndag", "söndag", "niedziela", "niedzielę", "воскресенье"),
)
_WEEKDAY_NAMES = tuple(names + more for names, more in zip(_WEEKDAY_NAMES, _MORE_WEEKDAY_NAMES))
_WEEKDAYS = {name: number for number, names in enumerate(_WEEKDAY_NAMES) for name in names}
_WEEKDAY_RE = "|".join(sorted((re.escape(d) for d in _WEEKDAYS), key=len, reverse=True))
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?<![\d.])(20\d\d)-(\d{1,2})-(\d{1,2})(?!\d)")),
    ("dmy", re.compile(r"(?<![\d.:])(\d{1,2})\.[ \t]?(\d{1,2})\.(?:[ \t]?(\d{4}|\d{2})(?![\d.]))?")),
    ("dmy", re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")),
    # "back on 3/10", "du 21/12 au 04/01": no year, and "24/7" is no date, so these count only
    # where the words say return or until.
    ("dm", re.compile(r"(?<![\d/.,])(?!24/7\b|24/24\b)(\d{1,2})/(\d{1,2})(?![\d/]|[.,]\d)")),
    ("d_month", re.compile(
        rf"(?<![\d.])(\d{{1,2}})(?:st|nd|rd|th|er|e|º|°|\.)?[ \t]*(?:of[ \t]+|de[ \t]+|di[ \t]+)?"
        rf"({_MONTH_RE})\b\.?(?:[ \t]*,?[ \t]*(?:de[ \t]+)?(\d{{4}})\b)?", re.IGNORECASE)),
    ("month_d", re.compile(
        rf"\b({_ENGLISH_MONTHS})\.?[ \t]+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![.:]?\d)"
        rf"(?:,?[ \t]*(\d{{4}})\b)?", re.IGNORECASE)),
    # Japanese and Chinese (2026年4月8日, 3月25日, 4月8号), and Korean (4월 8일).
    ("cjk", re.compile(r"(?:(20\d\d)\s*[年년]\s*)?(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日号號일]")),
    # A day of the month alone, the month understood: "until Monday 7th", "back on the 3rd",
    # "lundi 5", "Montag, den 7.". Last, so a full date is never read as one of these.
    ("day", re.compile(
        rf"\b(?:({_WEEKDAY_RE})\b,?[ \t]+(?:(?:the|den|le|el|il|de)[ \t]+)?|the[ \t]+)"
        r"(\d{1,2})(st|nd|rd|th|\.|er|º)?(?![\w/:]|\.\d)", re.IGNORECASE)),
)
_RETURN_CUE_BEFORE = re.compile(
    r"\b(back|return|returning|returns|in the office|available again|reachable again|as of"
    r"|zurück|wieder|ab dem|ab\b|retour|rentre|à partir du|a partir du|de vuelta|regres|volver[ée]?"
    r"|a partir del|rientr|ritorno|di nuovo|dal|terug|vanaf|weer|de volta|regresso|retorno"
    r"|a partir de|tillbaka|åter|tilbage|tilbake|palaan|takaisin|wracam|powrót|zpět|opět"
    r"|vracím|вернусь|выйду|на месте)\W{0,3}(\w+\W+){0,4}$", re.IGNORECASE)
_RETURN_CUE_AFTER = re.compile(
    r"^\W{0,3}(\w+\W+){0,4}(wieder|zurück|back|de retour|weer|terug|di ritorno|de vuelta"
    r"|tillbaka|tilbage|tilbake|döne\w*|dönüyorum|itibaren|alkaen)\b"
    # Japanese and Chinese write no spaces: the cue follows the date within a few characters.
    r"|^.{0,6}(?:戻|出社|出勤|返回|回到|回来|上班)",
    re.IGNORECASE)
_UNTIL_CUE = re.compile(
    r"(?:\b(?:until|till|through|thru|bis(?: einschließlich| einschliesslich)?"
    r"|jusqu'?au|jusqu’au|jusqu'?à|hasta|fino al|fino a|fino|tot en met|t/m|tot|até|au|al|to"
    r"|till och med|t\.o\.m\.|til og med|til|do|до|по)"
    r"|[-–—]|至|到|～|~)(?:\s+(?:the|le|el|il|lo|la|dem|den|der|zum|zur|o|a|ao|dnia))?\W{0,3}$",
    re.IGNORECASE)


# An ordinal followed by a word that is not a date's: "the 2nd floor", "the 3rd time".
_ORDINAL_NOUN = re.compile(
    r"[ \t]+(?!(?:and|at|of|to|until|till|when|but|from|for|in|or|with|if|as|so|then|i|we"
    r"|please|after|before|thru|through)\b)[a-z]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _FoundDate:
    start: int
    end: int
    month: int
    """0 when the text gives only the day ("back on the 3rd")."""
    day: int
    year: int | None
    weekday: int | None = None
    """Monday is 0, as the text names it next to a day without a month."""
    order: Literal["dm", "md", "either"] | None = None
    """A slashed date's reading: day first, month first (the day is over 12), or either."""


MAX_DATES = 100
_DIGIT = re.compile(r"\d")


def find_dates(text: str) -> list[_FoundDate]:
    """Calendar dates written in the first 20,000 characters of ``text`` (numeric, or with a
    month name in seven languages), at most ``MAX_DATES``."""
    text = text[:20_000]
    found: list[_FoundDate] = []
    if not _DIGIT.search(text):
        return found    # every date is written with a digit
    # Characters already part of a date: a later, looser pattern must not re-read them.
    taken = bytearray(len(text))
    for style, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if len(found) >= MAX_DATES:
                break
            if any(taken[match.start():match.end()]):
                continue
            groups = match.groups()
            weekday = None
            order: Literal["dm", "md", "either"] | None = None
            try:
                if style == "day":
                    if groups[0] is None and (groups[2] not in ("st", "nd", "rd", "th")
                                              or _ORDINAL_NOUN.match(text, match.end())):
                        continue  # "the 12" is a count, "the 2nd floor" a place, "the 3rd" a day
                    day, month, year = int(groups[1]), 0, None
                    weekday = _WEEKDAYS.get(groups[0].lower()) if groups[0] else None
                elif style == "ymd":
                    year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
                elif style in ("dmy", "dm"):
                    day, month = int(groups[0]), int(groups[1])
                    year = int(groups[2]) if style == "dmy" and groups[2] else None
                    if "/" in match.group():
                        order = "dm" if day > 12 else "md" if month > 12 else "either"
                    if month > 12 and day <= 12 and "/" in match.group():
                        day, month = month, day  # US order: 12/25/2026
                elif style == "cjk":
                    month, day = int(groups[1]), int(groups[2])
                    year = int(groups[0]) if groups[0] else None
                elif style == "d_month":
                    day, month = int(groups[0]), _MONTHS[groups[1].lower()]
                    year = int(groups[2]) if groups[2] else None
                else:
                    month, day = _MONTHS[groups[0].lower()], int(groups[1])
                    year = int(groups[2]) if groups[2] else None
            except (KeyError, ValueError):
                continue
            if year is not None and year < 100:
                year += 2000
            if not (0 <= month <= 12 and 1 <= day <= 31) or (year and not 2000 <= year <= 2100) \
                    or (month == 0 and style != "day"):
                continue
            found.append(_FoundDate(match.start(), match.end(), month, day, year, weekday, order))
            taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
    return sorted(found, key=lambda d: d.start)


def return_date(text: str, sent: datetime | None, *, today: date | None = None) -> date | None:
    """The day an out-of-office sender says they are back (or away until), None if not stated.

    A date next to a return cue ("back on", "zurück am", "de retour le", "ab dem ... wieder")
    wins over one after an "until" cue, which wins over a plain date; among equals the latest
    (the end of "from ... to ..."). A date without a year takes the message's year, or the next
    one when that would put it well before the message.
    """
    text = text[:5000]
    dates = find_dates(text)
    if not dates:
        return None
    reference = sent.date() if sent else (today or datetime.now(UTC).date())
    # One writer writes every slashed date the same way: "11/25/2026 through 12/02/2026" is
    # month first throughout.
    orders = {found.order for found in dates} - {"either", None}
    best: tuple[int, date] | None = None
    for found in dates:
        resolved = _resolve(found, reference)
        if found.order == "either":
            resolved = _slashed(found, reference, orders)
        if resolved is None:
            continue
        before = text[max(0, found.start - 45):found.start]
        after = text[found.end:found.end + 40]
        score = 1
        if _RETURN_CUE_BEFORE.search(before) or _RETURN_CUE_AFTER.search(after):
            score = 3
        elif _UNTIL_CUE.search(before[-25:]):
            score = 2
        elif found.month == 0 or (found.order and found.year is None):
            continue  # a day alone, or "24/7", is a return date only where the words say so
        if best is None or (score, resolved) > best:
            best = (score, resolved)
    return best[1] if best else None


def _slashed(found: _FoundDate, reference: date, orders: set[str]) -> date | None:
    """An ambiguous slashed date (12/01/2026): as the text's other slashed dates are written,
    else the reading that is not before the message (a return lies ahead), the nearer if both."""
    as_written = _resolve(found, reference)
    swapped = _resolve(replace(found, day=found.month, month=found.day), reference)
    if orders == {"dm"} or swapped is None:
        return as_written
    if orders == {"md"} or as_written is None:
        return swapped
    ahead = [d for d in (as_written, swapped) if d >= reference]
    return min(ahead) if ahead else as_written


def _resolve(found: _FoundDate, reference: date) -> date | None:
    if found.month == 0:
        return _next_day_of_month(found, reference)
    year = found.year or reference.year
    try:
        resolved = date(year, found.month, found.day)
    except ValueError:
        return None
    if found.year is None and resolved < reference - timedelta(days=60):
        try:
            resolved = date(year + 1, found.month, found.day)
        except ValueError:
            return None
    return resolved


def _next_day_of_month(found: _FoundDate, reference: date) -> date | None:
    """The first date on or after ``reference`` with the day (and the weekday, when the text
    names one) of ``found``: "Monday 7th" written on 30 November is 7 December, a Monday. An
    absence note looks weeks ahead, not months: a weekday that fits neither of the next two
    such days was written in error, and the nearer one stands."""
    candidates: list[date] = []
    for ahead in range(4):
        year, month = divmod(reference.month - 1 + ahead, 12)
        try:
            candidate = date(reference.year + year, month + 1, found.day)
        except ValueError:
            continue
        if candidate >= reference:
            candidates.append(candidate)
    candidates = candidates[:2]
    fitting = [c for c in candidates if found.weekday is None or c.weekday() == found.weekday]
    return (fitting or candidates or [None])[0]


__all__ = [
    "MAX_DATES",
    "find_dates",
    "return_date",
]
