"""The generic GRPO learner: episodes from any registered env -> advantages -> update.

`loss.py` holds the math (read it against the papers); `batch.py` turns transcripts into
tensors; `trainer.py` runs the loop; `config.py` is the documented configuration;
`generator.py` and `sync.py` say who samples and how the new weights reach it after each
update (`vllm_engine.py`: the GPU path).
"""

from .config import PRESETS, GRPOConfig, apply_preset
from .trainer import GRPOTrainer

__all__ = ["GRPOConfig", "GRPOTrainer", "PRESETS", "apply_preset"]
