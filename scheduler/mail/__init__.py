"""Mail from the service: settings from the environment, messages composed for the outbox
(with iMIP meeting requests), and their delivery over SMTP. Mail is off without
``SCHEDULER_SMTP_URL``."""

from .delivery import DrainResult, describe, drain, retry_at, send_one
from .messages import (
    link_mail,
    meeting_mail,
    plan_mail,
    poll_mail,
    representative_mail,
    secretary_mail,
)
from .settings import MailSettings

__all__ = ["DrainResult", "MailSettings", "describe", "drain", "link_mail", "meeting_mail",
           "plan_mail", "poll_mail", "representative_mail", "retry_at", "secretary_mail",
           "send_one"]
