"""Cainiao e-waybills for Taobao/Tmall orders, on the TOP gateway with the shop's session."""

from integrations.logistics.cainiao.client import PROVIDER, CainiaoAdapter, adapter_factory

__all__ = ["PROVIDER", "CainiaoAdapter", "adapter_factory"]
