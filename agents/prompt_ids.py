"""Prompt token ids for learning-capable policies: each turn extends the previous one.

    built = build_prompt_ids(tokenizer, conv, stop_ids=[eos_id])
    built.ids        # what the model is fed
    built.extended   # True: previous prompt + completion + the new messages' tokens

The first turn's prompt is the chat template's rendering of the messages (tools and the
generation prompt included), encoded without added special tokens. Every later turn
(`Conversation.previous` set) is built by extension, the "token in, token out" rule of
TRL's tool loop, SkyRL's generator and prime-rl's renderers:

    prompt(t+1) = prompt(t) + completion(t) as generated (EOS included)
                  + tokens(text the template writes for only the new messages, closer of the
                    assistant turn and generation prompt included)

so the model sees its own tokens, never a re-rendering of them (a tool call whose JSON the
template re-serialises, a reasoning block the template strips, BPE merges that differ from
the sampled split), and the learner trains the whole episode as one sequence.

The new messages' text comes from the template itself, rendering the conversation with
every assistant message's content replaced by a sentinel (tool calls kept, so templates that
pair calls with responses still render; reasoning fields dropped, so templates that strip or
keep reasoning render the same): the text after the last assistant message's sentinel, its
tool calls and its closer. The closer (`<|im_end|>\\n` in ChatML) is read after the sentinel
in a call-free probe; when the generation ended on a stop token whose text begins the closer
(`<|im_end|>`), that part is not repeated. The bridge text is encoded on its own. Nothing
before the sentinel is taken from the new rendering, so a template whose generation prompt
differs from the header of a rendered assistant message (Qwen3's empty think block) extends
too.

Extension is refused, and the prompt rendered from the messages as before (the collector
then records `prefix_mismatch` and starts a segment), when it would not be exact; the
`fallback` reason says which:

* the env changed messages of earlier turns or the tools, did not record the generated
  message as the next assistant message, or added assistant messages of its own;
* the template renders the earlier turns differently once new messages follow (system text
  that changes every turn), or renders the last assistant message's tool calls or closer
  differently when messages follow it;
* the generation stopped on a token the template does not write to close a turn;
* the template raised on the probe conversation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .policy import Conversation, PreviousTurn

# The content that stands in for assistant messages when rendering probes.
SENTINEL = "\u27e6rlvr-assistant-message\u27e7"


@dataclass(frozen=True)
class PromptIds:
    """A prompt: `ids`, whether they extend the previous turn, and why not if asked to."""

    ids: list[int]
    extended: bool = False
    fallback: str | None = None


def render_prompt_ids(tokenizer: Any, conv: Conversation) -> list[int]:
    """The chat template's rendering of `conv` (tools, generation prompt), encoded without
    adding special tokens (the template writes its own)."""
    text = tokenizer.apply_chat_template(conv.messages, tools=conv.tools or None,
                                         tokenize=False, add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def build_prompt_ids(tokenizer: Any, conv: Conversation,
                     stop_ids: Collection[int]) -> PromptIds:
    """`conv`'s prompt ids: by extension of `conv.previous` where it is exact, else rendered.

    `stop_ids` are the token ids generation stops on (the EOS ids): a previous completion
    that ended on one of them already holds that token, so the bridge leaves it out.
    """
    prev = conv.previous
    if prev is None:
        return PromptIds(render_prompt_ids(tokenizer, conv))
    try:
        bridge, reason = bridge_text(tokenizer, prev, conv.messages, conv.tools,
                                     _stop_text(tokenizer, prev, stop_ids))
    except Exception as e:  # a template that rejects the probe: render as before
        bridge, reason = None, f"the chat template raised {type(e).__name__}: {str(e)[:200]}"
    if bridge is None:
        return PromptIds(render_prompt_ids(tokenizer, conv), False, reason)
    ids = list(tokenizer(bridge, add_special_tokens=False)["input_ids"]) if bridge else []
    return PromptIds(list(prev.token_ids) + ids, True)


def bridge_text(tokenizer: Any, prev: PreviousTurn, messages: list[dict[str, Any]],
                tools: list[dict[str, Any]] | None,
                stop_text: str | None) -> tuple[str | None, str | None]:
    """The text to append to `prev.token_ids` to reach the prompt for `messages`:
    `(text, None)`, or `(None, reason)` when extension would not be exact.

    `stop_text` is the text of the stop token the previous completion ended on (None when
    it ended otherwise, e.g. at the length cap)."""
    n = len(prev.messages)
    if messages[:n] != prev.messages:
        return None, "the env changed messages of earlier turns"
    if (tools or []) != (prev.tools or []):
        return None, "the env changed the tools offered"
    if len(messages) <= n or messages[n].get("role") != "assistant":
        return None, "the env did not record the generated message as the next assistant message"
    if any(m.get("role") == "assistant" for m in messages[n + 1:]):
        return None, "the env added assistant messages of its own"
    probe = [_blank(m) if m.get("role") == "assistant" else m for m in messages]

    def render(msgs: list[dict[str, Any]], gen: bool) -> str:
        return tokenizer.apply_chat_template(msgs, tools=tools or None, tokenize=False,
                                             add_generation_prompt=gen)

    base, full = render(probe[:n], False), render(probe, True)
    at = full.rfind(SENTINEL)  # the content of message n: no assistant message follows it
    if at < 0:
        return None, "the chat template does not render assistant messages' content"
    if not full.startswith(base) or at < len(base):
        return None, ("the chat template renders earlier turns differently once new messages "
                      "follow")
    closed = render(probe[:n + 1], False)
    tail = closed[closed.rfind(SENTINEL) + len(SENTINEL):]  # its tool calls and closer
    after = full[at + len(SENTINEL):]
    if SENTINEL not in closed or not after.startswith(tail):
        return None, ("the chat template renders the last assistant message's tool calls or "
                      "closer differently once messages follow it")
    plain = render(probe[:n] + [{"role": "assistant", "content": SENTINEL}], False)
    cut = plain.rfind(SENTINEL)
    if cut < 0:
        return None, "the chat template does not render assistant messages' content"
    closer = plain[cut + len(SENTINEL):]
    if not tail.endswith(closer):
        return None, "the chat template closes assistant messages with tool calls differently"
    if stop_text is not None:
        if not closer.startswith(stop_text):
            return None, (f"the generation stopped on {stop_text!r}, which the chat template "
                          f"does not write to close a turn ({closer!r})")
        closer = closer[len(stop_text):]
    return closer + after[len(tail):], None


def _blank(message: dict[str, Any]) -> dict[str, Any]:
    """An assistant message with the sentinel as content and no reasoning fields."""
    out = {k: v for k, v in message.items() if k not in ("reasoning_content", "reasoning",
                                                         "thinking")}
    out["content"] = SENTINEL
    return out


def _stop_text(tokenizer: Any, prev: PreviousTurn, stop_ids: Collection[int]) -> str | None:
    ids = prev.token_ids
    if prev.finish_reason != "stop" or not ids or ids[-1] not in stop_ids:
        return None
    return tokenizer.decode([ids[-1]], skip_special_tokens=False)
