"""CPU-time budgets for single calls, judged so that only the code's own cost can fail them.

Wall time counts whatever else the machine does (the suite runs on two workers beside other
jobs); process CPU time counts this process alone. A call over its budget is run again, up to
``runs`` times, and the best time is judged: a garbage collection or a first-use cost landing
inside one call is not the cost of the work, while a slow algorithm is slow every time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def within_cpu_budget(call: Callable[[], T], seconds: float, runs: int = 3) -> T:
    """The result of ``call()``, once a run of it has used less than ``seconds`` of CPU."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        result = call()
        best = min(best, time.process_time() - started)
        if best < seconds:
            return result
    raise AssertionError(f"the best of {runs} runs took {best:.2f} s of CPU; "
                         f"the budget is {seconds} s")
