from django.core.management.base import BaseCommand

from devtools.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo chapters and accounts (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded. Demo logins:"))
        for role, email, password in logins:
            self.stdout.write(f"  {role:<12} {email:<26} password: {password}")
