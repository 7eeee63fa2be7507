"""A SQLite company database: read-only SQL through `query_db`, changes through write tools."""

from __future__ import annotations

import random
import sqlite3
from typing import Any

from ....core.tools import ToolError, tool
from .pools import CITIES, DEPARTMENTS, PRODUCT_CATEGORIES, PRODUCTS

MAX_ROWS = 50
MAX_SQL_CHARS = 2000
MAX_VM_STEPS = 2_000_000  # sqlite virtual-machine instructions per query (bounds CTE loops)
# Longest string or blob a query may build. The VM-step bound does not bound memory: a
# recursive CTE that doubles a string (`s || s`) needs only ~30 steps to reach 1 GB, which
# took 26 s and 4 GB of RAM before this limit (tests/test_redteam_rewards.py).
MAX_VALUE_BYTES = 100_000
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
        steps = [0]

        def progress() -> int:
            steps[0] += 1
            return 1 if steps[0] * 1000 > MAX_VM_STEPS else 0

        self.conn.set_authorizer(_authorize)
        self.conn.set_progress_handler(progress, 1000)
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
                text = f"the query ran longer than {MAX_VM_STEPS} steps and was stopped"
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
