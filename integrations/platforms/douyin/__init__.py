from integrations.platforms.douyin.adapter import adapter

__all__ = ["adapter"]
