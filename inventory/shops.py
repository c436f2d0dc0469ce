"""The shops stock is allocated to, as inventory knows them: a plain shop id on each channel row.

Shops belong to ``orders``, which inventory does not import (docs/architecture.md). ``orders`` tells inventory
what a shop id stands for by registering a directory when it starts (``OrdersConfig.ready``); inventory reads
codes and names through it for its pages, its allocation import and its messages. Without a directory (inventory
alone) a shop is shown by its id and no code is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ShopName:
    id: int
    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ShopDirectory(Protocol):
    def names(self, ids: Iterable[int] | None) -> dict[int, ShopName]:
        """The shops of these ids (every shop when ``ids`` is None), by id."""
        ...

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, int]:
        """The ids of the shops with these codes, by code (unknown codes are left out)."""
        ...


_directory: ShopDirectory | None = None


def shop_directory_register(directory: ShopDirectory) -> None:
    global _directory
    _directory = directory


def shop_names(ids: Iterable[int] | None = None) -> dict[int, ShopName]:
    """Code and name of each shop id; an id no shop answers for is shown as itself."""
    wanted = None if ids is None else sorted(set(ids))
    found = _directory.names(wanted) if _directory else {}
    for shop_id in wanted or ():
        found.setdefault(shop_id, ShopName(shop_id, str(shop_id), str(shop_id)))
    return found


def shop_ids_by_code(codes: Iterable[str]) -> dict[str, int]:
    return _directory.ids_by_code(sorted(set(codes))) if _directory else {}
