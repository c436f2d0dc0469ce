"""Finance models: legal entities, statements and their lines, reconciliation runs and differences,
account mapping, vouchers and exports."""

from finance.models.accounting import AccountItem, AccountMapping, ExportJob, Voucher, VoucherLine
from finance.models.entities import LegalEntity, ShopEntity
from finance.models.reconciliation import (
    DailyBalance,
    Difference,
    DifferenceComment,
    DifferenceStatus,
    DifferenceType,
    FeeRate,
    ReconciliationRun,
    Tolerance,
)
from finance.models.statements import Statement, StatementLine

__all__ = [
    "AccountItem",
    "AccountMapping",
    "DailyBalance",
    "Difference",
    "DifferenceComment",
    "DifferenceStatus",
    "DifferenceType",
    "ExportJob",
    "FeeRate",
    "LegalEntity",
    "ReconciliationRun",
    "ShopEntity",
    "Statement",
    "StatementLine",
    "Tolerance",
    "Voucher",
    "VoucherLine",
]
