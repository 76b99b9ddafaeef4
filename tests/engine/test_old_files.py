"""Run folders and model files written before the model/loop split (version 0.1.0 as first shipped) keep working.

tests/data/v0.1-run was written by the engine of commit 4e13310: a 3-step CycleGAN run with weight
averaging (its config.json has no method, its checkpoint the keys of the single-method trainer),
and night2day.pt, a model file exported from it (its metadata has no method and no generator).
"""

import json
import shutil
from pathlib import Path

import torch

from engine import Trainer, read_metrics
from engine.modelfile import load_model

OLD = Path(__file__).resolve().parents[1] / "data" / "v0.1-run"


def test_an_old_run_resumes_exports_and_converts(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(OLD / "config.json", run)
    shutil.copy(OLD / "metrics.jsonl", run)
    shutil.copytree(OLD / "checkpoints", run / "checkpoints")
    config = json.loads((run / "config.json").read_text())
    config.update(data=str(OLD / "data"), out=str(run))
    (run / "config.json").write_text(json.dumps(config))
    old = torch.load(run / "checkpoints" / "latest.pt", weights_only=True)

    trainer = Trainer.from_run(run, max_steps=5)
    assert trainer.step == 3 and trainer.config.method == "cyclegan"
    assert torch.equal(trainer.model.generator("G_B").model[1].weight, old["nets"]["G_B_ema"]["model.1.weight"])
    trainer.run()
    assert [r["step"] for r in read_metrics(run)] == [1, 2, 3, 4, 5]
    model = load_model(run, "BtoA")
    assert model.metadata["source_domain"] == "night"
    assert model.generator(torch.zeros(1, 3, 24, 24)).shape == (1, 3, 24, 24)


def test_an_old_model_file_loads_as_it_did():
    model = load_model(OLD / "night2day.pt")
    assert "method" not in model.metadata and model.metadata["model"]["blocks"] == 1
    old = torch.load(OLD / "night2day.pt", weights_only=True)["state_dict"]
    assert torch.equal(model.generator.state_dict()["model.1.weight"], old["model.1.weight"].float())
