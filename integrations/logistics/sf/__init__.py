"""SF Express's open platform (顺丰开放平台) for own-site, mini-program, POS and Shopify orders."""

from integrations.logistics.sf.client import PROVIDER, SfAdapter, adapter_factory

__all__ = ["PROVIDER", "SfAdapter", "adapter_factory"]
