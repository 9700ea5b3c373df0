"""The production instance config (dagster.postgres.yaml) against the real PostgreSQL on
127.0.0.1:5432, database `test`: a partition is materialised and its run and events land there.
A missing server is a failure, not a skip."""

from __future__ import annotations

import getpass
import os

import dagster as dg
import psycopg2

from jengu_assets.acquisition.assets import job_postings, lead_imports, prospects
from tests.conftest import PARTITION

PG_URL = os.environ.get(
    "JENGU_TEST_PG_URL", f"postgresql+psycopg2://{getpass.getuser()}@127.0.0.1:5432/test"
)


def test_materialise_a_partition_on_the_postgres_instance(home, resources, monkeypatch):
    from jengu.instance import open_instance

    monkeypatch.setenv("JENGU_DAGSTER_INSTANCE", "postgres")
    monkeypatch.setenv("JENGU_DAGSTER_PG_URL", PG_URL)
    instance = open_instance(home)
    try:
        assert "postgres" in type(instance.run_storage).__name__.lower()
        assert "postgres" in type(instance.event_log_storage).__name__.lower()
        assert "postgres" in type(instance.schedule_storage).__name__.lower()
        result = dg.materialize(
            [job_postings, lead_imports, prospects],
            partition_key=PARTITION,
            resources=resources,
            instance=instance,
        )
        assert result.success
        run = instance.get_run_by_id(result.run_id)
        assert run.tags["dagster/partition"] == PARTITION
        materialization = instance.get_latest_materialization_event(dg.AssetKey("prospects"))
        assert materialization.run_id == result.run_id
    finally:
        instance.dispose()

    # Read back with a plain PostgreSQL client: the run really is in the database.
    dsn = PG_URL.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", [result.run_id])
        assert cur.fetchone() == ("SUCCESS",)
        cur.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = "
            "'ASSET_MATERIALIZATION'",
            [result.run_id],
        )
        assert cur.fetchone()[0] == 3
    con.close()
