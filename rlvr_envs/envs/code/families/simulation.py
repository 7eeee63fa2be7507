"""Simulation, as stdin/stdout programs: a robot on a grid, a turtle, a bank ledger, an
elementary cellular automaton, a round-robin scheduler. Parameters: command letters, what
happens at walls, where the origin is, the order of the header's fields, output layouts,
overdraft limits and fees, automaton rules and boundaries, time slices and switch costs."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, StdioVariant

STEPS = {1: 8, 2: 40, 3: 200}


# --- a robot on a grid ----------------------------------------------------------------------

def robot(text: str, *, letters: str, boundary: str, north_up: bool, wh: bool,
          fmt: str) -> str:
    lines = text.split("\n")
    first, second = map(int, lines[0].split())
    width, height = (first, second) if wh else (second, first)
    moves = {letters[0]: (0, 1 if north_up else -1), letters[1]: (0, -1 if north_up else 1),
             letters[2]: (1, 0), letters[3]: (-1, 0)}
    x = y = 0
    for move in lines[1].strip():
        dx, dy = moves[move]
        nx, ny = x + dx, y + dy
        if boundary == "wrap":
            x, y = nx % width, ny % height
        elif 0 <= nx < width and 0 <= ny < height:
            x, y = nx, ny
        elif boundary == "stop":
            break
    return fmt.format(x=x, y=y) + "\n"


LETTERS = {"NSEW": "N (north), S (south), E (east) and W (west)",
           "UDRL": "U (up), D (down), R (right) and L (left)"}
BOUNDARY = {"ignore": "A move that would leave the grid is skipped; later moves still count.",
            "wrap": "The grid wraps around: leaving it on one side re-enters on the opposite "
                    "side.",
            "stop": "At the first move that would leave the grid the robot stops for good: "
                    "that move and all later ones are ignored."}
FORMATS = {"{x} {y}": "`x y`", "({x}, {y})": "`(x, y)`", "{x},{y}": "`x,y`"}


def _robot_text(spec: Spec) -> str:
    up, down, right, left = spec.letters[0], spec.letters[1], spec.letters[2], spec.letters[3]
    names = (" (north = up)", " (south = down)", " (east = right)", " (west = left)") \
        if spec.letters == "NSEW" else ("", "", "", "")
    corner = ("the bottom-left cell; x grows to the right and y grows upwards" if spec.north_up
              else "the top-left cell; x grows to the right and y grows downwards")
    header = "W H (width, then height)" if spec.wh else "H W (height, then width)"
    return (f"A robot starts at (0, 0), {corner}, on a grid of W columns (x from 0 to W-1) "
            f"and H rows (y from 0 to H-1). The first input line holds {header}; the second "
            f"holds the robot's moves (possibly none): `{up}` moves one cell up{names[0]}, "
            f"`{down}` one cell down{names[1]}, `{right}` one cell right{names[2]}, `{left}` "
            f"one cell left{names[3]}. {BOUNDARY[spec.boundary]} Print the final position "
            f"as {FORMATS[spec.fmt]}.")


def _robot_input(rng: random.Random, level: int, spec: Spec) -> str:
    w, h = rng.randint(1, 3 * level + 2), rng.randint(1, 3 * level + 2)
    moves = "".join(rng.choice(spec.letters) for _ in range(rng.randint(0, STEPS[level])))
    return f"{w} {h}\n{moves}\n" if spec.wh else f"{h} {w}\n{moves}\n"


def _robot_edges(spec: Spec) -> list[str]:
    up, _, right, left = spec.letters
    size = (lambda w, h: f"{w} {h}") if spec.wh else (lambda w, h: f"{h} {w}")
    return [f"{size(1, 1)}\n{up * 2}{right * 2}\n", f"{size(3, 2)}\n\n",
            f"{size(4, 2)}\n{left}{right * 2}{up}\n", f"{size(2, 5)}\n{up * 3}{right * 3}\n"]


# --- a turtle -------------------------------------------------------------------------------

def turtle(text: str, *, heading: str, cmds: str, step: int, report: str) -> str:
    compass = "NESW"
    facing = compass.index(heading)
    x = y = 0
    for ch in text.strip():
        if ch == cmds[0]:
            facing = (facing + 3) % 4
        elif ch == cmds[1]:
            facing = (facing + 1) % 4
        elif ch == cmds[2]:
            dx, dy = [(0, 1), (1, 0), (0, -1), (-1, 0)][facing]
            x, y = x + step * dx, y + step * dy
    if report == "position":
        return f"{x} {y}\n"
    if report == "distance":
        return f"{abs(x) + abs(y)}\n"
    return f"{x} {y} {compass[facing]}\n"


TURTLE_REPORT = {"position": "its final position as `x y`",
                 "distance": "the Manhattan distance |x| + |y| of its final position from the "
                             "start",
                 "pose": "its final position and heading as `x y H`, H one of N, E, S, W"}
HEADINGS = {"N": "north (+y)", "E": "east (+x)", "S": "south (-y)", "W": "west (-x)"}


def _turtle_text(spec: Spec) -> str:
    left, right, forward = spec.cmds
    return (f"A turtle starts at (0, 0) facing {HEADINGS[spec.heading]}; north is +y and east "
            f"is +x. The input is one line of commands: `{left}` turns 90 degrees left "
            f"(counter-clockwise), `{right}` turns 90 degrees right, `{forward}` moves "
            f"{spec.step} unit{'s' if spec.step > 1 else ''} forward in the direction it "
            f"faces. Print {TURTLE_REPORT[spec.report]}.")


def _turtle_input(rng: random.Random, level: int, spec: Spec) -> str:
    weights = [1, 1, 2]
    return "".join(rng.choices(spec.cmds, weights)[0]
                   for _ in range(rng.randint(0, STEPS[level]))) + "\n"


# --- a bank ledger --------------------------------------------------------------------------

def ledger(text: str, *, words: tuple, limit: int, fee: int, colon: bool,
           refused_first: bool) -> str:
    lines = text.split("\n")
    n = int(lines[0])
    balances: dict[str, int] = {}
    out = []
    for line in lines[1:1 + n]:
        op, name, *amount = line.split()
        have = balances.get(name, 0)
        if op == words[0]:
            balances[name] = have + int(amount[0])
        elif op == words[1]:
            cost = int(amount[0]) + fee
            if have - cost >= -limit:
                balances[name] = have - cost
            else:
                out.append(f"refused {name}" if refused_first else f"{name} refused")
        else:
            out.append(f"{name}: {have}" if colon else f"{name} {have}")
    return "".join(line + "\n" for line in out)


WORDS = [("deposit", "withdraw", "balance"), ("add", "take", "show"), ("in", "out", "query")]


def _ledger_text(spec: Spec) -> str:
    put, take, show = spec.words
    rule = ("may not go below 0" if spec.limit == 0 else
            f"may go down to -{spec.limit} but not below")
    fee = (f"A withdrawal of X takes X + {spec.fee} from the account (a fee of {spec.fee}). "
           if spec.fee else "")
    refused = "refused NAME" if spec.refused_first else "NAME refused"
    shown = "NAME: BALANCE" if spec.colon else "NAME BALANCE"
    return (f"The first line holds n; each of the next n lines is `{put} NAME AMOUNT`, "
            f"`{take} NAME AMOUNT` or `{show} NAME`. Accounts start at 0. {fee}A balance "
            f"{rule}: a withdrawal that would break this rule is refused: print `{refused}` "
            f"and change nothing. For `{show} NAME` print `{shown}`. Print nothing else.")


def _ledger_input(rng: random.Random, level: int, spec: Spec) -> str:
    names = ["ann", "bob", "cy", "dee"][: level + 1]
    ops = []
    for _ in range(rng.randint(1, STEPS[level] // 2)):
        op = rng.choice(spec.words)
        name = rng.choice(names)
        ops.append(f"{op} {name}" + ("" if op == spec.words[2] else f" {rng.randint(1, 60)}"))
    return f"{len(ops)}\n" + "".join(o + "\n" for o in ops)


def _ledger_edges(spec: Spec) -> list[str]:
    put, take, show = spec.words
    return [f"1\n{show} zed\n", f"2\n{take} a 1\n{show} a\n",
            f"4\n{put} a 10\n{take} a {10 + spec.limit - spec.fee}\n{take} a 1\n{show} a\n"]


# --- an elementary cellular automaton -------------------------------------------------------

def automaton(text: str, *, rule: int, wrap: bool, alive: str, dead: str, history: bool,
              steps_first: bool) -> str:
    lines = text.split("\n")
    row, steps = (lines[1], int(lines[0])) if steps_first else (lines[0], int(lines[1]))
    cells = [c == alive for c in row.strip()]
    rows = [cells]
    for _ in range(steps):
        n = len(cells)
        nxt = []
        for i in range(n):
            left = cells[i - 1] if wrap or i > 0 else False
            right = cells[(i + 1) % n] if wrap or i < n - 1 else False
            nxt.append(bool(rule >> (4 * left + 2 * cells[i] + right) & 1))
        cells = nxt
        rows.append(cells)
    shown = rows if history else rows[-1:]
    return "".join("".join(alive if c else dead for c in r) + "\n" for r in shown)


RULES = [18, 22, 30, 45, 54, 57, 60, 62, 73, 90, 102, 105, 110, 126, 150, 184]
CELLS = [("#", "."), ("1", "0"), ("*", "-")]


def _automaton_text(spec: Spec) -> str:
    order = ("the number of steps T, then the row" if spec.steps_first else
             "the row, then the number of steps T")
    edge = ("The row wraps around: the first and last cells are neighbours." if spec.wrap
            else "Cells beyond either end are always dead.")
    out = ("the row after each step, starting with the initial row (T + 1 lines)"
           if spec.history else "the row after T steps")
    return (f"Simulate the elementary cellular automaton with Wolfram rule {spec.rule}. The "
            f"input has two lines: {order}, where `{spec.alive}` is a live cell and "
            f"`{spec.dead}` a dead one. At each step every cell looks at its left neighbour, "
            "itself and its right neighbour as a 3-bit number (left is the high bit, live = "
            f"1); its new state is bit number (that value) of {spec.rule}. {edge} Print "
            f"{out}, in the same characters.")


def _automaton_input(rng: random.Random, level: int, spec: Spec) -> str:
    row = "".join(rng.choice([spec.alive, spec.dead]) for _ in range(rng.randint(3, 6 * level + 4)))
    steps = rng.randint(0, 4 * level)
    return f"{steps}\n{row}\n" if spec.steps_first else f"{row}\n{steps}\n"


def _automaton_params(rng: random.Random, level: int) -> dict:
    alive, dead = rng.choice(CELLS)
    return {"rule": rng.choice(RULES), "wrap": rng.random() < 0.5, "alive": alive,
            "dead": dead, "history": rng.random() < 0.5, "steps_first": rng.random() < 0.5}


# --- a round-robin scheduler ----------------------------------------------------------------

def round_robin(text: str, *, quantum: int, switch: int, report: str) -> str:
    from collections import deque
    lines = text.split("\n")
    n = int(lines[0])
    queue = deque()
    bursts = {}
    for line in lines[1:1 + n]:
        name, burst = line.split()
        queue.append((name, int(burst)))
        bursts[name] = int(burst)
    time, out = 0, []
    while queue:
        name, left = queue.popleft()
        ran = min(quantum, left)
        time += ran
        if left > ran:
            queue.append((name, left - ran))
        else:
            if report == "times":
                out.append(f"{name} {time}")
            elif report == "waiting":
                out.append(f"{name} {time - bursts[name]}")
            else:
                out.append(name)
        if queue:
            time += switch
    return "".join(line + "\n" for line in out)


def _scheduler_text(spec: Spec) -> str:
    cost = (f"Between two consecutive slices (even of the same job) {spec.switch} time "
            f"unit{'s' if spec.switch > 1 else ''} pass{'es' if spec.switch == 1 else ''} "
            "for switching; nothing after the last slice. "
            if spec.switch else "Switching between slices takes no time. ")
    out = {"times": "`NAME T`, T the time it finished",
           "waiting": "`NAME W`, W the time it spent not running (its finish time minus "
                      "its BURST)",
           "order": "its NAME"}[spec.report]
    return (f"Simulate a round-robin CPU scheduler with a time slice of {spec.quantum}. The "
            "first line holds n; each of the next n lines is `NAME BURST` (a job needing "
            "BURST time units), all arriving at time 0 in this queue order. The job at the "
            f"front runs for min({spec.quantum}, remaining) units; if it is not finished it "
            f"goes to the back of the queue. {cost}Time starts at 0. For each job, in the "
            f"order the jobs finish, print one line: {out}.")


def _scheduler_input(rng: random.Random, level: int, spec: Spec) -> str:
    names = rng.sample(["ada", "bo", "cal", "dot", "eve", "fay", "gus", "hal"], 2 + level)
    return f"{len(names)}\n" + "".join(f"{n} {rng.randint(1, 4 * level + 2)}\n" for n in names)


SIMULATION = CodeFamily("simulation", [
    StdioVariant(
        "Robot on a grid", _robot_text, robot, _robot_input,
        lambda r, lv: {"letters": r.choice(list(LETTERS)), "boundary": r.choice(list(BOUNDARY)),
                       "north_up": r.random() < 0.5, "wh": r.random() < 0.5,
                       "fmt": r.choice(list(FORMATS))},
        _robot_edges),
    StdioVariant(
        "Turtle walk", _turtle_text, turtle, _turtle_input,
        lambda r, lv: {"heading": r.choice("NESW"), "cmds": r.choice(["LRF", "<>^", "lrf"]),
                       "step": r.randint(1, 3), "report": r.choice(list(TURTLE_REPORT))},
        lambda s: ["\n", f"{s.cmds[2]}{s.cmds[0]}{s.cmds[2] * 2}\n",
                   f"{s.cmds[1]}{s.cmds[2]}{s.cmds[1]}{s.cmds[2] * 3}\n"]),
    StdioVariant(
        "Bank ledger", _ledger_text, ledger, _ledger_input,
        lambda r, lv: {"words": r.choice(WORDS), "limit": r.choice([0, 10, 50]),
                       "fee": r.choice([0, 1, 2, 5]), "colon": r.random() < 0.5,
                       "refused_first": r.random() < 0.5},
        _ledger_edges),
    StdioVariant(
        "Cellular automaton", _automaton_text, automaton, _automaton_input,
        _automaton_params,
        lambda s: ([f"0\n{s.alive}{s.dead}{s.alive}\n", f"2\n{s.dead * 3}{s.alive}\n"]
                   if s.steps_first else
                   [f"{s.alive}{s.dead}{s.alive}\n0\n", f"{s.dead * 3}{s.alive}\n2\n"]),
        min_level=2),
    StdioVariant(
        "Round-robin scheduler", _scheduler_text, round_robin, _scheduler_input,
        lambda r, lv: {"quantum": r.randint(1, 5), "switch": r.randint(0, 2),
                       "report": r.choice(["times", "waiting", "order"])},
        lambda s: ["1\nsolo 5\n", "3\na 1\nb 7\nc 2\n"], min_level=2),
])
