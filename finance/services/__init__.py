"""Writes on finance data, one module per sub-domain: statements (import), matching, reconciliation,
differences (work items), exports, vouchers, entities."""
