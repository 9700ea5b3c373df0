"""``repair_job``: the repairs of ``repair.py`` as a job an operator launches from the UI.

Never scheduled and never sensed: a repair deletes and merges rows, so a person decides when. The
run config is one switch, ``dry_run`` (default true), so a click in the launchpad with no config
only shows the plan. Three ops in a fixed order (orphans, then duplicates, then stuck stages: a
merge can remove a stuck duplicate, and orphans are gone before rows are re-pointed): one op per
repair, so the run shows each as its own step, with its own plan as output metadata (counts, a
sample of ids, a Markdown table), the full id lists in its log, and its own failure. The
in-process executor runs them in the run's own process, one after the other, on the one DuckDB
file.
"""

from datetime import UTC, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from jengu_assets.integrity import repair
from jengu_resources.crm_store import CRMStore

SAMPLE = 20


class RepairConfig(dg.Config):
    """The run's one switch, handed to every op by ``repair_run_config``."""

    dry_run: bool = Field(
        default=True,
        description="Only show what each repair would do. Set false to apply the repairs.")


def plan_metadata(plan: repair.Plan) -> dict[str, Any]:
    """Counts, a sample of ids per step and a Markdown table (addresses only ever masked)."""
    return {
        "applied": dg.MetadataValue.bool(plan.applied),
        "changes": dg.MetadataValue.int(plan.changes),
        "left_for_a_person": dg.MetadataValue.int(plan.left),
        "plan": dg.MetadataValue.json(plan.as_dict(sample=SAMPLE)),
        "preview": dg.MetadataValue.md(plan_markdown(plan)),
    }


def plan_markdown(plan: repair.Plan) -> str:
    if not plan.steps:
        return f"**{plan.repair}**: nothing to repair."
    lines = ["| action | table | rows | ids (sample) | reason |", "|---|---|---|---|---|"]
    for step in plan.steps:
        sample = ", ".join(step.ids[:5]) + (" ..." if len(step.ids) > 5 else "")
        lines.append(f"| {step.action} | {step.target} | {step.rows} | {sample} | "
                     f"{step.reason.replace('|', '/')} |")
    return "\n".join(lines)


def _run(context: dg.OpExecutionContext, config: RepairConfig, crm: CRMStore,
         name: str) -> dg.Output[int]:
    (plan,) = repair.run_repairs(crm, apply=not config.dry_run, only=[name], now=datetime.now(UTC),
                                 by=f"run:{context.run.run_id}")
    verb = "did" if plan.applied else "would do (dry run)"
    context.log.info(f"{name}: {verb} {plan.changes} change(s); {plan.left} left for a person")
    for step in plan.steps:
        context.log.info(f"{step.action} {step.target} ({step.rows}): {step.reason}: "
                         f"{', '.join(step.ids)}")
    return dg.Output(plan.changes, metadata=plan_metadata(plan))


@dg.op(description="Delete emails, ledger rows, attempts, replies and research reports whose "
       "prospect is gone (each row copied to repair_log first).")
def delete_orphans(context: dg.OpExecutionContext, config: RepairConfig,
                   crm: CRMStore) -> dg.Output[int]:
    return _run(context, config, crm, "orphans")


@dg.op(description="Merge duplicate prospects (same email, or same name + city) into the best "
       "record; every reference re-pointed, each merge logged in prospect_merges.",
       ins={"after": dg.In(dg.Nothing)})
def merge_duplicate_prospects(context: dg.OpExecutionContext, config: RepairConfig,
                              crm: CRMStore) -> dg.Output[int]:
    return _run(context, config, crm, "duplicates")


@dg.op(description="Move prospects stuck in a transient stage for over an hour back one stage; "
       "a send that may have gone out is left for jengu sends review.",
       ins={"after": dg.In(dg.Nothing)})
def reset_stuck_stages(context: dg.OpExecutionContext, config: RepairConfig,
                       crm: CRMStore) -> dg.Output[int]:
    return _run(context, config, crm, "stuck")


@dg.config_mapping
def repair_run_config(config: RepairConfig) -> dg.RunConfig:
    """One ``dry_run`` switch for the run, handed to every op."""
    ops = (delete_orphans, merge_duplicate_prospects, reset_stuck_stages)
    return dg.RunConfig(ops={op.name: RepairConfig(dry_run=config.dry_run) for op in ops})


@dg.job(
    description="By hand only: delete orphans, merge duplicate prospects, reset stuck stages. "
    "Dry run unless the run config says dry_run: false. Idempotent.",
    config=repair_run_config,
    executor_def=dg.in_process_executor,
    tags={"jengu/kind": "repair"},
)
def repair_job() -> None:
    reset_stuck_stages(after=merge_duplicate_prospects(after=delete_orphans()))
