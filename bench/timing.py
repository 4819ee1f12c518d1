"""What the benchmark scripts share: timing a call and finding R with metafor.

The scripts run as ``python bench/NAME.py``, so this folder is on ``sys.path`` and they
import it as ``from timing import median_time, r_available``.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any


def median_time(
    fn: Callable[[], Any], repeat: int = 5, *, warm_up: bool = False
) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls of ``fn`` and its last result.

    ``warm_up`` makes one untimed call first (imports, caches).
    """
    out = fn() if warm_up else None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def r_available(*packages: str) -> bool:
    """Whether ``Rscript`` runs and loads metafor (and ``packages``)."""
    if shutil.which("Rscript") is None:
        return False
    code = "; ".join(f"library({p})" for p in ("metafor", *packages))
    return subprocess.run(["Rscript", "-e", code], capture_output=True, check=False).returncode == 0
