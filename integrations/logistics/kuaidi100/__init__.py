"""Kuaidi100: e-waybills for any carrier (label/order) and the tracking subscription (poll + callbacks)."""

from integrations.logistics.kuaidi100.client import PROVIDER, Kuaidi100Adapter, adapter_factory

__all__ = ["PROVIDER", "Kuaidi100Adapter", "adapter_factory"]
