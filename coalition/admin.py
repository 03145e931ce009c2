"""The task queue's jobs in the admin, for national coordinators: what waits, what failed, and why.

procrastinate's own admin shows each job's arguments. A queued mail's arguments are the whole
message, including one-time links (password reset, email confirmation) that would let whoever
reads them into another person's account; this admin shows a mail job as its subject and
recipients instead.
"""

from django.contrib import admin
from django.utils.html import format_html
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob

from lib.mail_queue import deliver_mail


class JobAdmin(ProcrastinateJobAdmin):
    @admin.display(description="Args")
    def pretty_args(self, instance: ProcrastinateJob) -> str:
        if instance.task_name != deliver_mail.name:
            return super().pretty_args(instance)
        message = instance.args.get("message", {})
        recipients = ", ".join(message.get("to", []) + message.get("cc", []) + message.get("bcc", []))
        return format_html("{} → {}", message.get("subject", ""), recipients)


admin.site.unregister(ProcrastinateJob)
admin.site.register(ProcrastinateJob, JobAdmin)
