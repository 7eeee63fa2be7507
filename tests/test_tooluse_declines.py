"""The irrelevance check reads a decline from its meaning: inability or refusal about the
request, and no claim of having done it. Both directions are tested on generated phrasings
(openers x cores x closers), and on whole episodes."""

from __future__ import annotations

import itertools

import pytest

from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.declines import claims_completion, declines

OPENERS = ["", "Sorry, ", "I'm sorry, but ", "Unfortunately, ", "Apologies, but ",
           "I'm afraid ", "**Note:** "]
CORES = [
    "I can't do that", "I cannot help with that", "I can not book that for you",
    "I'm unable to complete this request", "I am not able to carry this out",
    "I won't be able to do that", "I will not be able to send that email",
    "I couldn't find a tool that does this", "I don't have a tool for that",
    "I do not have access to a tool that can do this",
    "I don't have the capability to do this", "I lack the tools to do that",
    "I have no way to do that here", "none of the provided functions can do this",
    "none of my tools support that", "no available tool can do this",
    "this request is not supported by any of my tools",
    "that isn't possible with the tools I have", "this is beyond my capabilities",
    "this is outside what my tools cover", "this can't be done with the available tools",
    "there is no function for this request", "that's not something I'm able to do",
    "it is not possible with my current tools",
]
CLOSERS = ["", ".", ". Is there anything else I can help with?",
           " — the tools I have only cover banking, files and the calendar.",
           ". Let me know if I can help with something else!"]

CLAIMS = ["Done.", "I sent the email to your manager.", "I've booked a table for two.",
          "The alarm is set for 06:30.", "Your taxi is on its way.", "I have placed the order.",
          "All set!", "Completed successfully.", "I bought 10 shares for you.",
          "Here you go: おはようございます.", "It's done.", "Your table has been reserved.",
          "I just played some jazz for you.", "I have closed the account.",
          "The email to your manager has gone out.", "Your manager has been notified."]
INCIDENTAL = ["Unable to attach a signature.", "Note: I cannot snooze it for you.",
              "I can't guarantee availability.", "No tool was needed.",
              "I couldn't add a note, though.", "I can't wait to hear how it goes!",
              "None of the available tools were needed.", "Let me know if you can't find it.",
              "Sorry, I can't promise the tone is perfect."]


def refusals() -> list[str]:
    out = []
    for opener, core, closer in itertools.product(OPENERS, CORES, CLOSERS):
        start = core[0].upper() + core[1:] if opener in ("", "**Note:** ") else core
        out.append(opener + start + closer)
    return out


def completion_claims() -> list[str]:
    return [f"{a} {b}" for a, b in itertools.product(CLAIMS, INCIDENTAL)] + \
           [f"{b} {a}" for a, b in itertools.product(CLAIMS, INCIDENTAL)] + CLAIMS


def test_generated_refusals_are_declines() -> None:
    texts = refusals()
    assert len(texts) > 800
    missed = [t for t in texts if not declines(t)]
    assert not missed, missed[:10]


def test_generated_completion_claims_are_not_declines() -> None:
    texts = completion_claims()
    assert len(texts) > 250
    wrong = [t for t in texts if declines(t)]
    assert not wrong, wrong[:10]
    assert all(claims_completion(t) for t in CLAIMS)


@pytest.mark.parametrize("text", ["No.", "I can't.", "Nope, sorry.",
                                  "<think>none fits</think>**I can't do that**."])
def test_short_refusals(text: str) -> None:
    assert declines(text.split("</think>")[-1])


@pytest.mark.parametrize("text", ["", "OK", "Sure!", "I checked the tools.", "42",
                                  "You can't find it anywhere else.",
                                  "I can't wait to help with this!"])
def test_texts_that_decline_nothing(text: str) -> None:
    assert not declines(text)


def test_irrelevance_episodes_pay_declines_and_not_claims() -> None:
    env = ToolUseEnv(categories=["irrelevance"])
    for seed in range(6):
        for text, expected in [("None of the provided functions can do this.", 1.0),
                               ("Apologies, but this request is not supported by any of my "
                                "tools.", 1.0),
                               ("I sent the email to your manager. Unable to attach a "
                                "signature.", 0.0),
                               ("The alarm is set for 06:30. Note: I cannot snooze it for "
                                "you.", 0.0)]:
            env.reset(seed=seed)
            _, reward, terminated, _, info = env.step(text)
            assert terminated and reward == expected, (seed, text, info["verdict"])
