"""Typed records of lead acquisition: what a job posting or a CSV row becomes before admission."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Lead:
    """A candidate prospect, not yet deduplicated against the store.

    ``source_key`` identifies where it came from exactly once (``posting:<board>:<id>`` or
    ``csv:<sha256>:<row>``), which is what makes admission idempotent; ``source_ref`` is the same
    provenance for people (the posting URL, or ``leads.csv row 12``).
    """

    company_name: str
    source: str
    source_key: str
    source_ref: str
    contact_name: str | None = None
    contact_title: str | None = None
    email: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    website: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 when it could be resolved
    industry: str | None = None
    hiring_role: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
