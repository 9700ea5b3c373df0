"""Lead acquisition: job postings and CSV imports become prospects, one discovery day at a time."""

import dagster as dg

from jengu_assets.acquisition import admission, imports, postings
from jengu_assets.acquisition.csv_leads import LeadFileError, read_lead_file
from jengu_assets.acquisition.reporting import (
    import_rejections_table,
    partition_prospect_counts,
    prospects_preview,
)
from jengu_assets.partitions import daily_partitions
from jengu_resources.crm_store import CRMStore
from jengu_resources.job_boards import JobBoards
from jengu_resources.paths import jengu_home

GROUP = "lead_acquisition"


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "http"},
    owners=["team:data-engineering"],
    pool="web_api",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL),
)
def job_postings(
    context: dg.AssetExecutionContext, crm: CRMStore, job_boards: JobBoards
) -> dg.MaterializeResult:
    """Hotel job postings from the configured job boards, stored by the day they were discovered."""
    day = context.partition_time_window.start.date()
    sources = job_boards.configured_sources()
    if not sources:
        context.log.warning(
            "No job board is configured; set ADZUNA_APP_ID/ADZUNA_APP_KEY or SERPAPI_KEY "
            "(or JENGU_JOB_SOURCES) to fetch postings."
        )
    # Fetch first, with no connection open: the store is never locked across network I/O.
    fetched, errors = job_boards.fetch_postings(day)
    for error in errors:
        context.log.error(error)
    if sources and errors and not fetched and len(errors) >= len(sources):
        raise dg.Failure(f"every job board failed for {day}", metadata={"errors": errors})

    with crm.transaction() as con:
        counts = postings.store_postings(con, fetched, day)
        day_total = con.execute(
            "SELECT count(*) FROM job_postings WHERE discovered_on = ?", [day]
        ).fetchone()[0]
    by_source: dict[str, int] = {}
    for posting in fetched:
        by_source[posting.source] = by_source.get(posting.source, 0) + 1
    return dg.MaterializeResult(
        metadata={
            "sources": ", ".join(sources) or "none configured",
            "fetched": counts["fetched"],
            "new": counts["new"],
            "already_known": counts["known"],
            "postings_on_day": day_total,
            "by_source": by_source,
            "errors": errors,
        }
    )


class LeadImportConfig(dg.Config):
    files: list[str] = []
    """CSV files to import. Empty: every file in JENGU_HOME/imports not imported before."""


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    owners=["team:data-engineering"],
)
def lead_imports(
    context: dg.AssetExecutionContext, config: LeadImportConfig, crm: CRMStore
) -> dg.MaterializeResult:
    """CSV lead lists (Sales Navigator exports, plain lists): every row stored, rejected rows with
    their reason. The ``prospects`` asset admits the accepted rows."""
    day = context.partition_time_window.start.date()
    if config.files:
        paths = config.files
    else:
        paths = [str(p) for p in imports.files_to_import(crm, jengu_home().imports_dir)]

    recorded, skipped, errors = [], [], []
    for path in paths:
        try:
            lead_file = read_lead_file(path)
        except LeadFileError as exc:
            context.log.error(str(exc))
            errors.append(str(exc))
            continue
        with crm.transaction() as con:
            if imports.record_lead_file(con, lead_file, day):
                recorded.append(lead_file)
            else:
                skipped.append(lead_file.path.name)

    rejected = [
        {"file": f.path.name, "row": r.row, "line": r.line, "reason": r.reason}
        for f in recorded
        for r in f.rows
        if r.lead is None
    ]
    if errors and not recorded and not skipped:
        raise dg.Failure("no lead file could be read", metadata={"errors": errors})
    return dg.MaterializeResult(
        metadata={
            "files": [f.path.name for f in recorded],
            "already_imported": skipped,
            "rows": sum(len(f.rows) for f in recorded),
            "rejected_on_reading": len(rejected),
            "unreadable_files": errors,
            "rejections": dg.MetadataValue.md(import_rejections_table(rejected)),
        }
    )


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "python"},
    owners=["team:data-engineering"],
    deps=[job_postings, lead_imports],
)
def prospects(context: dg.AssetExecutionContext, crm: CRMStore) -> dg.MaterializeResult:
    """Hotels worth contacting, deduplicated against everything known, each with its provenance
    (posting or file row), tier and hiring signal. New prospects start in stage ``new``."""
    day = context.partition_time_window.start.date()
    actor = f"prospects/{context.run.run_id}"
    with crm.transaction() as con:
        from_postings = admission.summarise(postings.admit_postings(con, day=day, actor=actor))
        from_imports = admission.summarise(
            imports.admit_pending_rows(con, imported_on=day, actor=actor)
        )
        counts = partition_prospect_counts(con, day)
        preview = prospects_preview(con, day)
    context.log.info(f"postings: {from_postings}; imports: {from_imports}")
    return dg.MaterializeResult(
        metadata={
            "admitted_from_postings": from_postings[admission.ACCEPTED],
            "admitted_from_imports": from_imports[admission.ACCEPTED],
            "duplicates": from_postings[admission.DUPLICATE] + from_imports[admission.DUPLICATE],
            "rejected": from_postings[admission.REJECTED] + from_imports[admission.REJECTED],
            "already_admitted": from_postings[admission.ALREADY_ADMITTED]
            + from_imports[admission.ALREADY_ADMITTED],
            "prospects_in_partition": counts["total"],
            "stages": counts["stages"],
            "postings_by_status": counts["postings"],
            "import_rows_by_status": counts["import_rows"],
            "rejection_reasons": counts["rejection_reasons"],
            "preview": dg.MetadataValue.md(preview),
        }
    )
