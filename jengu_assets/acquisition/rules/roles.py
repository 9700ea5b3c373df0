"""Which hotel job a posting is for, whether a contact can say yes, and how warm a prospect is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from jengu_assets.acquisition.rules.text import find, fold, phrases

# A title with these is a job at a vendor, whatever else it mentions ("Hotel Software Engineer").
TECH_TITLE = phrases([
    "software", "developer", "programmer", "devops", "frontend", "front end developer",
    "backend", "fullstack", "full stack", "data scientist", "data engineer", "machine learning",
    "saas", "account executive", "customer success", "sales development", "product manager",
    "product owner", "ux", "ui designer", "qa engineer", "scrum master", "solutions engineer",
    "implementation consultant", "software engineer"])


@dataclass(frozen=True)
class HotelRole:
    """One kind of hotel job, the title phrases that mean it, and how much it tells us.

    ``kind`` is how sure the title alone makes us that the employer is a hotel: 'hotel' roles exist
    almost only in hotels (night auditor); 'front' roles also exist at gyms and dentists (front
    desk); 'management' roles exist everywhere (general manager) and need the posting to say hotel.
    ``senior`` roles are decision-makers, so hiring one is a strong buying signal.
    """

    name: str
    phrases: tuple[str, ...]
    kind: Literal["hotel", "front", "management"]
    senior: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", phrases(self.phrases))


# Order matters: the first role whose phrase appears in the title wins, so specific roles
# ("front office manager", "night receptionist") come before the general ones they contain.
HOSPITALITY_ROLES: tuple[HotelRole, ...] = (
    HotelRole("assistant general manager", (
        "assistant general manager", "agm", "deputy general manager", "assistant hotel manager",
        "deputy hotel manager", "stellvertretender hoteldirektor",
        "stellvertretende hoteldirektorin",
    ), "management"),
    HotelRole("revenue manager", (
        "revenue manager", "revenue management", "director of revenue", "revenue director",
        "head of revenue", "revenue strategy", "revenue strategist", "yield manager",
        "revenue managerin", "responsable revenue", "directeur des revenus",
    ), "hotel", senior=True),
    HotelRole("rooms division manager", (
        "rooms division", "director of rooms", "rooms director", "rooms manager",
    ), "hotel", senior=True),
    HotelRole("front office manager", (
        "front office manager", "front desk manager", "director of front office",
        "front office director", "empfangschef", "empfangschefin", "chef de reception",
        "rezeptionsleiter", "rezeptionsleiterin", "rezeptionsleitung", "leiter rezeption",
        "leitung rezeption", "jefe de recepcion", "responsable de reception",
    ), "hotel", senior=True),
    HotelRole("general manager", (
        "general manager", "gm", "hotel manager", "hotel director", "hoteldirektor",
        "hoteldirektorin", "hotelmanager", "hotelmanagerin", "resort manager", "managing director",
        "directeur general", "director general", "direttore generale", "direttore d albergo",
        "geschaftsfuhrer", "geschaftsfuhrerin",
    ), "management", senior=True),
    HotelRole("director of operations", (
        "director of operations", "operations director", "hotel operations manager",
        "operations manager", "head of operations", "betriebsleiter", "betriebsleiterin",
        "director de operaciones",
    ), "management", senior=True),
    HotelRole("director of sales", (
        "director of sales and marketing", "director of sales", "sales director", "dosm",
        "head of sales", "commercial director", "director of sales marketing",
    ), "management", senior=True),
    HotelRole("sales manager", (
        "sales manager", "sales executive", "sales and marketing manager", "verkaufsleiter",
    ), "management"),
    HotelRole("distribution manager", (
        "e commerce manager", "ecommerce manager", "distribution manager",
        "digital distribution", "online distribution",
    ), "management"),
    HotelRole("revenue analyst", ("revenue analyst", "revenue coordinator"), "hotel"),
    HotelRole("guest relations", (
        "guest relations", "guest experience manager", "guest experience agent",
        "guest relations manager", "guest relations agent",
    ), "hotel"),
    HotelRole("reservations", (
        "reservations", "reservation", "reservation agent", "reservierung", "reservierungen",
        "reservierungsmitarbeiter", "reservierungsmitarbeiterin", "reservas",
        "sales and reservations",
    ), "hotel"),
    HotelRole("night auditor", (
        "night auditor", "night audit", "nachtaudit", "nachtauditor", "night porter",
        "nachtportier", "night manager", "night receptionist", "nachtrezeptionist",
        "nachtrezeptionistin", "night clerk",
    ), "hotel"),
    HotelRole("concierge", (
        "concierge", "chef concierge", "bellman", "bellhop", "bell attendant", "bell captain",
        "doorman", "door attendant",
    ), "front"),
    HotelRole("executive housekeeper", (
        "executive housekeeper", "director of housekeeping", "housekeeping manager",
        "head housekeeper", "hausdame", "hausdamen", "gouvernante generale", "gobernanta",
    ), "hotel"),
    HotelRole("housekeeping", (
        "housekeeping", "housekeeper", "room attendant", "zimmermadchen", "zimmerfrau",
        "roomboy", "camarera de pisos", "femme de chambre", "valet de chambre",
        "cameriera ai piani", "public area attendant",
    ), "front"),
    HotelRole("front desk agent", (
        "front desk", "front office", "guest service agent", "guest services agent",
        "guest service", "guest services", "receptionist", "hotel receptionist", "rezeption",
        "rezeptionist", "rezeptionistin", "empfangsmitarbeiter", "empfangsmitarbeiterin",
        "receptionniste", "recepcionista", "receptionista", "hotelfachmann", "hotelfachfrau",
        "hotelfachleute", "hotelkaufmann", "hotelkauffrau",
    ), "front"),
)
_ROLE_BY_NAME = {role.name: role for role in HOSPITALITY_ROLES}
SENIOR_ROLES = frozenset(role.name for role in HOSPITALITY_ROLES if role.senior)


def hotel_role(title: str | None) -> HotelRole | None:
    """The first of `HOSPITALITY_ROLES` a title names; None for a tech job or no hotel role."""
    folded = fold(title or "")
    if not folded or find(TECH_TITLE, folded):
        return None
    return next((role for role in HOSPITALITY_ROLES if role.pattern.search(folded)), None)


_UNDERSTUDY = phrases([
    "assistant", "asst", "junior", "jr", "trainee", "intern", "deputy", "stellvertretender",
    "stellvertretende", "stellv", "commis", "apprentice", "azubi",
])


def hiring_signal(title: str | None) -> tuple[bool, str | None]:
    """(True, role) when a posting's title is a hotel role we care about, e.g. "night auditor".

    The role is the canonical name from `HOSPITALITY_ROLES`, so that "Rezeptionist (m/w/d)" and
    "Front Desk Agent" count as the same opening; an assistant to a senior role comes back as
    "junior <role>" ("Assistant Revenue Manager" -> "junior revenue manager").
    """
    role = hotel_role(title)
    if role is None:
        return False, None
    if role.senior and find(_UNDERSTUDY, fold(title or "")):
        return True, f"junior {role.name}"  # not in SENIOR_ROLES, so no 'hot' for an assistant
    return True, role.name


_DECISION_MAKER = phrases([
    "general manager", "gm", "hotel manager", "hoteldirektor", "hoteldirektorin", "hotelier",
    "managing director", "director", "directora", "directeur", "directrice", "direktor",
    "direktorin", "direttore", "direttrice", "owner", "co owner", "proprietor", "founder",
    "co founder", "ceo", "coo", "cco", "chief", "president", "vice president", "vp",
    "managing partner", "geschaftsfuhrer", "geschaftsfuhrerin", "inhaber", "inhaberin",
    "eigentumer", "gastgeber", "gastgeberin", "head of", "revenue manager",
    "operations manager", "betriebsleiter", "betriebsleiterin", "gerente", "propietario",
    "propietaria", "proprietaire", "titolare", "revenue director",
])
# "Assistant to the General Manager" is not the general manager.
_JUNIOR = phrases([
    "assistant", "asst", "assistent", "assistentin", "intern", "internship", "trainee",
    "apprentice", "azubi", "auszubildende", "auszubildender", "werkstudent", "werkstudentin",
    "student", "coordinator", "secretary", "sekretar", "sekretarin", "praktikant",
    "praktikantin", "receptionist", "agent",
])


def is_decision_maker(contact_title: str | None) -> bool:
    """Whether a contact's job title can say yes to a purchase (GM, director, owner, revenue...)."""
    folded = fold(contact_title or "")
    return bool(folded) and bool(find(_DECISION_MAKER, folded)) and not find(_JUNIOR, folded)


def tier_for(*, hiring_role: str | None, has_email: bool, contact_title: str | None) -> str:
    """'hot', 'warm' or 'cold': how soon a prospect is worth a human's attention.

    hot:  we can email a decision-maker (general manager, director, owner, revenue or operations
          manager — not their assistant), or the hotel is hiring one (`SENIOR_ROLES`);
    warm: the hotel is hiring any hotel role, or we have some contact (an email address, or a
          named person's title);
    cold: neither.

    ``hiring_role`` may be a canonical role from `hiring_signal` or a raw posting title.
    """
    role = hiring_role
    if role and role not in _ROLE_BY_NAME:
        role = hiring_signal(role)[1] or role
    if (has_email and is_decision_maker(contact_title)) or role in SENIOR_ROLES:
        return "hot"
    if role or has_email or (contact_title and contact_title.strip()):
        return "warm"
    return "cold"
