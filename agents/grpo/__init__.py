"""The generic GRPO learner: episodes from any registered env -> advantages -> update.

`loss.py` holds the math (read it against the papers); `batch.py` turns transcripts into
tensors; `trainer.py` runs the loop; `config.py` is the documented configuration.
"""

from .config import PRESETS, GRPOConfig, apply_preset
from .trainer import GRPOTrainer

__all__ = ["GRPOConfig", "GRPOTrainer", "PRESETS", "apply_preset"]
