"""Lead acquisition assets materialised in-process against a real DuckDB file and the loopback job
board of the sandbox (real HTTP through the production clients)."""

from __future__ import annotations

import dagster as dg
import pytest

from jengu_assets.acquisition.assets import job_postings, lead_imports, prospects
from tests.conftest import DAY, PARTITION

ASSETS = [job_postings, lead_imports, prospects]

SAMPLE_CSV = (
    "First Name,Last Name,Title,Company,Company Website,Geography,Email\n"
    "Anna,Berger,General Manager,Hotel Alpenrose,https://www.alpenrose-test.at,\"Innsbruck, Tyrol, Austria\",anna.berger@alpenrose-test.at\n"
    "Anna,Berger,General Manager,\"Alpenrose, Hotel\",,\"Innsbruck, Austria\",\n"
    "Tom,Reed,Owner,,https://www.nameless.example,\"Leeds, UK\",tom@nameless.example\n"
    "Lea,Roth,Revenue Manager,Hotel Seeblick,https://www.seeblick-test.ch,\"Zürich, Switzerland\",lea.roth@@seeblick\n"
)


def _materialize(resources, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize(ASSETS, partition_key=PARTITION, resources=resources, **kwargs)


def _table_counts(crm) -> dict[str, int]:
    tables = ["prospects", "prospect_sources", "job_postings", "import_rows", "state_transitions"]
    return {t: crm.scalar(f"SELECT count(*) FROM {t}") for t in tables}


def test_postings_become_prospects_and_nothing_is_lost(resources, crm):
    result = _materialize(resources)
    assert result.success

    postings = crm.query("SELECT status, reason, prospect_id FROM job_postings")
    assert len(postings) >= 20
    statuses = {p["status"] for p in postings}
    assert statuses <= {"accepted", "duplicate", "rejected"}  # none left pending
    assert {"accepted", "rejected"} <= statuses  # the sample has noise to reject
    assert all(p["reason"] for p in postings if p["status"] != "accepted")
    assert all(p["prospect_id"] for p in postings if p["status"] != "rejected")

    accepted = sum(p["status"] == "accepted" for p in postings)
    assert crm.scalar("SELECT count(*) FROM prospects") == accepted
    # Every prospect is in stage new, from today, with provenance and a logged birth.
    rows = crm.query("SELECT stage, discovered_on, source, source_ref, tier FROM prospects")
    assert {r["stage"] for r in rows} == {"new"}
    assert {r["discovered_on"] for r in rows} == {DAY}
    assert all(r["source"].startswith("job_board:") and r["source_ref"] for r in rows)
    assert {r["tier"] for r in rows} <= {"hot", "warm", "cold"}
    assert crm.scalar("SELECT count(*) FROM state_transitions WHERE to_stage = 'new'") == accepted
    # Each admitted or duplicate posting is recorded as a source of its prospect.
    assert crm.scalar("SELECT count(*) FROM prospect_sources") == sum(
        p["status"] != "rejected" for p in postings
    )

    metadata = result.asset_materializations_for_node("prospects")[0].metadata
    assert metadata["admitted_from_postings"].value == accepted
    assert metadata["stages"].value == {"new": accepted}
    assert metadata["rejection_reasons"].value  # visible in the UI, not only in the table


def test_rematerialising_a_partition_is_idempotent(resources, crm):
    assert _materialize(resources).success
    first = _table_counts(crm)
    ids = crm.query("SELECT id, stage FROM prospects ORDER BY id")
    assert _materialize(resources).success
    assert _table_counts(crm) == first
    assert crm.query("SELECT id, stage FROM prospects ORDER BY id") == ids

    metadata = dg.materialize(
        [prospects], partition_key=PARTITION, resources=resources,
        selection=[prospects],
    ).asset_materializations_for_node("prospects")[0].metadata
    assert metadata["admitted_from_postings"].value == 0
    assert metadata["already_admitted"].value > 0


def test_a_prospect_past_new_is_not_reset_by_a_rerun(resources, crm):
    from jengu_assets import stages

    assert _materialize(resources).success
    pid = crm.scalar("SELECT min(id) FROM prospects")
    with crm.transaction() as con:
        stages.transition(con, pid, stages.Stage.ENRICHING, reason="test")
    assert _materialize(resources).success
    assert crm.scalar("SELECT stage FROM prospects WHERE id = ?", [pid]) == "enriching"


def test_csv_rows_are_admitted_with_reasons_for_rejections(resources, crm, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    config = dg.RunConfig({"lead_imports": {"config": {"files": [str(path)]}}})
    result = _materialize(resources, run_config=config)
    assert result.success

    rows = crm.query("SELECT row_number, status, reason FROM import_rows ORDER BY row_number")
    assert [r["status"] for r in rows] == ["accepted", "duplicate", "rejected", "rejected"]
    assert "company" in rows[2]["reason"] and "email" in rows[3]["reason"]
    prospect = crm.query("SELECT * FROM prospects WHERE source = 'csv'")
    assert len(prospect) == 1
    assert prospect[0]["email"] == "anna.berger@alpenrose-test.at"
    assert prospect[0]["country"] == "AT" and prospect[0]["source_ref"] == "leads.csv row 1"

    metadata = result.asset_materializations_for_node("lead_imports")[0].metadata
    assert metadata["rows"].value == 4
    assert metadata["rejected_on_reading"].value >= 1
    assert "leads.csv" in metadata["rejections"].value

    # The same file again (even renamed) is recognised by content: nothing new.
    again = tmp_path / "renamed.csv"
    again.write_bytes(path.read_bytes())
    before = _table_counts(crm)
    config = dg.RunConfig({"lead_imports": {"config": {"files": [str(again)]}}})
    assert _materialize(resources, run_config=config).success
    assert _table_counts(crm) == before


def test_an_unreadable_import_file_fails_the_asset_with_its_name(resources, tmp_path):
    bad = tmp_path / "photo.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    config = dg.RunConfig({"lead_imports": {"config": {"files": [str(bad)]}}})
    with pytest.raises(dg.Failure, match="no lead file could be read"):
        dg.materialize([lead_imports], partition_key=PARTITION, resources=resources, run_config=config)


def test_without_job_boards_the_graph_still_runs(crm):
    from jengu_resources.job_boards import JobBoards

    result = _materialize({"crm": crm, "job_boards": JobBoards()})
    assert result.success
    metadata = result.asset_materializations_for_node("job_postings")[0].metadata
    assert metadata["fetched"].value == 0
    assert metadata["sources"].value == "none configured"
