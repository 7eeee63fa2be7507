"""Checks before loading a model: is the name a checkpoint we can load, and is the device there.

    kwargs = resolve_pretrained("Qwen/Qwen2.5-0.5B-Instruct")   # {} or {"local_files_only": True}
    model = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    check_device("cuda")                                        # one line when CUDA is missing

Without them a name that is neither a local directory nor reachable on the hub retries the
hub for about 50 s and ends in an `OSError` traceback. Here a local directory is used as
is; a hub name already in the Hugging Face cache loads from it (`local_files_only` when the
hub cannot be reached); anything else is looked up once on the hub with a short timeout,
and a missing model, a gated one or an unreachable hub is a `ModelNotAvailable` in one line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

HUB_TIMEOUT_S = 10.0


class ModelNotAvailable(ValueError):
    """The model cannot be loaded as named; the message says why and what to do."""


def resolve_pretrained(name: str, *, timeout_s: float = HUB_TIMEOUT_S) -> dict[str, Any]:
    """Check `name` (a checkpoint directory or a hub model id) before `from_pretrained`.

    Returns extra `from_pretrained` kwargs; raises `ModelNotAvailable` in seconds when the
    model cannot be loaded (not a directory, not cached, and missing or unreachable).
    """
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotAvailable(f"{name}: a directory without config.json; pass a "
                                    "checkpoint directory (what save_pretrained writes)")
        return {}
    if path.exists() or name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelNotAvailable(f"{name}: no such checkpoint directory")
    cached = _in_cache(name)
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    if offline:
        if cached:
            return {"local_files_only": True}
        raise ModelNotAvailable(f"{name!r} is not a local directory nor in the Hugging Face cache "
                                "and HF_HUB_OFFLINE is set; download it first (`hf download "
                                f"{name}`) or pass a checkpoint directory")
    problem = _hub_problem(name, timeout_s)
    if problem is None:
        return {}
    unreachable, message = problem
    if cached and unreachable:
        return {"local_files_only": True}  # use the cached copy instead of retrying the hub
    raise ModelNotAvailable(message)


def check_device(device: str) -> None:
    """Raise `ModelNotAvailable` in one line when `device` names an accelerator torch lacks."""
    import torch
    kind = str(device).split(":")[0]
    if kind == "cuda" and not torch.cuda.is_available():
        why = ("this torch build has no CUDA" if torch.version.cuda is None
               else "no CUDA GPU is visible")
        raise ModelNotAvailable(f"device {device!r}: {why} (torch {torch.__version__}); use "
                                "--device cpu, or install a CUDA build of torch on a GPU machine")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ModelNotAvailable(f"device {device!r}: MPS is not available here; use --device cpu")


def _in_cache(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # an invalid repo id, no huggingface_hub: not cached
        return False


def _hub_problem(name: str, timeout_s: float) -> tuple[bool, str] | None:
    """None when the hub has `name`, else (the hub was unreachable, one line saying why)."""
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
    try:
        HfApi().model_info(name, timeout=timeout_s)
    except GatedRepoError:
        return False, (f"{name!r} is gated on the hub: accept its licence on the model page "
                       "and log in (`hf auth login`), or pass a checkpoint directory")
    except RepositoryNotFoundError:
        return False, (f"{name!r} is neither a local directory nor a model on the hub; check "
                       "the spelling, or pass a checkpoint directory")
    except HfHubHTTPError:
        return None  # the hub answered something else (rate limit, ...): let the load try
    except ValueError as e:  # an invalid repo id
        return False, f"{name!r} is neither a local directory nor a valid hub model id ({e})"
    except Exception as e:  # no connection: DNS, refused, timed out
        return True, (f"{name!r} is not a local directory nor in the Hugging Face cache, and "
                      f"the hub ({constants.ENDPOINT}) cannot be reached ({type(e).__name__}: "
                      f"{str(e)[:120]}); pass a checkpoint directory, or download it where "
                      "the hub is reachable")
    return None
