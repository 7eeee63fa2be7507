"""A SQLite company database: read-only SQL through `query_db`, changes through write tools."""

from __future__ import annotations

import random
import sqlite3
import time
from typing import Any

from ....core.tools import ToolError, tool
from .pools import CITIES, DEPARTMENTS, PRODUCT_CATEGORIES, PRODUCTS

MAX_ROWS = 50
MAX_SQL_CHARS = 2000
MAX_VM_STEPS = 2_000_000  # sqlite virtual-machine instructions per query (bounds CTE loops)
# CPU seconds one query may use (this thread's CPU time, so a loaded machine does not stop
# a query a quiet one runs): the step bound alone let 8 loop iterations of one quadratic
# LIKE take 20 s, and a replace() loop 37 s, under 2 million steps.
MAX_QUERY_CPU_S = 1.0
MAX_QUERY_WALL_S = 5.0  # and wall seconds, so a starved machine cannot stretch a call either
PROGRESS_EVERY = 10  # VM steps between two checks of the bounds
# Longest string or blob a query may build, and longest LIKE/GLOB pattern. The step bound
# bounds neither memory (a recursive CTE doubling a string reached 1 GB in 26 s) nor the
# cost of one step: a LIKE, instr() or replace() costs up to the product of its operands'
# lengths, so these caps keep one step under a few milliseconds and the CPU check prompt.
# The company database's longest real value is a few dozen bytes.
MAX_VALUE_BYTES = 10_000
MAX_LIKE_PATTERN_BYTES = 200
# Deterministic, side-effect-free, small-output SQL functions (no random(), no printf()
# whose width argument could allocate gigabytes).
SAFE_FUNCTIONS = frozenset({
    "count", "sum", "total", "avg", "min", "max", "round", "abs", "lower", "upper", "length",
    "substr", "substring", "trim", "ltrim", "rtrim", "replace", "coalesce", "ifnull",
    "nullif", "instr", "group_concat", "cast", "like", "glob", "iif",
    "typeof",
})
_RECURSIVE = getattr(sqlite3, "SQLITE_RECURSIVE", 33)
SCHEMA = """CREATE TABLE employees (id TEXT PRIMARY KEY, name TEXT, department TEXT,
    city TEXT, salary INTEGER, account_id TEXT);
CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT, category TEXT, price REAL,
    stock INTEGER);"""


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None,
               _trigger: str | None) -> int:
    """Allow reading (SELECT, column reads, safe functions, recursive CTEs); deny the rest."""
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, _RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in SAFE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class Database:
    """Tables `employees(id, name, department, city, salary, account_id)` and
    `products(sku, name, category, price, stock)` in an in-memory SQLite database."""

    WRITES = frozenset({"update_stock", "set_salary"})

    def __init__(self, rng: random.Random, people: list[str], accounts: dict[str, str]) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.executescript(SCHEMA)
        ids = rng.sample(range(100, 1000), len(people))
        cities = rng.sample(CITIES, 4)
        for number, name in zip(ids, people):
            self.conn.execute("INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?)",
                              (f"E{number}", name, rng.choice(DEPARTMENTS), rng.choice(cities),
                               rng.randrange(42_000, 160_000, 500), accounts[name]))
        skus = rng.sample(range(1000, 10000), len(PRODUCTS))
        for sku, name in zip(skus, PRODUCTS):
            self.conn.execute("INSERT INTO products VALUES (?, ?, ?, ?, ?)",
                              (f"SKU-{sku}", name, rng.choice(PRODUCT_CATEGORIES),
                               rng.randrange(500, 50_000) / 100, rng.randint(0, 400)))
        self.conn.commit()
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN_BYTES)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Trusted SQL for the generator and the tools (no authorizer)."""
        return self.conn.execute(sql, params).fetchall()

    @tool
    def query_db(self, sql: str) -> dict[str, Any]:
        """Run one read-only SQL SELECT on the company database (SQLite) and return the rows.

        Tables: employees(id TEXT, name TEXT, department TEXT, city TEXT, salary INTEGER,
        account_id TEXT) and products(sku TEXT, name TEXT, category TEXT, price REAL,
        stock INTEGER). At most 50 rows are returned.

        Args:
            sql: One SELECT statement, e.g. "SELECT name FROM employees WHERE city = 'Arlen'".
        """
        if len(sql) > MAX_SQL_CHARS:
            raise ToolError(f"the query is {len(sql)} characters; the limit is {MAX_SQL_CHARS}")
        steps, stop = [0], [""]
        deadline = time.thread_time() + MAX_QUERY_CPU_S
        wall_deadline = time.monotonic() + MAX_QUERY_WALL_S

        def progress() -> int:
            steps[0] += PROGRESS_EVERY
            if steps[0] > MAX_VM_STEPS:
                stop[0] = f"the query ran longer than {MAX_VM_STEPS} steps and was stopped"
            elif time.thread_time() > deadline:
                stop[0] = (f"the query used more than {MAX_QUERY_CPU_S:g} s of CPU time and "
                           "was stopped")
            elif time.monotonic() > wall_deadline:
                stop[0] = f"the query ran longer than {MAX_QUERY_WALL_S:g} s and was stopped"
            return 1 if stop[0] else 0

        self.conn.set_authorizer(_authorize)
        self.conn.set_progress_handler(progress, PROGRESS_EVERY)
        try:
            cursor = self.conn.execute(sql)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchmany(MAX_ROWS + 1)
        except (sqlite3.Error, sqlite3.Warning) as e:
            text = str(e)
            if "not authorized" in text or "prohibited" in text:
                text += ("; only read-only SELECT queries are allowed (use update_stock or "
                         "set_salary to change data)")
            elif "interrupted" in text:
                text = stop[0] or "the query was interrupted"
            elif "too big" in text or "too complex" in text:
                text += (f" (strings are limited to {MAX_VALUE_BYTES} bytes and LIKE/GLOB "
                         f"patterns to {MAX_LIKE_PATTERN_BYTES})")
            raise ToolError(f"SQL error: {text}") from None
        finally:
            self.conn.set_authorizer(None)
            self.conn.set_progress_handler(None, 0)
            if self.conn.in_transaction:
                self.conn.rollback()
        result: dict[str, Any] = {"columns": columns, "rows": [list(r) for r in rows[:MAX_ROWS]]}
        if len(rows) > MAX_ROWS:
            result["note"] = f"only the first {MAX_ROWS} rows are shown"
        return result

    @tool
    def update_stock(self, sku: str, quantity: int) -> dict[str, Any]:
        """Set the stock level of a product.

        Args:
            sku: The product's SKU, e.g. "SKU-1234".
            quantity: The new number of units in stock (0 or more).
        """
        if quantity < 0:
            raise ToolError(f"quantity must be 0 or more, got {quantity}")
        if not self.rows("SELECT 1 FROM products WHERE sku = ?", (sku,)):
            raise ToolError(f"no product with sku {sku!r}")
        self.conn.execute("UPDATE products SET stock = ? WHERE sku = ?", (quantity, sku))
        self.conn.commit()
        return {"sku": sku, "stock": quantity}

    @tool
    def set_salary(self, employee_id: str, salary: int) -> dict[str, Any]:
        """Set an employee's yearly salary in US dollars.

        Args:
            employee_id: The employee id, e.g. "E123".
            salary: The new yearly salary (a positive whole number).
        """
        if salary <= 0:
            raise ToolError(f"salary must be positive, got {salary}")
        if not self.rows("SELECT 1 FROM employees WHERE id = ?", (employee_id,)):
            raise ToolError(f"no employee with id {employee_id!r}")
        self.conn.execute("UPDATE employees SET salary = ? WHERE id = ?", (salary, employee_id))
        self.conn.commit()
        return {"employee_id": employee_id, "salary": salary}

    def snapshot(self) -> dict[str, Any]:
        return {"employees": self.rows("SELECT * FROM employees ORDER BY id"),
                "products": self.rows("SELECT * FROM products ORDER BY sku")}
