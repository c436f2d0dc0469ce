from integrations.platforms.jd.adapter import adapter

__all__ = ["adapter"]
