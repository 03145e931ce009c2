"""Onboarding a state group: one workflow, and the single-use invitation links it mails.

`onboard_chapter` is called by the admin's onboarding page; it creates the chapter, its
territory and its coordinators in one transaction, and mails the invitations once the
transaction has committed (a rolled-back onboarding sends nothing).
"""

from allauth.account.models import EmailAddress
from django.contrib.admin.models import ADDITION
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chapters.models import Chapter, County, Officer, State
from lib import audit, tokens
from lib.mail import send_mail_template
from lib.roles import CHAPTER_COORDINATORS

User = get_user_model()

INVITATION = "coordinator-invitation"


class InvitationError(Exception):
    """A link that cannot be used; the message is shown to the person who followed it."""

    status = 400


class InvitationExpired(InvitationError):
    status = 410


class InvitationUsed(InvitationError):
    status = 410


def _account_state(user: User) -> str:
    # Changes as soon as the password is set or the person logs in: that makes the link single-use.
    return f"{user.password}:{user.last_login}:{user.is_active}"


def make_invitation_token(user: User) -> str:
    return tokens.make_token(INVITATION, user.pk, _account_state(user))


def user_for_invitation(token: str) -> User:
    """The invited user, or InvitationError saying why the link cannot be used."""
    try:
        link = tokens.read_token(INVITATION, token)
    except tokens.ExpiredToken as error:
        raise InvitationExpired(
            "This invitation has expired. Ask a national coordinator to send you a new one."
        ) from error
    except tokens.InvalidToken as error:
        raise InvitationError("This invitation link is not valid. Copy the whole link from the email.") from error
    user = User.objects.filter(pk=link.pk, is_active=True).first()
    if user is None or not link.matches(_account_state(user)):
        raise InvitationUsed("This invitation has already been used. Log in with your email and password instead.")
    return user


def accept_invitation(user: User, password: str) -> None:
    """Set the invited coordinator's password; following the mailed link also proves the address."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
        # Written by the system, naming the person: an entry with them as its actor would sit in
        # their own "Recent actions" on the admin's home page, linking to their account, which a
        # chapter coordinator may not open.
        audit.record(None, user, f"{user.email} accepted the coordinator invitation and set a password")


def send_invitation(*, user: User, chapter: Chapter, site_url: str, invited_by: User | None) -> None:
    link = site_url.rstrip("/") + reverse("chapters:invitation", args=[make_invitation_token(user)])
    context = {
        "user": user,
        "chapter": chapter,
        "link": link,
        "days": tokens.lifetime_days(INVITATION),
        "invited_by": invited_by,
    }
    send_mail_template("emails/chapter_invitation", [user.email], context)


def add_coordinator(*, chapter: Chapter, email: str, first_name: str, last_name: str, title: str, by) -> User:
    """Find or create the person's account and make them a current coordinator of the chapter."""
    email = email.strip().lower()
    user = User.objects.with_email(email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
        audit.record(by, user, f"Account created to coordinate {chapter}", action=ADDITION)
    elif not (user.first_name or user.last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=CHAPTER_COORDINATORS))
    officer = Officer.objects.create(user=user, chapter=chapter, role=Officer.Role.COORDINATOR, title=title)
    audit.record(by, officer, f"{user} made {title} of {chapter}", action=ADDITION)
    return user


@transaction.atomic
def onboard_chapter(
    *,
    state: State,
    name: str,
    territory_mode: str,
    counties: list[County],
    coordinators: list[dict],
    by: User,
    site_url: str,
) -> Chapter:
    """Create a forming chapter with its territory and coordinators; mail each coordinator an invitation.

    `coordinators` holds dicts with email, first_name, last_name and title. Raises ValidationError
    (and saves nothing) when the territory clashes with another chapter's.
    """
    chapter = Chapter.objects.create(
        name=name,
        slug=Chapter.derive_slug(name),
        state=state,
        status=Chapter.Status.FORMING,
        founded=timezone.localdate(),
    )
    audit.record(by, chapter, "Chapter onboarded", action=ADDITION)
    chapter.set_territory(mode=territory_mode, counties=counties, by=by)
    for person in coordinators:
        user = add_coordinator(chapter=chapter, by=by, **person)
        # Queued in this transaction (lib/mail_queue.py): no invitation for a chapter that was not saved.
        send_invitation(user=user, chapter=chapter, site_url=site_url, invited_by=by)
    return chapter
