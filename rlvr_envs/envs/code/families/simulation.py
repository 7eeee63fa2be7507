"""Simulation, as stdin/stdout programs: a robot on a grid, a bank ledger."""

from __future__ import annotations

import random

from ._common import CodeFamily, StdioVariant

STEPS = {1: 8, 2: 40, 3: 200}


def robot(text: str) -> str:
    lines = text.split("\n")
    width, height = map(int, lines[0].split())
    x = y = 0
    for move in lines[1].strip():
        dx, dy = {"N": (0, 1), "S": (0, -1), "E": (1, 0), "W": (-1, 0)}[move]
        if 0 <= x + dx < width and 0 <= y + dy < height:
            x, y = x + dx, y + dy
    return f"{x} {y}\n"


def ledger(text: str) -> str:
    lines = text.split("\n")
    n = int(lines[0])
    balances: dict[str, int] = {}
    out = []
    for line in lines[1:1 + n]:
        op, *rest = line.split()
        if op == "deposit":
            balances[rest[0]] = balances.get(rest[0], 0) + int(rest[1])
        elif op == "withdraw":
            if balances.get(rest[0], 0) >= int(rest[1]):
                balances[rest[0]] -= int(rest[1])
            else:
                out.append(f"refused {rest[0]}")
        else:
            out.append(f"{rest[0]} {balances.get(rest[0], 0)}")
    return "".join(line + "\n" for line in out)


def _robot(rng: random.Random, level: int) -> str:
    w, h = rng.randint(1, 3 * level + 2), rng.randint(1, 3 * level + 2)
    moves = "".join(rng.choice("NSEW") for _ in range(rng.randint(0, STEPS[level])))
    return f"{w} {h}\n{moves}\n"


def _ledger(rng: random.Random, level: int) -> str:
    names = ["ann", "bob", "cy", "dee"][: level + 1]
    ops = []
    for _ in range(rng.randint(1, STEPS[level] // 2)):
        op = rng.choice(["deposit", "withdraw", "balance"])
        name = rng.choice(names)
        ops.append(f"{op} {name}" + ("" if op == "balance" else f" {rng.randint(1, 100)}"))
    return f"{len(ops)}\n" + "".join(o + "\n" for o in ops)


SIMULATION = CodeFamily("simulation", [
    StdioVariant(
        "Robot on a grid",
        "A robot starts at (0, 0), the south-west corner of a W x H grid (x from 0 to W-1 "
        "eastwards, y from 0 to H-1 northwards). The first input line holds W and H; the second "
        "holds its moves, letters N, S, E, W (possibly empty). A move that would leave the grid "
        "is ignored. Print the final position as `x y`.",
        robot, _robot, edge_cases=["1 1\nNNEE\n", "3 2\n\n", "2 2\nNESW\n"]),
    StdioVariant(
        "Bank ledger",
        "The first line holds n; each of the next n lines is `deposit NAME AMOUNT`, "
        "`withdraw NAME AMOUNT` or `balance NAME`. Accounts start at 0. A withdrawal larger "
        "than the balance is refused: print `refused NAME` and change nothing. For `balance "
        "NAME` print `NAME BALANCE`. Print nothing else.",
        ledger, _ledger, edge_cases=["1\nbalance zed\n", "2\nwithdraw a 1\nbalance a\n"]),
])
