"""The research report: what Jengu knows about a hotel, every item with its source.

Composition may only state what is in here; the claims gate checks each sentence of a draft
against ``ResearchReport.facts()``.

Besides its English ``text``, an item and the report's provenance carry the values they state
(a role, a board, a rating, a name, a headline), so that a template can say the same thing in
the email's language. Names, titles and quotations are kept verbatim. Reports stored before
these fields existed load with them empty.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ItemKind = Literal["pain_signal", "review", "news", "competitor", "hiring_signal", "property"]
# What the site check found: something missing (a pain signal) or a property of the hotel.
Signal = Literal[
    "no_booking_engine", "no_chat_widget", "no_schema_org", "no_analytics", "no_social_profiles",
    "booking_engine", "stars", "rooms",
]
ProvenanceKind = Literal["job_posting", "listing", "website", "public_listings"]


class ResearchItem(BaseModel):
    kind: ItemKind
    text: str = Field(description="One plain statement, e.g. 'No direct booking engine on the site'.")
    source: str = Field(description="A URL, or a record such as 'job posting adzuna:123'.")
    signal: Signal | None = None
    host: str | None = Field(None, description="The hotel's site the check ran on.")
    number: float | None = Field(None, description="Stars or rooms.")
    name: str | None = Field(None, description="The booking engine, or the competing hotel.")
    city: str | None = Field(None, description="Where the competing hotel is.")
    role: str | None = Field(None, description="The posting's title, verbatim.")
    board: str | None = Field(None, description="The job board's display name.")
    site: str | None = Field(None, description="The review site, or the news outlet's host.")
    rating: float | None = None
    scale: int | None = Field(None, description="What the rating is out of: 5, 6 or 10.")
    quote: str | None = Field(None, description="What guests mention, or the news headline, verbatim.")


class Provenance(BaseModel):
    """Where the contact was found, as values: ``found_via`` says the same in English."""

    kind: ProvenanceKind
    role: str | None = Field(None, description="The posting's title, verbatim.")
    board: str | None = Field(None, description="The job board or listing site's display name.")
    source: str | None = Field(None, description="The posting's URL, the listing, or a CRM record.")


class ResearchReport(BaseModel):
    prospect_id: str
    company_name: str
    city: str | None = None
    country: str | None = None
    language: str = "en"  # the language the hotel's site is written in
    contact_name: str | None = None
    contact_title: str | None = None
    # Where the contact was found, said in the first email (GDPR Art. 14 spirit),
    # e.g. "your Front Desk Manager posting on Indeed".
    found_via: str
    provenance: Provenance | None = None
    items: list[ResearchItem] = Field(default_factory=list)

    def of_kind(self, kind: ItemKind) -> list[ResearchItem]:
        return [item for item in self.items if item.kind == kind]

    def facts(self) -> list[tuple[str, str]]:
        """(text, source) of every item, plus the contact's provenance, for the claims gate."""
        return [(item.text, item.source) for item in self.items] + [(self.found_via, "provenance")]
