"""Development mail: print each message and keep it as an .eml file under .data/mail/."""

from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.utils import timezone
from django.utils.crypto import get_random_string


class ConsoleAndFileBackend(ConsoleBackend):
    def send_messages(self, email_messages: list) -> int:
        sent = super().send_messages(email_messages)
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{get_random_string(6)}-{message.to[0] if message.to else 'nobody'}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return sent
