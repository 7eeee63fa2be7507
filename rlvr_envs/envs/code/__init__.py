"""rlvr/Code-v0: Python programming tasks judged in the sandbox (see docs/envs/code.md)."""

from .env import CodeEnv
from .extract import extract_code
from .judge import JudgeReport, judge
from .loaders import normalize_code_record
from .verify import digest, verify_code

__all__ = ["CodeEnv", "JudgeReport", "digest", "extract_code", "judge", "normalize_code_record",
           "verify_code"]
