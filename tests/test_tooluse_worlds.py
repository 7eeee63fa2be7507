"""The tool worlds: deterministic, read-only SQL, exact money, no eval of model text."""

from __future__ import annotations

import time

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse.worlds import DECOY_TOOLS, REAL_TOOLS, World


def run(world: World, name: str, **arguments):
    return world.execute(ToolCall("t", name, arguments))


def test_world_is_a_function_of_its_seed() -> None:
    assert World(7).snapshot() == World(7).snapshot()
    assert World(7).snapshot() != World(8).snapshot()
    assert set(World(7).tools) == set(REAL_TOOLS) | set(DECOY_TOOLS)


@pytest.mark.parametrize("sql", [
    "DELETE FROM employees", "UPDATE products SET stock = 0", "DROP TABLE employees",
    "INSERT INTO products VALUES ('x', 'x', 'x', 1, 1)", "PRAGMA query_only = OFF",
    "ATTACH DATABASE '/tmp/evil.db' AS evil", "SELECT random()", "SELECT 1; DELETE FROM products",
    "CREATE TABLE t (x)", "SELECT load_extension('x')",
])
def test_query_db_refuses_anything_but_reading(sql: str) -> None:
    world = World(1)
    before = world.snapshot()
    result = run(world, "query_db", sql=sql)
    assert result.status == "tool_error" and "SQL error" in result.content
    assert world.snapshot() == before


def test_query_db_reads_and_bounds_work() -> None:
    world = World(1)
    result = run(world, "query_db", sql="SELECT name FROM employees ORDER BY name")
    assert result.ok and len(result.value["rows"]) == 10
    start = time.perf_counter()
    loop = run(world, "query_db", sql="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                      "SELECT x + 1 FROM c) SELECT count(*) FROM c")
    assert loop.status == "tool_error" and "stopped" in loop.content
    assert time.perf_counter() - start < 2
    many = run(world, "query_db", sql="SELECT a.id FROM employees a, employees b")
    assert len(many.value["rows"]) == 50 and "note" in many.value
    write = run(world, "update_stock", sku=world.db.rows("SELECT sku FROM products")[0][0],
                quantity=3)
    assert write.ok  # writes go through the write tools, and still work after a read


def test_transfers_are_exact_and_checked() -> None:
    world = World(2)
    a, b = [x for x in world.bank.ids() if x != world.bank.company_account()][:2]
    before = world.bank.accounts[a]["cents"] + world.bank.accounts[b]["cents"]
    assert run(world, "transfer", from_account=a, to_account=b, amount=0.1).ok
    assert run(world, "transfer", from_account=a, to_account=b, amount=0.2).ok
    assert world.bank.accounts[a]["cents"] + world.bank.accounts[b]["cents"] == before
    for bad in ({"amount": 0.001}, {"amount": -5.0}, {"amount": 1e9}, {"to_account": a},
                {"to_account": "ACC-0"}):
        args = {"from_account": a, "to_account": b, "amount": 1.0, **bad}
        assert run(world, "transfer", **args).status == "tool_error", bad
    assert len(world.bank.transactions) == 2


def test_calendar_rejects_overlaps_and_bad_times() -> None:
    world = World(3)
    ok = run(world, "create_event", title="X", date="2025-03-23", start="21:00", end="22:00")
    assert ok.ok and ok.value["event_id"].startswith("EVT-")
    clash = run(world, "create_event", title="Y", date="2025-03-23", start="21:30", end="23:00")
    assert clash.status == "tool_error" and "overlaps" in clash.content
    assert run(world, "create_event", title="Z", date="2025-03-23", start="9:00",
               end="10:00").status == "tool_error"


def test_files_and_lookups() -> None:
    world = World(4)
    assert run(world, "write_file", path="/home/a.txt", content="hi").ok
    assert run(world, "read_file", path="/home/a.txt").value == "hi"
    assert run(world, "write_file", path="../etc/passwd", content="x").status == "tool_error"
    assert "/home/a.txt" in run(world, "list_files", directory="/home").value
    city = world.cities[0]
    assert run(world, "get_weather", city=city.upper(), date="2025-03-12").ok
    assert run(world, "get_weather", city="Atlantis", date="2025-03-12").status == "tool_error"
    assert run(world, "convert_units", value=10.0, from_unit="mi", to_unit="km").value == \
        {"value": 16.0934, "unit": "km"}
    assert run(world, "convert_units", value=1.0, from_unit="kg",
               to_unit="km").status == "tool_error"
