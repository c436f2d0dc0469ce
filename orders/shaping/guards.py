"""What the apps above orders say against splitting an order. Orders does not import them, so each registers
a guard when the apps are ready (aftersales: an open case with lines on the order, ``aftersales.guards``). A
guard takes the order (locked) and the ids of the lines about to move (``moved``) and the lines about to move
whole (``whole``, deleted from the order once copied), and raises an ``ApplicationError`` to refuse."""

from __future__ import annotations

from collections.abc import Callable, Collection

from orders.models import Order

SplitGuard = Callable[..., None]
_guards: dict[str, SplitGuard] = {}


def split_guard_register(name: str, guard: SplitGuard) -> None:
    _guards[name] = guard


def split_guards_check(*, order: Order, moved: Collection[int], whole: Collection[int]) -> None:
    """Run every registered guard; the first that refuses raises."""
    for guard in _guards.values():
        guard(order=order, moved=moved, whole=whole)
