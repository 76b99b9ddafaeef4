"""Run under torchrun by test_ddp.py: train a few steps, then check every rank holds the same weights."""

import sys

import torch
import torch.distributed as dist

from engine import Finished, Trainer
from tests.conftest import tiny_config

data, out = sys.argv[1], sys.argv[2]
trainer = Trainer(tiny_config(data, out, max_steps=3, batch_size=2, device="cpu"))  # gloo, whatever GPUs exist
result = trainer.run()
assert isinstance(result, Finished) if trainer.is_main else result is not None
checksum = torch.stack([sum(p.double().sum() for p in net.parameters())
                        for net in trainer.model.nets.values()])
gathered = [torch.zeros_like(checksum) for _ in range(dist.get_world_size())]
dist.all_gather(gathered, checksum)
if trainer.is_main:
    assert all(torch.equal(g, gathered[0]) for g in gathered), gathered
    print(f"ranks agree: world {dist.get_world_size()}, step {trainer.step}, "
          f"{len(trainer.sampler)} keys per rank per epoch")
trainer.close()
