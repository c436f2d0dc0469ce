"""The one transport for staff notifications: alerts, reminders and reports go out through here, whatever app
raised them.

``orders.notifications`` decides *who* gets a message (the notification channels: kind, minimum severity,
alert kinds) and keeps the one channel model; it cannot import integrations, so the senders — one module per
kind, each in its real request format — are registered into it when the apps are ready (``senders_register``):

- ``dingtalk``: DingTalk custom group robot (加签)
- ``wecom``: WeCom group robot
- ``email``: Django's mail backend
- ``voice``: a phone call to each on-call number (Aliyun 语音服务 SingleCallByTts), for red alerts

Robots are reached through ``integrations.transport`` (tests and the sandbox replace it); a failure raises
``orders.notifications.NotificationFailed`` with the provider's code.
"""

from __future__ import annotations


def senders_register() -> None:
    from integrations.alerting import dingtalk, email, voice, wecom
    from orders.notifications import notification_senders_register

    notification_senders_register({module.KIND: module.send for module in (dingtalk, wecom, email, voice)})
