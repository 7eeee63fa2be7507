"""The vLLM backend: the offline `vllm.LLM` engine on a GPU, same outputs as `HFPolicy`.

    policy = VLLMPolicy("Qwen/Qwen2.5-1.5B-Instruct", gpu_memory_utilization=0.8)

vLLM is imported when the policy is built, never at module import, so this module loads on
any machine; building the policy without vLLM or without a CUDA GPU raises an `ImportError`
/ `RuntimeError` that says what is missing and how to get it.

Prompts are built exactly as in `HFPolicy` (the chat template on the first turn, then by
extension of the previous turn's tokens, `agents.prompt_ids`) and sent as token ids, so
`prompt_token_ids` are what the engine saw. The engine is built with
`logprobs_mode="processed_logprobs"` where the installed vLLM has it: log-probs after
temperature and top-k/top-p, i.e. under the distribution the token was drawn from (the
same definition as `HFPolicy`). Older vLLM versions return the raw model log-probs
(temperature 1, unfiltered); `describe()["logprobs_mode"]` records which one was used.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Sequence
from typing import Any, ClassVar

from .policy import Conversation, Generation, Policy, SamplingParams
from .prompt_ids import PromptIds, build_prompt_ids, render_prompt_ids

INSTALL_HINT = "pip install 'rlvr-envs[gpu]'"


def require_vllm() -> None:
    """Raise a clear error unless vLLM is installed and a CUDA GPU is visible."""
    if importlib.util.find_spec("vllm") is None:
        raise ImportError(f"the vLLM backend needs the `vllm` package, which is not installed: "
                          f"{INSTALL_HINT} (on a machine with a CUDA GPU), or use "
                          "`hf:PATH` (transformers, CPU or GPU) or `openai:MODEL@URL`")
    try:
        import torch
        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if not has_gpu:
        raise RuntimeError("vLLM needs a CUDA GPU; none found (torch.cuda.is_available() is "
                           "False). Use `hf:PATH` to run the model with transformers on CPU.")


class VLLMPolicy(Policy):
    """A `vllm.LLM` engine; extra keyword arguments go to `vllm.LLM(...)`."""

    returns_token_ids: ClassVar[bool] = True

    def __init__(self, model: str, *, name: str | None = None, seed: int = 0,
                 **engine_kwargs: Any) -> None:
        require_vllm()
        import vllm

        self._vllm = vllm
        self.model_path = model
        self.name = name or f"vllm:{model}"
        self.max_batch_size = None  # the engine schedules its own batches
        kwargs = dict(seed=seed, **engine_kwargs)
        # asked of EngineArgs, not by retrying on TypeError: a failed start may already hold
        # GPU memory, and a second engine in the same process would not fit next to it
        self.logprobs_mode = ("processed_logprobs" if "logprobs_mode" in {
            f.name for f in dataclasses.fields(vllm.EngineArgs)} else "raw")
        if self.logprobs_mode != "raw":
            kwargs["logprobs_mode"] = self.logprobs_mode
        self.engine_kwargs = kwargs
        self.llm = vllm.LLM(model=model, **kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self._special_ids = set(self.tokenizer.all_special_ids)
        self._requests = 0
        max_len = getattr(self.llm.llm_engine.model_config, "max_model_len", None)
        self.max_context = int(max_len or 1 << 30)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__name__, "model": self.model_path,
                "vllm": self._vllm.__version__, "logprobs_mode": self.logprobs_mode,
                "engine": {k: v for k, v in self.engine_kwargs.items()
                           if isinstance(v, (str, int, float, bool, type(None)))}}

    def render_prompt_ids(self, conv: Conversation) -> list[int]:
        """Prompt ids exactly as `HFPolicy.render_prompt_ids` makes them."""
        return render_prompt_ids(self.tokenizer, conv)

    def prompt_ids(self, conv: Conversation) -> PromptIds:
        """The prompt `generate` sends for `conv`, as `HFPolicy.prompt_ids` builds it; a
        completion that ended on a special token (the engine's EOS) holds it already."""
        return build_prompt_ids(self.tokenizer, conv, self._special_ids)

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        vllm = self._vllm
        built = [self.prompt_ids(c) for c in conversations]
        prompts = [b.ids for b in built]
        results: list[Generation | None] = [None] * len(conversations)
        requests, params, index = [], [], []
        for i, (conv, ids) in enumerate(zip(conversations, prompts)):
            cap = min(sampling.max_new_tokens, self.max_context - len(ids))
            if conv.max_total_tokens is not None:
                cap = min(cap, conv.max_total_tokens - len(ids))
            if cap <= 0:
                results[i] = Generation("", "length", ids, [], [])
                continue
            seed = None if sampling.seed is None else (
                sampling.seed * 1_000_003 + self._requests)  # a new seed per request
            self._requests += 1
            params.append(vllm.SamplingParams(
                temperature=sampling.temperature, top_p=sampling.top_p,
                top_k=sampling.top_k or -1, max_tokens=cap, seed=seed, logprobs=0,
                skip_special_tokens=False))
            requests.append({"prompt_token_ids": ids})
            index.append(i)
        if requests:
            outputs = self.llm.generate(requests, params, use_tqdm=False)
            for i, out in zip(index, outputs):
                comp = out.outputs[0]
                tokens = list(comp.token_ids)
                lps = [float(step[tok].logprob) for step, tok in zip(comp.logprobs or [], tokens)]
                finish = "length" if comp.finish_reason == "length" else "stop"
                ends_special = bool(tokens) and tokens[-1] in self._special_ids
                body = tokens[:-1] if (finish == "stop" and ends_special) else tokens
                text = self.tokenizer.decode(body, skip_special_tokens=False)
                results[i] = Generation(text, finish, prompts[i], tokens, lps or None)
        for gen, b in zip(results, built):
            if gen is not None:
                gen.prompt_extended, gen.prompt_fallback = b.extended, b.fallback
        return [r for r in results if r is not None]
