"""The sandbox: loopback servers that play the outside world, for the demo and end-to-end tests.

Production code talks to them through the same clients and the same env vars it uses for the real
services; only the base URLs and the (fake) keys differ.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sandbox.job_board import JobBoardServer

SANDBOX_KEY = "sandbox-key"


class Sandbox:
    def __init__(self, day: date | None = None, seed: int = 7):
        self.day, self.seed = day, seed
        self.job_board = JobBoardServer(
            day=day, seed=seed, app_id="sandbox", app_key=SANDBOX_KEY, serpapi_key=SANDBOX_KEY
        )

    def start(self) -> "Sandbox":
        self.job_board.start()
        return self

    def stop(self) -> None:
        self.job_board.stop()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The env vars that point Jengu's clients at these servers."""
        return {
            "ADZUNA_BASE_URL": self.job_board.url,
            "ADZUNA_APP_ID": "sandbox",
            "ADZUNA_APP_KEY": SANDBOX_KEY,
            "SERPAPI_BASE_URL": self.job_board.url,
            "SERPAPI_KEY": SANDBOX_KEY,
            # A loopback server has no quota to respect: let the demo fetch at full speed.
            "JENGU_JOB_BOARD_RPS": "200",
        }


@contextmanager
def sandbox_env(day: date | None = None, seed: int = 7) -> Iterator[Sandbox]:
    """Run the sandbox with its env vars set, restoring the environment afterwards."""
    with Sandbox(day=day, seed=seed) as box:
        saved = {k: os.environ.get(k) for k in box.env()}
        os.environ.update(box.env())
        try:
            yield box
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
