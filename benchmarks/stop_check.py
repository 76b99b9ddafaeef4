"""What the ranks' per-step stop agreement costs: microseconds per call of Trainer._stop_point.

    .venv/bin/torchrun --nproc_per_node=2 benchmarks/stop_check.py [calls] [repeats]

Under torchrun every training step asks the other ranks, through a CPU (gloo) group, whether any
was told to stop (engine/train.py, `Trainer._stop_point`), so that they all stop at the same
step. This times that very method on the same kind of group, `calls` times per repeat (default
2000 x 5), and rank 0 prints the median of the repeats' per-call times, beside a Quick step on
an H100 (0.047 s, docs/performance.md) for scale. It needs no GPU: the check never touches one.
"""

import argparse
import statistics
import time
from types import SimpleNamespace

import torch.distributed as dist

from engine.events import Control
from engine.train import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("calls", nargs="?", type=int, default=2000, help="calls a repeat (default: 2000)")
    parser.add_argument("repeats", nargs="?", type=int, default=5, help="repeats (default: 5)")
    args = parser.parse_args()  # --help answers before any process group is made
    calls, repeats = args.calls, args.repeats
    dist.init_process_group("gloo")
    trainer = SimpleNamespace(distributed=True, _stop_group=dist.new_group(backend="gloo"))
    control = Control()
    per_call_us = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(calls):
            Trainer._stop_point(trainer, control)
        per_call_us.append((time.perf_counter() - start) / calls * 1e6)
    if dist.get_rank() == 0:
        median = statistics.median(per_call_us)
        print(f"ranks {dist.get_world_size()}, {calls} calls x {repeats}: "
              f"{', '.join(f'{u:.1f}' for u in per_call_us)} us a call; median {median:.1f} us, "
              f"{median / 47e3 * 100:.2f} % of a 47 ms Quick step on an H100")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
