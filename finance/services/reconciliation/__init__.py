"""Reconciliation: compare what the orders say should have happened with what the statements say did.

A run covers business dates ``date_from``…``date_to`` (Asia/Shanghai). It

1. re-matches the period's unmatched lines (orders may have arrived after their statement);
2. streams every order in scope — paid in the period, or touched by a line or a refund in the period —
   with all its lines (of any date) and refunds, ordered by order id, and compares them in Python, one
   order at a time (flat memory, one pass);
3. classifies the period's lines that match no order;
4. upserts the differences by their key, keeping human decisions (owner, status, comments), and closes
   the open ones in scope that are no longer found;
5. rebuilds the daily balances (per day, channel and shop) of the period.

The comparison rules, the difference types and their keys are documented in docs/finance.md.

One concern per module: ``run`` (the run, steps 1–5), ``scope`` (the orders in scope and the streams),
``coverage`` (the shop-days the statements cover), ``rows`` (the streamed rows, candidates, money and date
helpers), ``policy`` (tolerances and fee rates), ``evaluator`` (one order compared) with its checks in
``payments``, ``refunds``, ``fees`` and ``unmatched``, ``results`` (differences and refund links saved),
``balances`` (the daily balances rebuilt).
"""

from finance.services.reconciliation.evaluator import Evaluator
from finance.services.reconciliation.policy import DEFAULT_TOLERANCES, Policy
from finance.services.reconciliation.rows import day_bounds, local_date
from finance.services.reconciliation.run import reconcile

__all__ = ["DEFAULT_TOLERANCES", "Evaluator", "Policy", "day_bounds", "local_date", "reconcile"]
