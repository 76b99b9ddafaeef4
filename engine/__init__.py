"""CycleGAN Studio's engine: train and run CycleGAN with PyTorch alone (no Qt here, ever).

Typical use from a script or notebook::

    from engine import TrainConfig, Trainer
    result = Trainer(TrainConfig(data="horse2zebra", out="runs/h2z")).run(print)
"""

__version__ = "0.1.0"

from .config import ModelConfig, TrainConfig  # noqa: E402
from .events import (Control, CheckpointSaved, Failed, Finished, Message, Progress,  # noqa: E402
                     Samples)
from .train import Trainer, new_run, read_metrics  # noqa: E402

__all__ = ["ModelConfig", "TrainConfig", "Trainer", "new_run", "read_metrics", "Control", "Progress",
           "Samples", "CheckpointSaved", "Message", "Finished", "Failed", "__version__"]
