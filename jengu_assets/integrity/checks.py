"""The integrity findings as Dagster asset checks, each attached to the asset whose data it guards.

One ``multi_asset_check`` per guarded asset: its checks share one short CRM connection, and a run
that materialises the asset (the daily pipeline, an import, a reply run) runs just that asset's
checks after it. ``can_subset`` lets a run ask for some of them. Every result carries its evidence in
metadata: ``count`` (offending items), ``sample`` (up to 20 of their ids) and, for the drift checks,
``threshold`` (the bounds it was judged by). Severity is ERROR for what must never happen and WARN
for drift; a failed check never fails the run, it shows in the UI and feeds the alert sensor.
"""

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from jengu_assets.integrity import findings
from jengu_assets.integrity.findings import THRESHOLDS, Finding, Thresholds
from jengu_resources.crm_store import CRMStore

# (kind, part): ``part`` narrows a kind that spans two assets to this asset's rows.
GUARDS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "prospects": (("duplicate_email", None), ("duplicate_name_city", None),
                  ("invalid_transition", None), ("stuck_transient", None),
                  ("missing_required", "prospect")),
    "enriched_contacts": (("retry_backlog", None), ("enrichment_failure_share", None)),
    "research_reports": (("orphan_research", None),),
    "composed_emails": (("orphan_email", None), ("missing_required", "email")),
    "sent_emails": (("orphan_ledger", None), ("double_delivery", None), ("suppressed_send", None),
                    ("stale_unknown_send", None), ("inbox_bounce_rate", None),
                    ("inbox_complaint_rate", None)),
    "replies": (("orphan_reply", None), ("inbound_review_backlog", None)),
}
assert {kind for guarded in GUARDS.values() for kind, _ in guarded} == set(findings.FAULT_KINDS)

DESCRIPTIONS: dict[tuple[str, str | None], str] = {
    ("orphan_email", None): "Every email belongs to an existing prospect. Fails (ERROR) on emails "
    "whose prospect is gone; the repair job deletes them.",
    ("orphan_ledger", None): "Every send in the once-only ledger (and each of its attempts) belongs "
    "to an existing prospect. Fails (ERROR) per orphaned send.",
    ("orphan_reply", None): "Every reply matched to a prospect points at one that exists (unmatched "
    "replies, with no prospect, are not orphans). Fails (ERROR) per orphan.",
    ("orphan_research", None): "Every research report belongs to an existing prospect. Fails (ERROR) "
    "per orphan.",
    ("duplicate_email", None): "No two prospects share an email address (case-insensitive); a "
    "delegated colleague and its parent are not duplicates. Warns per extra prospect.",
    ("duplicate_name_city", None): "No two prospects share the normalised name and city "
    "(name_key, city_key); a delegated colleague and its parent are not duplicates. Warns per "
    "extra prospect.",
    ("double_delivery", None): "At most one delivered email per (prospect, sequence step), in the "
    "send attempts and in the emails. Fails (ERROR) per extra delivery.",
    ("suppressed_send", None): "No email was ever delivered to an address already on the "
    "suppression list when the send was claimed. Fails (ERROR) per delivery.",
    ("invalid_transition", None): "Every logged stage transition is allowed by the stage machine "
    "(stages.ALLOWED; a creation row goes to 'new'). Fails (ERROR) per transition.",
    ("stuck_transient", None): "No prospect sits in a transient stage (enriching, researching, "
    "composing, sending) for over an hour (by default). Warns per stuck prospect; the repair job "
    "resets them.",
    ("missing_required", "prospect"): "A prospect queued or further along (sending, sent, "
    "contacted, replied...) has an email address. Fails (ERROR) per prospect.",
    ("missing_required", "email"): "A queued email (not held) has a recipient, subject, body and "
    "every gate passed; a sent email has its Message-ID and send time. Fails (ERROR) per email.",
    ("inbox_bounce_rate", None): "Each inbox bounces (hard or policy) at most 5% of its last 50 "
    "answered sends (by default). Warns per inbox above the bound.",
    ("inbox_complaint_rate", None): "Complaints about each inbox's last 50 answered sends stay at "
    "most 0.1% of them (by default). Warns per inbox above the bound.",
    ("stale_unknown_send", None): "No send stays 'unknown' (delivery unproven) for over a day "
    "without review (by default). Fails (ERROR); resolve with `jengu sends review`.",
    ("inbound_review_backlog", None): "No inbound message waits for a person (unmatched: nothing "
    "places it; failed: its actions raised) for over a day (by default). Warns per message; work "
    "them with `jengu inbound review`.",
    ("retry_backlog", None): "At most 100 pending retries are overdue by more than a day (the retry "
    "schedule keeps up; by default). Warns with every overdue retry above the bound.",
    ("enrichment_failure_share", None): "At most half of the prospects discovered in the last 7 days "
    "(20 tried at least; by default) fail enrichment. Warns with the failed prospects above the bound.",
}


class IntegrityConfig(dg.Config):
    """The drift bounds (defaults: ``findings.THRESHOLDS``, documented in docs/integrity.md)."""

    stuck_after_minutes: int = Field(default=THRESHOLDS.stuck_after_minutes)
    unknown_after_hours: int = Field(default=THRESHOLDS.unknown_after_hours)
    review_after_hours: int = Field(default=THRESHOLDS.review_after_hours)
    rate_window_sends: int = Field(default=THRESHOLDS.rate_window_sends)
    max_bounce_rate: float = Field(default=THRESHOLDS.max_bounce_rate)
    max_complaint_rate: float = Field(default=THRESHOLDS.max_complaint_rate)
    retry_overdue_hours: int = Field(default=THRESHOLDS.retry_overdue_hours)
    max_retry_backlog: int = Field(default=THRESHOLDS.max_retry_backlog)
    enrichment_window_days: int = Field(default=THRESHOLDS.enrichment_window_days)
    min_enriched_prospects: int = Field(default=THRESHOLDS.min_enriched_prospects)
    max_enrichment_failure_share: float = Field(default=THRESHOLDS.max_enrichment_failure_share)

    def thresholds(self) -> Thresholds:
        return Thresholds(**{name: getattr(self, name) for name in asdict(THRESHOLDS)})


def check_result(asset: str, finding: Finding, thresholds: Thresholds = THRESHOLDS) -> dg.AssetCheckResult:
    """One finding as the result of the check of the same name on ``asset``."""
    metadata: dict[str, dg.MetadataValue] = {
        "count": dg.MetadataValue.int(finding.count),
        "sample": dg.MetadataValue.json(finding.sample),
    }
    bounds = findings.limits(finding.kind, thresholds)
    if bounds:
        metadata["threshold"] = dg.MetadataValue.json(bounds)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=finding.kind,
        passed=finding.count == 0,
        severity=dg.AssetCheckSeverity(finding.severity),
        description=finding.detail,
        metadata=metadata,
    )


def _integrity_checks(asset: str, guarded: Sequence[tuple[str, str | None]]) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name=kind, asset=asset, description=DESCRIPTIONS[(kind, part)])
             for kind, part in guarded]

    @dg.multi_asset_check(
        name=f"{asset}_integrity",
        specs=specs,
        can_subset=True,
        description=f"Integrity of {asset}: {', '.join(kind for kind, _ in guarded)}.",
    )
    def _checks(context: dg.AssetCheckExecutionContext, config: IntegrityConfig,
                crm: CRMStore) -> Iterator[dg.AssetCheckResult]:
        selected = {key.name for key in context.selected_asset_check_keys}
        thresholds = config.thresholds()
        now = datetime.now(timezone.utc)
        with crm.connect() as con:
            found = [findings.find(con, kind, now=now, thresholds=thresholds, part=part)
                     for kind, part in guarded if kind in selected]
        for finding in found:
            yield check_result(asset, finding, thresholds)

    return _checks


INTEGRITY_CHECKS: list[dg.AssetChecksDefinition] = [
    _integrity_checks(asset, guarded) for asset, guarded in GUARDS.items()]
