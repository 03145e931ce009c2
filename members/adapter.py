import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.urls import reverse

from lib.mail import render_mail_template
from members.models import Member, activate_member

# When this session last logged in (a timestamp), for is_reauthentication_required below.
LOGGED_IN_AT = "coalition_logged_in_at"


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        # After Django's login, which starts a fresh session for the person.
        request.session[LOGGED_IN_AT] = time.time()

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A login moments ago counts as having just typed the password.

        allauth asks for the password again before two-factor changes, even right after a
        login; a new coordinator, sent from their first login to set up an authenticator
        app, was asked for the password they had just chosen. Past the same window a
        reauthentication lasts (ACCOUNT_REAUTHENTICATION_TIMEOUT), allauth asks as usual.
        """
        session = getattr(self.request, "session", None)
        logged_in_at = session.get(LOGGED_IN_AT) if session is not None else None
        if logged_in_at and time.time() - logged_in_at < account_settings.REAUTHENTICATION_TIMEOUT:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def render_mail(self, template_prefix: str, email: str | list[str], context: dict, headers=None) -> EmailMessage:
        """allauth's mails (address confirmation, password reset, ...) are built like the coalition's own."""
        message = render_mail_template(
            template_prefix,
            [email] if isinstance(email, str) else list(email),
            context,
            request=context.get("request"),
            from_email=self.get_from_email(),
            headers=headers,
        )
        message.subject = self.format_email_subject(message.subject)
        return message

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # allauth says "Confirmation email sent" only when it sent one, and it sends one mail per
        # address per three minutes: a second signup with the same address would read differently.
        # After joining, the "check your email" page names the address itself (members/forms.py).
        if message_template == "account/messages/email_confirmation_sent.txt" and (message_context or {}).get("signup"):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def confirm_email(self, request: HttpRequest, email_address) -> bool:
        """A verified address is what makes a pending membership active (and counted)."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            member = Member.objects.filter(user_id=email_address.user_id, status=Member.Status.PENDING).first()
            if member is not None:
                activate_member(member=member)
        return confirmed

    def get_email_verification_redirect_url(self, email_address) -> str:
        if Member.objects.filter(user_id=email_address.user_id).exists():
            return reverse("members:welcome")
        return super().get_email_verification_redirect_url(email_address)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # Used once the email is verified and the newcomer logged in: tell them where they landed.
        return reverse("members:welcome")
