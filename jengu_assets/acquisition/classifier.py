"""The hospitality filter as an interface: rules today, an LLM provider (with these rules as its
fallback) once the LLM resource exists. Admission depends only on the protocol."""

from __future__ import annotations

from typing import Protocol

from jengu_assets.acquisition import rules


class HospitalityClassifier(Protocol):
    def classify_posting(
        self, title: str, company: str | None, description: str | None
    ) -> tuple[bool, str]:
        """(is a hotel or lodging business hiring, the reason in words)."""
        ...


class RuleClassifier:
    """Keyword and role rules from ``rules.is_hospitality_posting``; no network, deterministic."""

    def classify_posting(
        self, title: str, company: str | None, description: str | None
    ) -> tuple[bool, str]:
        return rules.is_hospitality_posting(title, company, description)
