"""JD e-waybills (京东无界电子面单) with the shop's JOS token."""

from integrations.logistics.jd.client import PROVIDER, JdWaybillAdapter, adapter_factory

__all__ = ["PROVIDER", "JdWaybillAdapter", "adapter_factory"]
