"""Bank accounts and transfers; balances are kept in integer cents (exact state diffs)."""

from __future__ import annotations

import random
from typing import Any

from ....core.tools import ToolError, tool

COMPANY_OWNER = "Acme Payroll"


def to_cents(amount: float) -> int:
    """Dollars -> cents; refuses fractions of a cent instead of rounding them away."""
    cents = round(amount * 100)
    if abs(amount * 100 - cents) > 1e-6:
        raise ToolError(f"amount {amount} has more than 2 decimal places")
    return int(cents)


class Bank:
    """Accounts `ACC-####` with an owner and a balance; transfers append transactions."""

    WRITES = frozenset({"transfer"})

    def __init__(self, rng: random.Random, owners: list[str]) -> None:
        numbers = rng.sample(range(1000, 10000), len(owners) + 1)
        self.accounts: dict[str, dict[str, Any]] = {}
        for number, owner in zip(numbers, [*owners, COMPANY_OWNER]):
            cents = rng.randint(200_00, 9_000_00) if owner != COMPANY_OWNER else 500_000_00
            self.accounts[f"ACC-{number}"] = {"owner": owner, "cents": cents}
        self.transactions: list[dict[str, Any]] = []
        self.next_tx = rng.randint(10_000, 89_999)

    def ids(self) -> list[str]:
        return sorted(self.accounts)

    def company_account(self) -> str:
        return next(a for a, v in self.accounts.items() if v["owner"] == COMPANY_OWNER)

    def _account(self, account_id: str) -> dict[str, Any]:
        if account_id not in self.accounts:
            raise ToolError(f"no account {account_id!r}; account ids look like 'ACC-1234'")
        return self.accounts[account_id]

    @tool
    def get_balance(self, account_id: str) -> dict[str, Any]:
        """The current balance of a bank account, in US dollars.

        Args:
            account_id: The account id, e.g. "ACC-1234".
        """
        return {"account_id": account_id, "balance": self._account(account_id)["cents"] / 100}

    @tool
    def list_accounts(self, owner: str) -> list[dict[str, Any]]:
        """The bank accounts held by a person (exact full name, case-insensitive).

        Args:
            owner: The owner's full name, e.g. "Maya Lopez".
        """
        wanted = owner.strip().casefold()
        found = [{"account_id": a, "owner": v["owner"]} for a, v in sorted(self.accounts.items())
                 if v["owner"].casefold() == wanted]
        if not found:
            raise ToolError(f"no accounts held by {owner!r}")
        return found

    @tool
    def transfer(self, from_account: str, to_account: str, amount: float) -> dict[str, Any]:
        """Move money between two accounts; returns the transaction id and both new balances.

        Args:
            from_account: The account to take the money from.
            to_account: The account to send the money to.
            amount: US dollars, positive, at most 2 decimal places.
        """
        source, target = self._account(from_account), self._account(to_account)
        if from_account == to_account:
            raise ToolError("from_account and to_account are the same account")
        cents = to_cents(amount)
        if cents <= 0:
            raise ToolError(f"amount must be positive, got {amount}")
        if cents > source["cents"]:
            raise ToolError(f"insufficient funds in {from_account} for {amount}")
        source["cents"] -= cents
        target["cents"] += cents
        tx = f"TX-{self.next_tx}"
        self.next_tx += 1
        self.transactions.append({"id": tx, "from": from_account, "to": to_account,
                                  "cents": cents})
        return {"transaction_id": tx, "from_balance": source["cents"] / 100,
                "to_balance": target["cents"] / 100}

    def snapshot(self) -> dict[str, Any]:
        return {"balances": {a: v["cents"] for a, v in sorted(self.accounts.items())},
                "transactions": [dict(t) for t in self.transactions]}
