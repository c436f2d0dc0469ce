from integrations.platforms.pdd.adapter import adapter

__all__ = ["adapter"]
