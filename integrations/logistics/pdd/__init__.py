"""Pinduoduo e-waybills (拼多多电子面单) with the shop's token."""

from integrations.logistics.pdd.client import PROVIDER, PddWaybillAdapter, adapter_factory

__all__ = ["PROVIDER", "PddWaybillAdapter", "adapter_factory"]
