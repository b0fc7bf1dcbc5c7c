"""Notifier adapters: the console (development) and SMTP."""

from core.adapters.notifiers.console import ConsoleNotifier
from core.adapters.notifiers.smtp import SmtpNotifier, SmtpSecurity

__all__ = ["ConsoleNotifier", "SmtpNotifier", "SmtpSecurity"]
