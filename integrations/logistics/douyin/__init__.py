"""Douyin shop e-waybills (抖音电子面单) with the shop's token."""

from integrations.logistics.douyin.client import PROVIDER, DouyinWaybillAdapter, adapter_factory

__all__ = ["PROVIDER", "DouyinWaybillAdapter", "adapter_factory"]
