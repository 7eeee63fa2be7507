"""Intents: one user request each, solved by the gold solver on a real world.

An intent function draws what to ask from the world (`Builder.rng`, `Builder.world`), runs the
gold calls through the real tools (`Builder.call`, which fails loudly if a gold call errors)
and returns an `Intent`: the question, the gold calls grouped into messages, the gold answer
and the facts that answer must state. Task categories (tasks.py) combine intents.

Each fact names its `evidence`: the steps by which this episode's tool results must back it
(the value returned by a call about the asked entity; in a chain, each input too), and a
number fact the `entity` strings that name what was asked (evidence.py, facts.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...core.tools import ToolCall
from .evidence import evidence
from .facts import number_fact, token_fact
from .worlds import World
from .worlds.converters import CURRENCIES, convert_unit_value
from .worlds.pools import DATES, NEW_EVENT_TITLES, NOTE_WORDS

Call = dict[str, Any]


class GoldError(RuntimeError):
    """A gold call failed: the generator has a bug (never the agent's fault)."""


@dataclass
class Intent:
    question: str
    rounds: list[list[Call]]
    answer: str
    facts: list[dict[str, Any]]
    ask: dict[str, str] | None = None  # {"question", "reply"} when information is missing
    follow_up: Intent | None = None  # multi-turn: the user's next request


@dataclass
class Builder:
    rng: random.Random
    world: World
    level: int = 1
    used: set[str] = field(default_factory=set)  # entities already asked about

    def call(self, name: str, **arguments: Any) -> tuple[Call, Any]:
        result = self.world.execute(ToolCall("gold", name, arguments))
        if not result.ok:
            raise GoldError(f"gold call {name}({arguments}) failed: {result.content}")
        return {"name": name, "arguments": arguments}, result.value

    def fresh(self, options: list[Any], kind: str) -> Any:
        """An option not used yet by another intent of the same task."""
        left = [o for o in options if f"{kind}:{o}" not in self.used] or list(options)
        choice = self.rng.choice(left)
        self.used.add(f"{kind}:{choice}")
        return choice


def _person_accounts(w: World) -> list[str]:
    company = w.bank.company_account()
    return [a for a in w.bank.ids() if a != company]


def _balances(w: World, exclude: str = "") -> list[float]:
    return [v["cents"] / 100 for a, v in w.bank.accounts.items() if a != exclude]


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _balance_step(balance: float, account: str) -> dict[str, Any]:
    return evidence(balance, [account], ["get_balance", "transfer"])


def _account_step(account: str, owner: str) -> dict[str, Any]:
    return evidence(account, [owner], ["query_db", "list_accounts"])


def _high_step(high: float, city: str, date: str) -> dict[str, Any]:
    return evidence(high, [city, date], ["get_weather"])


# ---- single-call reads ---------------------------------------------------------------

def balance(b: Builder) -> Intent:
    acc = b.fresh(_person_accounts(b.world), "acc")
    c, v = b.call("get_balance", account_id=acc)
    bal = v["balance"]
    return Intent(f"What is the current balance of account {acc}?", [[c]],
                  f"The balance of {acc} is {_money(bal)}.",
                  [number_fact(f"balance {acc}", bal, _balances(b.world, acc), unit="USD",
                               entity=[acc], evidence=[_balance_step(bal, acc)])])


def weather_high(b: Builder) -> Intent:
    w = b.world
    city, date = b.fresh(w.cities, "city"), b.rng.choice(DATES)
    c, v = b.call("get_weather", city=city, date=date)
    rivals = [w.lookups.weather[city, d]["high_c"] for d in DATES if d != date]
    rivals += [w.lookups.weather[o, date]["high_c"] for o in w.cities if o != city]
    return Intent(f"What is the forecast high temperature in {city} on {date}, in °C?", [[c]],
                  f"The forecast high in {city} on {date} is {v['high_c']} °C.",
                  [number_fact(f"high {city} {date}", v["high_c"], rivals, unit="C",
                               entity=[city, date],
                               evidence=[_high_step(v["high_c"], city, date)])])


def stock_close(b: Builder) -> Intent:
    w = b.world
    sym, date = b.fresh(w.tickers, "sym"), b.rng.choice(DATES)
    c, v = b.call("get_stock_price", symbol=sym, date=date)
    rivals = [w.lookups.prices[sym, d] for d in DATES if d != date]
    rivals += [w.lookups.prices[s, date] for s in w.tickers if s != sym]
    return Intent(f"What was the closing price of {sym} on {date}?", [[c]],
                  f"{sym} closed at {_money(v['close'])} on {date}.",
                  [number_fact(f"close {sym} {date}", v["close"], rivals, unit="USD",
                               entity=[sym, date],
                               evidence=[evidence(v["close"], [sym, date],
                                                  ["get_stock_price"])])])


def salary(b: Builder) -> Intent:
    name = b.fresh(b.world.employees, "emp")
    c, v = b.call("query_db", sql=f"SELECT salary FROM employees WHERE name = '{name}'")
    pay = v["rows"][0][0]
    others = [r[0] for r in b.world.db.rows("SELECT salary FROM employees WHERE name != ?",
                                            (name,))]
    return Intent(f"What is {name}'s yearly salary according to the company database?", [[c]],
                  f"{name} earns {_money(pay)} per year.",
                  [number_fact(f"salary {name}", pay, others, unit="USD", entity=[name],
                               evidence=[evidence(pay, [name], ["query_db"])])])


def top_earner(b: Builder) -> Intent:
    db = b.world.db
    depts = []
    for (dept,) in db.rows("SELECT DISTINCT department FROM employees ORDER BY department"):
        pays = [r[0] for r in db.rows("SELECT salary FROM employees WHERE department = ? "
                                      "ORDER BY salary DESC", (dept,))]
        if len(pays) == 1 or pays[0] != pays[1]:
            depts.append(dept)
    dept = b.fresh(depts, "dept")
    c, v = b.call("query_db", sql=f"SELECT name FROM employees WHERE department = '{dept}' "
                                  "ORDER BY salary DESC LIMIT 1")
    name = v["rows"][0][0]
    return Intent(f"Who is the best-paid employee in the {dept} department?", [[c]],
                  f"The best-paid employee in {dept} is {name}.",
                  [token_fact(f"top earner {dept}", name, b.world.employees,
                              evidence=[evidence(name, [dept], ["query_db"])])])


def product_stock(b: Builder) -> Intent:
    db = b.world.db
    names = [r[0] for r in db.rows("SELECT name FROM products ORDER BY name")]
    product = b.fresh(names, "product")
    c, v = b.call("query_db", sql=f"SELECT stock FROM products WHERE name = '{product}'")
    stock = v["rows"][0][0]
    others = [r[0] for r in db.rows("SELECT stock FROM products WHERE name != ?", (product,))]
    return Intent(f"How many units of the {product} are in stock?", [[c]],
                  f"There are {stock} units of the {product} in stock.",
                  [number_fact(f"stock {product}", stock, others, unit="units",
                               entity=[product],
                               evidence=[evidence(stock, [product], ["query_db"])])])


def _port(text: str) -> int:
    return int(next(line for line in text.splitlines() if line.startswith("port"))
               .split("=")[1])


def config_port(b: Builder) -> Intent:
    fs = b.world.fs
    paths = sorted(p for p in fs.files if p.startswith("/etc/app/"))
    path = b.fresh(paths, "path")
    c, text = b.call("read_file", path=path)
    port = _port(text)
    others = [_port(fs.files[p]) for p in paths if p != path]
    service = path.rsplit("/", 1)[1].removesuffix(".conf")
    return Intent(f"Which port is the {service} service configured to use? Its config file is "
                  f"{path}.", [[c]], f"The {service} service uses port {port}.",
                  [number_fact(f"port {service}", port, others, entity=[service, path],
                               evidence=[evidence(port, [path], ["read_file"])])])


def first_train(b: Builder) -> Intent:
    w = b.world
    routes = sorted(r for r, runs in w.lookups.trains.items() if len(runs) >= 2)
    a, z = b.fresh(routes, "route")
    runs = w.lookups.trains[a, z]
    after = runs[b.rng.randrange(len(runs) - 1)]["departs"]
    hour = int(after[:2])
    after_time = f"{hour:02d}:00"
    c, v = b.call("find_trains", origin=a, destination=z)
    train = next(r["train"] for r in v if r["departs"] > after_time)
    return Intent(f"Which is the first direct train from {a} to {z} that departs after "
                  f"{after_time}? Give its train number.", [[c]],
                  f"The first train after {after_time} is {train}.",
                  [token_fact(f"train {a}-{z}", train, [r["train"] for r in runs],
                              evidence=[evidence(train, [a, z], ["find_trains"])])])


def currency(b: Builder) -> Intent:
    to = b.fresh([c for c in CURRENCIES if c != "USD"], "cur")
    amount = b.rng.randrange(50, 5000, 5)
    c, v = b.call("convert_currency", amount=amount, from_currency="USD", to_currency=to)
    rivals = [b.world.converter.currency_value(amount, "USD", o) for o in CURRENCIES
              if o not in ("USD", to)]
    return Intent(f"How much is {amount} USD in {to} at today's rate?", [[c]],
                  f"{amount} USD is {v['amount']:.2f} {to}.",
                  [number_fact(f"{amount} USD in {to}", v["amount"], rivals, unit=to,
                               evidence=[evidence(v["amount"], [amount, "USD", to],
                                                  ["convert_currency"])])])


UNIT_PAIRS = (("mi", "km"), ("km", "mi"), ("lb", "kg"), ("kg", "lb"), ("gal", "l"),
              ("ft", "m"))


def units(b: Builder) -> Intent:
    src, dst = b.fresh(list(UNIT_PAIRS), "units")
    value = b.rng.randrange(15, 900) / 10
    c, v = b.call("convert_units", value=value, from_unit=src, to_unit=dst)
    return Intent(f"Convert {value} {src} to {dst}.", [[c]],
                  f"{value} {src} is {v['value']:.2f} {dst}.",
                  [number_fact(f"{value} {src} in {dst}", v["value"],
                               [round(convert_unit_value(value, dst, src), 4)], tol=0.01,
                               unit=dst,
                               evidence=[evidence(v["value"], [value, src, dst],
                                                  ["convert_units"], tol=0.01)])])


def first_event(b: Builder) -> Intent:
    cal = b.world.calendar
    days = [d for d in DATES if any(e["date"] == d for e in cal.events.values())]
    date = b.fresh(days, "day")
    c, v = b.call("list_events", date=date)
    title = v[0]["title"]
    return Intent(f"What is the title of my first event on {date}?", [[c]],
                  f"Your first event on {date} is {title}.",
                  [token_fact(f"first event {date}", title, [e["title"] for e in v],
                              evidence=[evidence(title, [date], ["list_events"])])])


# ---- writes ---------------------------------------------------------------------------

def _free_slot(b: Builder, date: str, avoid: tuple[str, str] | None = None) -> tuple[str, str]:
    while True:
        h = b.rng.randint(8, 18)
        start, end = f"{h:02d}:{b.rng.choice(['00', '30'])}", f"{h + 1:02d}:00"
        if avoid and avoid[0] < end and start < avoid[1]:
            continue
        if b.world.calendar.free(date, start, end):
            return start, end


def transfer(b: Builder, amount: float | None = None) -> Intent:
    w = b.world
    src, dst = b.rng.sample(_person_accounts(w), 2)
    b.used |= {f"acc:{src}", f"acc:{dst}"}
    if amount is None:
        amount = b.rng.randrange(10, 150) * 1.0
    c, v = b.call("transfer", from_account=src, to_account=dst, amount=amount)
    bal = v["from_balance"]
    return Intent(f"Transfer {_money(amount)} from {src} to {dst}, then tell me the new balance "
                  f"of {src}.", [[c]], f"Done. The new balance of {src} is {_money(bal)}.",
                  [number_fact(f"balance {src}", bal, _balances(w, src), unit="USD",
                               entity=[src], evidence=[_balance_step(bal, src)])])


def create_event(b: Builder) -> Intent:
    date, title = b.rng.choice(DATES), b.rng.choice(NEW_EVENT_TITLES)
    start, end = _free_slot(b, date)
    c, v = b.call("create_event", title=title, date=date, start=start, end=end)
    return Intent(f"Add '{title}' to my calendar on {date} from {start} to {end}, and tell me "
                  "its event id.", [[c]], f"Added '{title}' as {v['event_id']}.",
                  [token_fact("new event id", v["event_id"], list(b.world.calendar.events),
                              evidence=[evidence(v["event_id"], [title, date],
                                                 ["create_event", "list_events"])])])


def cancel_event(b: Builder) -> Intent:
    cal = b.world.calendar
    choices = []
    for d in DATES:
        titles = [e["title"] for e in cal.events.values() if e["date"] == d]
        choices += [(d, t) for t in titles if titles.count(t) == 1]
    date, title = b.rng.choice(sorted(choices))
    c1, events = b.call("list_events", date=date)
    event_id = next(e["event_id"] for e in events if e["title"] == title)
    c2, _ = b.call("cancel_event", event_id=event_id)
    return Intent(f"Cancel my '{title}' event on {date} and tell me which event id it had.",
                  [[c1], [c2]], f"Cancelled '{title}' ({event_id}).",
                  [token_fact("cancelled event id", event_id, [e["event_id"] for e in events],
                              evidence=[evidence(event_id, [title, date], ["list_events"])])])


def write_note(b: Builder) -> Intent:
    name = b.rng.choice(["todo", "ideas", "groceries", "reminder", "draft"])
    path = f"/home/notes/{name}-{b.rng.randint(10, 99)}.txt"
    content = " ".join(b.rng.choice(NOTE_WORDS) for _ in range(6)).capitalize() + "."
    c, _ = b.call("write_file", path=path, content=content)
    return Intent(f"Create the file {path} with exactly this content: {content}", [[c]],
                  f"Created {path}.", [token_fact("file path", path, b.world.fs.files)])


def set_stock(b: Builder) -> Intent:
    db = b.world.db
    rows = db.rows("SELECT name, sku FROM products ORDER BY name")
    product, sku = b.rng.choice(rows)
    quantity = b.rng.randint(5, 500)
    c1, v = b.call("query_db", sql=f"SELECT sku FROM products WHERE name = '{product}'")
    c2, _ = b.call("update_stock", sku=v["rows"][0][0], quantity=quantity)
    return Intent(f"Set the stock of the {product} to {quantity} units and tell me its SKU.",
                  [[c1], [c2]], f"The {product} ({sku}) now has {quantity} units in stock.",
                  [token_fact(f"sku {product}", sku, [r[1] for r in rows],
                              evidence=[evidence(sku, [product], ["query_db"])])])


def raise_salary(b: Builder) -> Intent:
    db = b.world.db
    name = b.fresh(b.world.employees, "emp")
    bump = b.rng.randrange(1000, 6000, 500)
    c1, v = b.call("query_db", sql=f"SELECT id, salary FROM employees WHERE name = '{name}'")
    emp_id, pay = v["rows"][0]
    c2, _ = b.call("set_salary", employee_id=emp_id, salary=pay + bump)
    others = [r[0] for r in db.rows("SELECT salary FROM employees WHERE name != ?", (name,))]
    return Intent(f"Give {name} a raise of {_money(bump)} per year and tell me the new yearly "
                  "salary.", [[c1], [c2]], f"{name}'s new salary is {_money(pay + bump)}.",
                  [number_fact(f"salary {name}", pay + bump, [*others, pay], unit="USD",
                               entity=[name], evidence=[evidence(pay, [name], ["query_db"])])])


# ---- chains (one call's output feeds the next) --------------------------------------

def weather_f(b: Builder) -> Intent:
    city, date = b.fresh(b.world.cities, "city"), b.rng.choice(DATES)
    c1, v = b.call("get_weather", city=city, date=date)
    c2, f = b.call("convert_units", value=v["high_c"], from_unit="C", to_unit="F")
    return Intent(f"What is the forecast high in {city} on {date}, in degrees Fahrenheit?",
                  [[c1], [c2]], f"The high in {city} on {date} is {f['value']:.1f} °F.",
                  [number_fact(f"high F {city}", f["value"], tol=0.05, unit="F",
                               entity=[city, date],
                               evidence=[_high_step(v["high_c"], city, date),
                                         evidence(f["value"], [v["high_c"], "C", "F"],
                                                  ["convert_units"], tol=0.05)])])


def stock_in_eur(b: Builder) -> Intent:
    sym, date = b.fresh(b.world.tickers, "sym"), b.rng.choice(DATES)
    shares = b.rng.randint(2, 40)
    c1, v = b.call("get_stock_price", symbol=sym, date=date)
    total = round(v["close"] * shares, 2)
    c2, e = b.call("convert_currency", amount=total, from_currency="USD", to_currency="EUR")
    return Intent(f"What did {shares} shares of {sym} cost at the close on {date}, in EUR?",
                  [[c1], [c2]], f"{shares} shares of {sym} cost {e['amount']:.2f} EUR.",
                  [number_fact(f"{shares} {sym} in EUR", e["amount"], tol=0.02, unit="EUR",
                               entity=[sym],
                               evidence=[evidence(v["close"], [sym, date], ["get_stock_price"]),
                                         evidence(e["amount"], [total, "USD", "EUR"],
                                                  ["convert_currency"], tol=0.02)])])


def trip_weather_f(b: Builder) -> Intent:
    c1, note = b.call("read_file", path="/home/notes/trip.txt")
    city = next(c for c in b.world.cities if f"to {c} on" in note)
    date = note.split(" on ")[1][:10]
    c2, v = b.call("get_weather", city=city, date=date)
    c3, f = b.call("convert_units", value=v["high_c"], from_unit="C", to_unit="F")
    return Intent("My trip is described in /home/notes/trip.txt. What is the forecast high at "
                  "my destination on the day of the trip, in degrees Fahrenheit?",
                  [[c1], [c2], [c3]], f"The high in {city} on {date} is {f['value']:.1f} °F.",
                  [number_fact("trip high F", f["value"], tol=0.05, unit="F",
                               entity=[city, date],
                               evidence=[evidence(city, ["/home/notes/trip.txt"], ["read_file"]),
                                         _high_step(v["high_c"], city, date),
                                         evidence(f["value"], [v["high_c"], "C", "F"],
                                                  ["convert_units"], tol=0.05)])])


def _bonus(text: str) -> tuple[float, str]:
    words = text.split(": ", 1)[1].rstrip(".\n").split(" ")
    return float(words[0]), " ".join(words[3:])


def pay_bonus(b: Builder) -> Intent:
    w = b.world
    company = w.bank.company_account()
    c1, text = b.call("read_file", path="/hr/bonus.txt")
    amount, name = _bonus(text)
    c2, v = b.call("query_db", sql=f"SELECT account_id FROM employees WHERE name = '{name}'")
    acc = v["rows"][0][0]
    c3, t = b.call("transfer", from_account=company, to_account=acc, amount=amount)
    return Intent(f"Pay the approved bonus in /hr/bonus.txt from the company account {company} "
                  "to the employee's bank account (the company database lists it), then tell "
                  "me the employee's new balance.", [[c1], [c2], [c3]],
                  f"Paid {name}; the new balance of {acc} is {_money(t['to_balance'])}.",
                  [number_fact(f"balance {acc}", t["to_balance"], _balances(w, acc), unit="USD",
                               entity=[acc],
                               evidence=[evidence(amount, ["/hr/bonus.txt"], ["read_file"]),
                                         _account_step(acc, name),
                                         _balance_step(t["to_balance"], acc)])])


def pay_bonus_eur(b: Builder) -> Intent:
    w = b.world
    company = w.bank.company_account()
    c1, text = b.call("read_file", path="/hr/bonus_eur.txt")
    amount, name = _bonus(text)
    c2, usd = b.call("convert_currency", amount=amount, from_currency="EUR", to_currency="USD")
    c3, v = b.call("query_db", sql=f"SELECT account_id FROM employees WHERE name = '{name}'")
    acc = v["rows"][0][0]
    c4, t = b.call("transfer", from_account=company, to_account=acc, amount=usd["amount"])
    return Intent(f"/hr/bonus_eur.txt holds an approved bonus in euros. Convert it to USD at "
                  f"today's rate and pay it from the company account {company} to the "
                  "employee's bank account (the company database lists it), then tell me the "
                  "employee's new balance.", [[c1], [c2], [c3], [c4]],
                  f"Paid {name} {_money(usd['amount'])}; the new balance of {acc} is "
                  f"{_money(t['to_balance'])}.",
                  [number_fact(f"balance {acc}", t["to_balance"], _balances(w, acc), unit="USD",
                               entity=[acc],
                               evidence=[evidence(amount, ["/hr/bonus_eur.txt"], ["read_file"]),
                                         evidence(usd["amount"], [amount, "EUR", "USD"],
                                                  ["convert_currency"]),
                                         _account_step(acc, name),
                                         _balance_step(t["to_balance"], acc)])])


# ---- missing information (the agent must ask; the user answers) ------------------------

def missing_amount(b: Builder) -> Intent:
    amount = b.rng.randrange(10, 150) * 1.0
    inner = transfer(b, amount)
    src, dst = inner.rounds[0][0]["arguments"]["from_account"], \
        inner.rounds[0][0]["arguments"]["to_account"]
    return Intent(f"Please send some money from {src} to {dst}.", inner.rounds, inner.answer,
                  inner.facts, ask={"question": "How much should I transfer?",
                                    "reply": f"Send {_money(amount)}, then tell me the new "
                                             f"balance of {src}."})


def missing_time(b: Builder) -> Intent:
    inner = create_event(b)
    args = inner.rounds[0][0]["arguments"]
    return Intent(f"Put '{args['title']}' on my calendar for {args['date']}.", inner.rounds,
                  inner.answer, inner.facts,
                  ask={"question": "What time should it start and end?",
                       "reply": f"From {args['start']} to {args['end']}. Tell me the event id "
                                "when it is done."})


def missing_date(b: Builder) -> Intent:
    inner = weather_high(b)
    args = inner.rounds[0][0]["arguments"]
    return Intent(f"What will the high temperature be in {args['city']}?", inner.rounds,
                  inner.answer, inner.facts, ask={"question": "For which date?",
                                                  "reply": f"On {args['date']}, in °C."})


def missing_payee(b: Builder) -> Intent:
    """The payee is given by name: the agent asks, then looks the account up."""
    w = b.world
    src = b.rng.choice(_person_accounts(w))
    payee = b.rng.choice([p for p in w.people if w.bank.accounts[src]["owner"] != p])
    amount = b.rng.randrange(10, 150) * 1.0
    c1, found = b.call("list_accounts", owner=payee)
    dst = found[0]["account_id"]
    c2, t = b.call("transfer", from_account=src, to_account=dst, amount=amount)
    return Intent(f"Transfer {_money(amount)} from {src} to my landlord, then tell me the new "
                  f"balance of {src}.", [[c1], [c2]],
                  f"Sent. The new balance of {src} is {_money(t['from_balance'])}.",
                  [number_fact(f"balance {src}", t["from_balance"], _balances(w, src),
                               unit="USD", entity=[src],
                               evidence=[_account_step(dst, payee),
                                         _balance_step(t["from_balance"], src)])],
                  ask={"question": "Who is your landlord, or which account do they use?",
                       "reply": f"My landlord is {payee}; look up their account."})


# ---- multi-turn: a follow-up changes the goal ----------------------------------------

def reschedule(b: Builder) -> Intent:
    first = create_event(b)
    args = first.rounds[0][0]["arguments"]
    old_id = first.facts[0]["value"]
    start, end = _free_slot(b, args["date"], avoid=(args["start"], args["end"]))
    c1, _ = b.call("cancel_event", event_id=old_id)
    c2, v = b.call("create_event", title=args["title"], date=args["date"], start=start, end=end)
    first.follow_up = Intent(
        f"Actually, please move '{args['title']}' to {start}-{end} on the same day, and tell "
        "me the new event id.", [[c1], [c2]], f"Moved it; the new event id is {v['event_id']}.",
        [token_fact("moved event id", v["event_id"], list(b.world.calendar.events),
                    evidence=[evidence(v["event_id"], [args["title"], args["date"]],
                                       ["create_event", "list_events"])])])
    return first


def top_up(b: Builder) -> Intent:
    first = transfer(b)
    args = first.rounds[0][0]["arguments"]
    extra = b.rng.randrange(5, 80) * 1.0
    c, t = b.call("transfer", from_account=args["from_account"], to_account=args["to_account"],
                  amount=extra)
    total = args["amount"] + extra
    src = args["from_account"]
    first.follow_up = Intent(
        f"Sorry, it should have been {_money(total)} in total. Send the missing "
        f"{_money(extra)} as well and tell me the balance of {src} again.", [[c]],
        f"Sent. The balance of {src} is now {_money(t['from_balance'])}.",
        [number_fact(f"balance {src} after top-up", t["from_balance"],
                     _balances(b.world, src), unit="USD", entity=[src],
                     evidence=[_balance_step(t["from_balance"], src)])])
    return first


def other_city(b: Builder) -> Intent:
    first = weather_high(b)
    date = first.rounds[0][0]["arguments"]["date"]
    city = b.fresh(b.world.cities, "city")
    c, v = b.call("get_weather", city=city, date=date)
    rivals = [b.world.lookups.weather[o, date]["high_c"] for o in b.world.cities if o != city]
    first.follow_up = Intent(f"And what is the forecast high in {city} on the same day?", [[c]],
                             f"In {city} the high is {v['high_c']} °C.",
                             [number_fact(f"high {city} {date}", v["high_c"], rivals,
                                          unit="C", entity=[city, date],
                                          evidence=[_high_step(v["high_c"], city, date)])])
    return first


def move_note(b: Builder) -> Intent:
    first = write_note(b)
    args = first.rounds[0][0]["arguments"]
    new_path = args["path"].replace("/home/notes/", "/home/archive/")
    c1, _ = b.call("delete_file", path=args["path"])
    c2, _ = b.call("write_file", path=new_path, content=args["content"])
    first.follow_up = Intent(f"On second thought, delete {args['path']} and save the same text "
                             f"to {new_path} instead.", [[c1, c2]],
                             f"Deleted {args['path']} and saved the text to {new_path}.",
                             [token_fact("new file path", new_path, b.world.fs.files)])
    return first


IntentFn = Callable[[Builder], Intent]
READS: tuple[IntentFn, ...] = (balance, weather_high, stock_close, salary, top_earner,
                               product_stock, config_port, first_train, currency, units,
                               first_event)
PARALLEL_READS: tuple[IntentFn, ...] = (balance, weather_high, stock_close, salary,
                                        product_stock, config_port, currency)
SIMPLE_WRITES: tuple[IntentFn, ...] = (transfer, create_event, write_note)
CHAINS: dict[int, tuple[IntentFn, ...]] = {
    2: (weather_f, stock_in_eur, cancel_event, set_stock, raise_salary),
    3: (trip_weather_f, pay_bonus),
    4: (pay_bonus_eur,),
}
MISSING: dict[str, tuple[IntentFn, ...]] = {"value": (missing_amount, missing_time, missing_date),
                                            "lookup": (missing_payee,)}
MULTI_TURN: tuple[IntentFn, ...] = (reschedule, top_up, other_city, move_note)

# (request, tools that look related but cannot do it); none of the world's tools can.
IRRELEVANT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Book a table for two at an Italian restaurant tonight at 20:00.", ("list_events",)),
    ("Send an email to my manager saying that I will be late.", ("write_file",)),
    ("Order three large pizzas to the office.", ("query_db",)),
    ("Buy 10 shares of {sym} for me at the market price.", ("get_stock_price", "transfer")),
    ("Close bank account {acc} permanently.", ("get_balance", "list_accounts", "transfer")),
    ("Reserve a seat for me on the next train from {city} to {city2}.", ("find_trains",)),
    ("Play some relaxing jazz music.", ("get_horoscope",)),
    ("Set an alarm for 06:30 tomorrow morning.", ("create_event",)),
    ("Call a taxi to take me to the airport.", ("get_traffic",)),
    ("Translate 'good morning' into Japanese.", ("define_word",)),
)


def irrelevant(b: Builder) -> tuple[str, tuple[str, ...]]:
    text, near = b.rng.choice(IRRELEVANT)
    w = b.world
    city, city2 = b.rng.sample(w.cities, 2)
    return text.format(sym=b.rng.choice(w.tickers), acc=b.rng.choice(_person_accounts(w)),
                       city=city, city2=city2), near

