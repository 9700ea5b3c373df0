"""A sender in its own process, for the chaos test: runs send ticks until done or killed.

    python -m tests.send_worker CRM_PATH START_ISO TICKS SEED

Prints READY once imported (so the test kills it while it sends, not while Python starts) and
DONE after its last tick.
"""

import asyncio
import sys
from datetime import datetime, timedelta

from jengu_assets.sending.pacing import PacingSettings
from jengu_assets.sending.sender import SendSettings, TickClock, run_tick
from jengu_resources.crm_store import CRMStore


def main(crm_path: str, start: str, ticks: str, seed: str) -> None:
    store = CRMStore(path=crm_path)
    at = datetime.fromisoformat(start)
    print("READY", flush=True)
    for n in range(int(ticks)):
        settings = SendSettings(pacing=PacingSettings(skip_probability=0.0), seed=int(seed) + n)
        asyncio.run(run_tick(store, clock=TickClock(at + timedelta(minutes=5 * n)), settings=settings,
                             actor=f"chaos:{seed}"))
    print("DONE", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
