"""``jengu ui``: the Dagster webserver and daemon, bound to loopback, sharing one Dagster home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jengu.instance import open_instance
from jengu_resources.paths import REPO_ROOT


def serve(host: str = "127.0.0.1", port: int = 3000) -> int:
    instance = open_instance()
    instance.dispose()
    bin_dir = Path(sys.executable).parent
    workspace = str(REPO_ROOT / "workspace.yaml")
    commands = [
        [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), "-w", workspace],
        # Without the daemon, schedules, sensors and queued runs never start.
        [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
    ]
    print(f"Dagster UI on http://{host}:{port}  (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    print("Ctrl-C stops the webserver and the daemon.")
    procs = [subprocess.Popen(cmd, cwd=REPO_ROOT) for cmd in commands]
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return next((p.returncode for p in procs if p.returncode), 0)
