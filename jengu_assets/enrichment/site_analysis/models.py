"""What a page analysis returns (``SiteAnalysis``) and what the extractors share while reading one
page (``_Page``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser


@dataclass
class SiteAnalysis:
    """What one page says about the business behind it; empty fields mean "not found"."""

    url: str | None = None
    title: str | None = None
    description: str | None = None
    language: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    social: dict[str, str] = field(default_factory=dict)
    booking_engine: str | None = None
    cms: str | None = None
    chat_widget: str | None = None
    analytics: list[str] = field(default_factory=list)
    schema_org: dict[str, Any] | None = None
    address: str | None = None
    links: dict[str, str] = field(default_factory=dict)

    def to_json(self, input_label: str) -> dict[str, Any]:
        """The stored record; ``input_label`` names what was analysed (a URL or a path)."""
        return {
            "input": input_label,
            "url": self.url,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "social": dict(self.social),
            "booking_engine": self.booking_engine,
            "cms": self.cms,
            "schema_org": copy.deepcopy(self.schema_org),
            "title": self.title,
            "language": self.language,
            "description": self.description,
            "address": self.address,
            "chat_widget": self.chat_widget,
            "analytics": list(self.analytics),
            "links": dict(self.links),
        }


@dataclass
class _Page:
    tree: LexborHTMLParser
    raw: str
    base: str | None = None
    host: str | None = None
    metas: dict[str, str] = field(default_factory=dict)
    generators: list[str] = field(default_factory=list)
    script_text: str = ""
    embedded_urls: list[str] = field(default_factory=list)
    tel_hrefs: list[str] = field(default_factory=list)
    mail_hrefs: list[str] = field(default_factory=list)
    cf_emails: list[str] = field(default_factory=list)
    cloaked_emails: list[str] = field(default_factory=list)
    whatsapp: bool = False
    text: str = ""
    schema_country: str | None = None
    url: str | None = None
    schema_phones: list[str] = field(default_factory=list)
    schema_emails: list[str] = field(default_factory=list)
    meta_address: dict[str, str | None] | None = None
