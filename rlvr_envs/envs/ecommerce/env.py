"""rlvr/Ecommerce-v0: a shopping assistant's dialogue with a simulated customer over a
procedurally generated store, rewarded on the store's final state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ...core import MultiTurnTextEnv, ProceduralSource, Task, ToolEnvMixin, Turn, Verdict
from ...core.tools import ToolCall, ToolRegistry
from .customer import SimulatedCustomer
from .goals import ids_in
from .phrasings import ANSWER_ONLY, REWRITES
from .reward import grade
from .store import get_store
from .tasks import TASK_TYPES, EcomFamily
from .tools import ShopSession

SYSTEM_PROMPT = (
    "You are the shopping assistant of an online store. Help the customer using the tools. "
    "Ask for what you need to know. Verify the customer (find_customer, then verify_customer) "
    "before looking at or changing their orders. Follow the store policy (get_policy). Look "
    "facts up before you rely on them: an order's status counts only after get_order or "
    "track_order showed it, a policy answer only after get_policy, and a return only after "
    "you looked at the order and the return policy in this conversation. Before "
    "cancelling, returning or exchanging anything, describe the exact action with its ids and "
    "wait for the customer's explicit yes. Never mention a product or order id you have not "
    "seen in a tool result or from the customer. A message without tool calls goes to the "
    "customer."
)


class EcommerceEnv(ToolEnvMixin, MultiTurnTextEnv):
    """A shopping assistant serving a deterministic simulated customer over a generated store.

    ## Description
    Each episode is one customer with a hidden goal, drawn from eight task types: product
    `discovery` under constraints, `substitution` of an out-of-stock item, `cart` building
    (variants, quantities, a change of mind), a `bundle` under a budget, `returns` under the
    return policy, `order_status`, `policy` questions with numeric answers, and multi-intent
    `journey`s (status, cancellation, return; the customer may change its mind). The store
    (12,000 products in 22 categories with brand, colour, size, material, price, rating, stock
    and variant groups; 1,000 customers with addresses, payment methods and order histories;
    return windows, restocking fees, shipping and price-match rules) is built from
    `store_seed` in about 0.1 s and cached. The agent uses 15 tools (search, product details,
    cart, checkout, customer lookup and verification, order lookup and tracking, cancel,
    return, exchange, policy lookup). Writes that change orders need the customer's explicit
    yes to that exact action in the dialogue.

    ## Action Space
    `UnicodeText(max_action_chars)`: the whole assistant message. A message with tool calls
    (in `tool_format`, Hermes by default) runs them and the customer does not read it; a
    message without tool calls goes to the customer (text before `</think>` is not read).

    ## Observation Space
    `UnicodeText`: the customer's opening on reset; then the tool results
    (`<tool_response>` blocks) or the customer's reply.

    ## Rewards
    0 on every step but the last. On the last: 0 if a hard gate fired (a policy-breaking
    write, a write attempted without consent, an id told to the customer that was never
    shown), else `0.9 * S + 0.1 * E` with the task score S (constraints met, cart F1, typed
    answers, final order state against the gold solver's state) and efficiency E (1 within
    the gold plan's turns + 2, then decaying; 0 unless S = 1). `info["verdict"]["
    reward_breakdown"]` names every component; the formulas per type are in
    docs/envs/ecommerce.md and `rlvr_envs/envs/ecommerce/reward.py`.
    **Grounding**: an answer about an order or the policy, and a return, count only if a
    tool showed the facts they rest on earlier in the episode (the order's status, the
    order and the return policy, the policy topic). **Chance level** 0: no response that
    ignores the request earns reward (`python -m rlvr_envs.envs.ecommerce.adversary`).

    ## Starting State
    `reset(seed=s)` draws a task type, then a level (the curriculum's, per type, when
    `curriculum` is set), then a task. `options={"task_id": "returns/d3/0/17"}` replays a task,
    `options={"difficulty": d}` fixes the level, `options={"task": {...}}` plays a task dict
    as generated (for example one saved from `env.task`).

    ## Episode End
    Terminated when the customer is satisfied (every intent's writes are in the state and
    every question answered), gives up (after `patience` unhelpful turns), or a hard gate
    fires. Truncated at the task's turn limit (gold plan length + slack by level; `max_turns`
    overrides it); the state is graded then too.

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `store_seed` | int | 0 | which store (catalog, customers, orders, policies) |
    | `task_seed` | int | 0 | seed of the task generators |
    | `task_types` | list[str] | all 8 | task types to draw from |
    | `type_weights` | dict[str, float] | None | sampling weights of task types |
    | `difficulty` | int | None | fixed level 1..5 (None: any, or the curriculum's) |
    | `curriculum` | AdaptiveCurriculum / bool | None | adaptive level per task type |
    | `paraphrase` | callable(str) -> str | None | rewrites customer replies (same content) |
    | `tool_format` | str | "hermes" | hermes, openai_json, pythonic or mistral |
    | `max_tool_calls` | int | 16 | calls run per message |
    | `max_turns` | int | None | fixed turn limit (None: per task) |
    | `system_prompt` | str | see class | system message ("" for none) |
    | `max_action_chars` | int | 32768 | longest accepted message |

    ## Verification
    Everything is checked against the store's state and typed values: the cart (product
    ids, quantities, attributes from the catalog arrays), order facts (status, returned
    items), amounts in cents, day counts, statuses (paraphrases included) and tracking
    numbers as whole tokens; never substrings of free text. Amounts the question gave and
    intermediates (a fee, a window, a subtotal) may be named next to the answer; two
    answers offered as alternatives (or two tracking numbers) are a hedge and wrong;
    questions are not answers; in a refund over two items, money claimed back for the item
    that gets none is a wrong claim. The
    customer is a deterministic policy, so a simulator cannot cause a false negative by
    forgetting or inventing its goal. Known not to be caught: whether the agent *told* the
    customer the truth about things the goal does not test (e.g. why an item cannot be
    returned), the politeness or clarity of the text, and answers phrased without an amount,
    a day count or a status phrase (the customer nudges instead); docs/envs/ecommerce.md
    lists the phrasings known to lose reward.

    ## Vectorized environment
    `gym.make_vec("rlvr/Ecommerce-v0", num_envs=n, vectorization_mode="sync")`; each copy
    shares the cached store of its process.

    ## Version History
    * v0: initial release. Since then, still v0 (unreleased): answers and returns must be
      grounded in tool results, policy and status gold answers are spread, constraints most
      of a category meets pay nothing alone, answers are read with explanations, currency
      forms, status paraphrases and questions (docs/envs/ecommerce.md). After a red team's
      second look: a negation covers coordinated statuses; one committed tracking number;
      a refund claimed for an item that gets none is wrong; upsells and unit restatements
      are no second answer; consent attaches to what a proposal offers and covers its parts
      over several calls; verification takes only a zip said in the dialogue; a sold-out
      product's sibling pays only if it fits; the order state is scored per order.
    """

    domain = "ecommerce"
    # no response that ignores the request earns reward: guesses are never grounded, and no
    # constant answer is often right (docs/envs/ecommerce.md, "Chance level")
    chance_level: ClassVar[float] = 0.0
    curriculum_per_family = True  # one frontier per task type
    default_system_prompt = SYSTEM_PROMPT
    default_max_turns = 40

    def __init__(self, *, store_seed: int = 0, task_types: Sequence[str] | None = None,
                 type_weights: Mapping[str, float] | None = None,
                 paraphrase: Callable[[str], str] | None = None, **kwargs: Any) -> None:
        self.store_seed = int(store_seed)
        self.task_types = list(task_types) if task_types is not None else list(TASK_TYPES)
        unknown = set(self.task_types) - set(TASK_TYPES)
        if unknown or not self.task_types:
            raise ValueError(f"unknown task types {sorted(unknown)}; choose from {TASK_TYPES}")
        self.type_weights = dict(type_weights) if type_weights else None
        self.paraphrase = paraphrase
        self._fixed_max_turns = kwargs.get("max_turns")
        super().__init__(**kwargs)

    # ---- tasks -------------------------------------------------------------------------

    def make_task_source(self, seed: int) -> ProceduralSource:
        return ProceduralSource([EcomFamily(t, self.store_seed) for t in self.task_types],
                           seed=seed, domain=self.domain, family_weights=self.type_weights)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        task = dict(record)
        for key in ("intents", "opening", "gold_actions", "type"):
            if key not in task:
                raise ValueError(f"an ecommerce task needs {key!r} (save one from env.task)")
        return task

    def start_episode(self, task: Task) -> None:
        self.store = get_store(int(task.get("store_seed", self.store_seed)))
        self.session = ShopSession(self.store)
        self.customer = SimulatedCustomer(task, self.paraphrase)
        self.max_turns = int(self._fixed_max_turns or task.get("max_turns", 40))
        self.surfaced: set[str] = set()
        self.gate: str | None = None

    def initial_observation(self, task: Task) -> str:
        text = self.customer.opening()
        self.surfaced |= self.customer.mentioned
        self.session.heard.append(text)
        return text

    def make_tools(self, task: Task) -> ToolRegistry:
        return ToolRegistry.from_object(self.session)

    # ---- a step ------------------------------------------------------------------------

    def respond(self, action: str) -> Turn:
        tool_round = self.run_tool_calls(action)
        if tool_round.has_tool_calls:
            for result in tool_round.results:
                if result.ok:
                    self.surfaced |= ids_in(result.content)
            self.gate = self._gate()
            if self.gate:
                return tool_round.to_turn(terminated=True, verdict=self.verdict())
            return tool_round.to_turn()
        text = action.split("</think>", 1)[1] if "</think>" in action else action
        invented = sorted(ids_in(text) - self.surfaced)
        if invented:
            self.gate = f"ids never shown by a tool or the customer: {', '.join(invented[:5])}"
            note = "The conversation was ended: you mentioned ids that no tool returned."
            return Turn(note, terminated=True, verdict=self.verdict(),
                        messages=[{"role": "user", "content": note}])
        reply = self.customer.reply(text, self.session)
        self.surfaced |= self.customer.mentioned
        self.session.heard.append(reply.text)
        done = reply.ended or reply.quit
        return Turn(reply.text, terminated=done, verdict=self.verdict() if done else None,
                    messages=[{"role": "user", "content": reply.text}])

    def _gate(self) -> str | None:
        if self.session.violations:
            return "policy violation: " + self.session.violations[0]
        if self.session.unconsented:
            return "write without the customer's consent: " + self.session.unconsented[0]
        return None

    def verdict(self) -> Verdict:
        """The verdict of the episode in its current state."""
        return grade(self.task, self.session, self.customer, self.turn, self.max_turns,
                     self.gate)

    def on_turn_limit(self) -> Verdict:
        return self.verdict()

    def oracle_action(self) -> str:
        """The gold solver's next message: tool calls in `tool_format`, or text."""
        assert self.task is not None, "call reset() first"
        plan = self.task["gold_actions"]
        if self.turn >= len(plan):
            return "Is there anything else I can help you with?"
        step = plan[self.turn]
        if "say" in step:
            return step["say"]
        return self.tool_format.render([ToolCall("", n, dict(a)) for n, a in step["calls"]])

    def answer_perturbations(self, text: str) -> dict[str, str | None]:
        """The core perturbation suite's domain hook (`core/perturb.py`): `text`, the next
        message, re-phrased by each of `phrasings.REWRITES` (with the info intent it answers,
        if any); None where a rewrite does not apply or needs two messages."""
        assert self.task is not None, "call reset() first"
        intent = self.customer.intent
        answered = intent if intent["kind"] in ("policy", "status") else None
        out: dict[str, str | None] = {}
        for name, rewrite in REWRITES.items():
            new = None if name in ANSWER_ONLY and answered is None else rewrite(text, answered)
            out[name] = new[0] if new and len(new) == 1 else None
        return out

    def hack_strategies(self) -> list[Any]:
        """This domain's task-independent strategies for the core hack search (`rlvr audit
        rlvr/Ecommerce-v0 --hacks`): `hacks.py`, from `adversary.py`."""
        from .hacks import hack_strategies  # adversary.py imports this module
        return hack_strategies()

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Replay an audit case (`task_id`, scripted `actions`) and return its verdict."""
        env = EcommerceEnv(store_seed=int(case.get("store_seed", 0)),
                           tool_format=case.get("tool_format", "hermes"))
        env.reset(options={"task_id": case["task_id"]})
        info: dict[str, Any] = {}
        for action in case["actions"]:
            *_, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                return Verdict(**{k: v for k, v in info["verdict"].items()
                                  if k in ("passed", "reward", "reason", "reward_breakdown")})
        return env.verdict()
