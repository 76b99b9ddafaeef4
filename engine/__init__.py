"""CycleGAN Studio's engine: train and run CycleGAN with PyTorch alone (no Qt here, ever).

Typical use from a script or notebook::

    from engine import TrainConfig, Trainer
    result = Trainer(TrainConfig(data="horse2zebra", out="runs/h2z")).run(print)

Names are imported lazily so that ``cyclegan --help`` answers without loading torch.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "ModelConfig": "config", "TrainConfig": "config", "ConvertConfig": "config",
    "Control": "events", "Progress": "events", "Samples": "events", "CheckpointSaved": "events",
    "Message": "events", "Finished": "events", "Failed": "events",
    "Trainer": "train", "new_run": "train", "read_metrics": "rundir",
    "load_model": "modelfile", "export_model": "modelfile", "convert_folder": "convert",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
