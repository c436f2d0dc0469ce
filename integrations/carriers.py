"""Carrier codes per platform (integrations/data/carriers.json, a copy of shared/samples/carriers.json).

Each platform names carriers its own way: Order Hub's code ``YTO`` is ``YTO`` on Taobao and ``yuantong``
on Douyin; JD and Pinduoduo use numeric ids from their own logistics APIs (null in the table until staff
fill them in). Ship confirmations take a code already mapped with ``carrier_code_for_platform``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from integrations.exceptions import PayloadInvalid

DATA = Path(__file__).resolve().parent / "data" / "carriers.json"
COLUMN = {"taobao": "taobao", "tmall": "taobao", "jd": "jd", "pdd": "pdd", "douyin": "douyin"}


@lru_cache(maxsize=1)
def carriers() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["carriers"]


def platform_codes(platform: str) -> set[str]:
    column = COLUMN.get(platform)
    if column is None:
        return {row["code"] for row in carriers()}
    return {row[column] for row in carriers() if row.get(column)}


def carrier_code_for_platform(code: str, platform: str) -> str:
    """Order Hub's carrier code → the code the platform expects. Shopify takes the carrier's name."""
    row = next((row for row in carriers() if row["code"] == code), None)
    if row is None:
        raise PayloadInvalid(
            f"carrier {code!r} is not in the carrier table (known: {', '.join(r['code'] for r in carriers())}).",
            extra={"field": "carrier_code", "value": code},
        )
    if platform == "shopify":
        return row["name"]
    column = COLUMN.get(platform)
    if column is None:
        return code
    mapped = row.get(column)
    if not mapped:
        raise PayloadInvalid(
            f"carrier {code} ({row['name']}) has no {platform} code yet; fill it in from the platform's "
            "logistics-company list.",
            extra={"field": "carrier_code", "value": code, "platform": platform},
        )
    return str(mapped)
