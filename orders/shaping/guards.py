"""What the apps above orders say against splitting or merging an order. Orders does not import them, so each
registers a guard when the apps are ready (aftersales: an open case on the order, ``aftersales.guards``).

- A split guard takes the order (locked) and the ids of the lines about to move (``moved``) and the lines about
  to move whole (``whole``, deleted from the order once copied).
- A merge guard takes the orders about to be merged (locked, in primary-key order) and the one they merge
  into (``target``, one of them): every other order is cancelled into it.

A guard raises an ``ApplicationError`` to refuse. So that the suggested merges do not offer what a guard would
refuse, an app also registers a merge blocker: given order ids, it returns those it would refuse to merge, in one
query."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from orders.models import Order

SplitGuard = Callable[..., None]
MergeGuard = Callable[..., None]
_guards: dict[str, SplitGuard] = {}
_merge_guards: dict[str, MergeGuard] = {}
_merge_blockers: dict[str, Callable[[Collection[int]], set[int]]] = {}


def split_guard_register(name: str, guard: SplitGuard) -> None:
    _guards[name] = guard


def split_guards_check(*, order: Order, moved: Collection[int], whole: Collection[int]) -> None:
    """Run every registered split guard; the first that refuses raises."""
    for guard in _guards.values():
        guard(order=order, moved=moved, whole=whole)


def merge_guard_register(name: str, guard: MergeGuard) -> None:
    _merge_guards[name] = guard


def merge_guards_check(*, orders: Sequence[Order], target: Order) -> None:
    """Run every registered merge guard; the first that refuses raises."""
    for guard in _merge_guards.values():
        guard(orders=orders, target=target)


def merge_blocker_register(name: str, blocker: Callable[[Collection[int]], set[int]]) -> None:
    _merge_blockers[name] = blocker


def merge_blocked_ids(order_ids: Collection[int]) -> set[int]:
    """The ids among ``order_ids`` that some registered merge guard would refuse to merge."""
    blocked: set[int] = set()
    for blocker in _merge_blockers.values():
        blocked |= blocker(order_ids)
    return blocked
