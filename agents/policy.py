"""The policy interface: a batch of conversations in, a batch of assistant messages out.

Every agent (a transformers model, a vLLM engine, an OpenAI-compatible server, a scripted
oracle) implements `Policy.generate`::

    gens = policy.generate([Conversation(info["messages"], info["tools"])], SamplingParams())
    obs, reward, terminated, truncated, info = env.step(gens[0].text)

Learning-capable backends (transformers, vLLM) also return the prompt and completion token
ids and the log-probabilities of the sampled tokens, which the episode collector records
for the GRPO learner. Given `Conversation.previous` (the collector sets it), they build the
next turn's prompt by extending the previous turn's tokens (`agents.prompt_ids`). A backend never raises for a failure outside the model's control
(a server that times out): it returns `Generation(error=...)`, which the collector records
as an infra error, excluded from reward means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

FinishReason = Literal["stop", "length"]


@dataclass
class SamplingParams:
    """How to sample one assistant message.

    `temperature=0` means greedy decoding; `top_k=0` and `top_p=1` switch those filters
    off (local backends pass all four explicitly, so a model's own generation config does not
    silently change the sampling distribution). `max_new_tokens` caps one message; the
    collector may lower it per conversation to fit an episode's token budget
    (`Conversation.max_total_tokens`). `seed` makes a run reproducible where the backend
    allows: transformers seeds torch before each `generate` call (seed and call count, so
    repeated calls draw fresh samples; the same batches in the same order repeat exactly),
    vLLM seeds each request (seed and request count), OpenAI sends `seed` to the server.
    `logprobs` asks HTTP backends for token log-probs (local backends always return them).
    """

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 512
    seed: int | None = None
    logprobs: bool = False

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0 (0: off), got {self.top_k}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreviousTurn:
    """The previous generation of a conversation, for building the next prompt by extension.

    `messages` and `tools` are those that turn's prompt was built from; `token_ids` are that
    prompt's ids followed by the completion's ids exactly as generated (EOS included);
    `finish_reason` is that generation's.
    """

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    token_ids: list[int]
    finish_reason: FinishReason = "stop"


@dataclass
class Conversation:
    """One chat to continue: OpenAI-format `messages` and `tools` (as in the env's `info`).

    `env` is the env this conversation belongs to; scripted policies (the oracle) read the
    env's state through it, model policies ignore it. `max_total_tokens` bounds prompt +
    completion for this one generation (the episode's remaining token budget); a backend
    that counts tokens cuts the completion there and reports `finish_reason="length"`.
    `previous` (set by the collector for learning-capable policies) is this conversation's
    previous generation: a backend that builds prompts from token ids makes the new prompt
    `previous.token_ids` + the tokens of only the messages added since (`agents.prompt_ids`),
    so the model sees its own tokens as generated; backends that send messages ignore it.
    """

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    env: Any = field(default=None, repr=False, compare=False)
    max_total_tokens: int | None = None
    previous: PreviousTurn | None = field(default=None, repr=False)


@dataclass
class Generation:
    """One assistant message produced by a policy.

    `text` is the message as the env receives it (the EOS token is not part of it).
    For learning-capable backends:

    * `prompt_token_ids`: the tokenized prompt (chat template applied, generation prompt
      included);
    * `completion_token_ids`: exactly the sampled tokens, the EOS token included when the
      model stopped on it (it was sampled, so it is trained on);
    * `completion_logprobs`: one float per completion token, the log-probability of that
      token under the distribution it was sampled from (see each backend for exactly which).

    `finish_reason` is `"stop"` (EOS or a stop string) or `"length"` (the token cap).
    `prompt_extended` is True when the prompt was built by extending `Conversation.previous`
    (`agents.prompt_ids`); `prompt_fallback` says why it was rendered from the messages
    instead although `previous` was given (the template or the env rewrote history).
    `error` is set, and `text` is empty, when the backend failed for reasons outside the
    model (timeouts, server errors after retries): an infra error, never reward 0.
    `prompt_tokens`/`completion_tokens` are counts (from the ids, or the server's usage).
    """

    text: str
    finish_reason: FinishReason = "stop"
    prompt_token_ids: list[int] | None = None
    completion_token_ids: list[int] | None = None
    completion_logprobs: list[float] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    prompt_extended: bool = False
    prompt_fallback: str | None = None

    def __post_init__(self) -> None:
        if self.prompt_tokens is None and self.prompt_token_ids is not None:
            self.prompt_tokens = len(self.prompt_token_ids)
        if self.completion_tokens is None and self.completion_token_ids is not None:
            self.completion_tokens = len(self.completion_token_ids)

    @classmethod
    def failed(cls, error: str) -> Generation:
        """An infra failure: no text, `error` says what went wrong."""
        return cls(text="", finish_reason="stop", error=error)


class Policy:
    """Base class of every agent. Subclasses implement `generate`.

    Attributes the collector reads:

    * `name`: a short label for tables;
    * `returns_token_ids`: whether `generate` fills token ids and log-probs (learning-capable);
    * `max_batch_size`: the most conversations per `generate` call (None: no limit);
    * `max_concurrent_calls`: how many `generate` calls the collector may run at once from
      different threads (1 for local models; the request concurrency for HTTP backends).
    """

    name: str = "policy"
    returns_token_ids: ClassVar[bool] = False
    max_batch_size: int | None = None
    max_concurrent_calls: int = 1

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        """One `Generation` per conversation, in order."""
        raise NotImplementedError

    def act(self, env: Any, info: dict[str, Any],
            sampling: SamplingParams | None = None) -> str:
        """One action for one env from its latest `info` (convenience for hand-written loops).

        Raises `RuntimeError` on an infra error (loops that must not raise use `generate`).
        """
        conv = Conversation(info["messages"], info.get("tools") or [], env=env)
        gen = self.generate([conv], sampling or SamplingParams())[0]
        if gen.error is not None:
            raise RuntimeError(f"{self.name}: {gen.error}")
        return gen.text

    def describe(self) -> dict[str, Any]:
        """What to record about this agent in results (backend, model, settings)."""
        return {"name": self.name, "class": type(self).__name__}

    def close(self) -> None:
        """Release resources (engines, HTTP clients, thread pools)."""

    def __enter__(self) -> Policy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
