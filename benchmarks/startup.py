"""Seconds from launching the app to its first painted window and to a main window that answers.

    xvfb-run -a .venv/bin/python benchmarks/startup.py 5

Each run starts `python -m desktop` on a fresh library with CYCLEGAN_STUDIO_TIMING=1, which makes
the app print the wall clock when its first window has painted (a splash shown before torch and
the pages load) and when the main window's event loop first runs (then it quits). Medians of
the runs are printed; the numbers include Python's own start.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("runs", nargs="?", type=int, default=3, help="app starts to time (default: 3)")
runs = []
for i in range(parser.parse_args().runs):
    env = {**os.environ, "CYCLEGAN_STUDIO_TIMING": "1", "CYCLEGAN_STUDIO_HOME": f"/tmp/startup-home-{i}"}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, env=env, timeout=120).stdout
    marks = dict(line.split()[1:3] for line in out.splitlines() if line.startswith("TIMING "))
    runs.append({k: float(v) - t0 for k, v in marks.items()})
    print({k: round(v, 2) for k, v in runs[-1].items()})
for key in runs[0]:
    print(key, "median", round(statistics.median(r[key] for r in runs), 2))
