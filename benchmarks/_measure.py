"""Run a command; write its wall time, peak memory and CPU time as JSON to OUT.

    python benchmarks/_measure.py OUT TIMEOUT CMD...

run.py starts this small, freshly exec'd process rather than the command itself because on Linux a
child's ru_maxrss starts from its parent's high-water RSS (fork, then exec, keeps the larger of
the two): measured straight from run.py, `python -c pass` would report run.py's own peak. Here the
floor is this wrapper's RSS (about 10 MB), and resource.getrusage(RUSAGE_CHILDREN) covers exactly
the one child.  stdout, stderr and stdin are inherited from run.py.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    out, timeout, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    start = time.perf_counter()
    child = subprocess.Popen(argv)
    try:
        code = child.wait(timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        child.kill()
        code = child.wait()
        timed_out = True
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"wall_s": wall, "maxrss_kb": usage.ru_maxrss, "exit": code,
                   "timed_out": timed_out, "user_s": usage.ru_utime,
                   "system_s": usage.ru_stime}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
