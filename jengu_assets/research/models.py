"""The research report: what Jengu knows about a hotel, every item with its source.

Composition may only state what is in here; the claims gate checks each sentence of a draft
against ``ResearchReport.facts()``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ItemKind = Literal["pain_signal", "review", "news", "competitor", "hiring_signal", "property"]


class ResearchItem(BaseModel):
    kind: ItemKind
    text: str = Field(description="One plain statement, e.g. 'No direct booking engine on the site'.")
    source: str = Field(description="A URL, or a record such as 'job posting adzuna:123'.")


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
    items: list[ResearchItem] = Field(default_factory=list)

    def of_kind(self, kind: ItemKind) -> list[ResearchItem]:
        return [item for item in self.items if item.kind == kind]

    def facts(self) -> list[tuple[str, str]]:
        """(text, source) of every item, plus the contact's provenance, for the claims gate."""
        return [(item.text, item.source) for item in self.items] + [(self.found_via, "provenance")]
