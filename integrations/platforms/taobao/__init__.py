from integrations.platforms.taobao.adapter import adapter

__all__ = ["adapter"]
