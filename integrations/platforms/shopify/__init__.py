from integrations.platforms.shopify.adapter import adapter

__all__ = ["adapter"]
