"""Endorsements: who endorses the coalition, how it was verified, and its public life.

Lifecycle: unconfirmed (contact email not yet confirmed) → submitted → verified →
published; rejected with a reason; withdrawn by a coordinator or by the endorser.
Every transition is a model verb that validates it and writes the audit trail.
"""

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from chapters.models import State
from lib import tokens
from lib.audit import record
from lib.edit_conflicts import Versioned
from lib.mail import send_mail_template
from lib.validators import no_control_characters, no_control_characters_multiline

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
CONFIRM = "endorsement-confirm"
WITHDRAW = "endorsement-withdraw"


class LinkError(Exception):
    """A signed link that is tampered with, expired or no longer applies."""


def reencode_image(upload) -> ContentFile:
    """Check an uploaded photo or logo and return a fresh re-encoding of it.

    The type is sniffed by Pillow, never trusted from the name or the browser, and the
    re-encoding drops anything that is not pixels (scripts, HTML, metadata).
    """
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.", code="too_big")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in IMAGE_FORMATS:
            raise ValidationError("Upload a JPEG, PNG, WebP or GIF image.", code="format")
        width, height = image.size
        if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
            raise ValidationError(
                f"The image is {width}×{height} pixels; at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} is allowed.",
                code="too_large",
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("This file is not an image we can read: upload a JPEG, PNG, WebP or GIF.") from None
    extension = IMAGE_FORMATS[image.format]
    out = io.BytesIO()
    if extension == "jpg":
        image.convert("RGB").save(out, format="JPEG", quality=88)
    elif extension == "webp":
        image.save(out, format="WEBP")
    else:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.{extension}")


def validate_http_url(value: str) -> None:
    if not value.lower().startswith(("http://", "https://")):
        raise ValidationError("Enter a web address starting with http:// or https://.", code="scheme")


class EndorsementQuerySet(models.QuerySet):
    def published(self) -> "EndorsementQuerySet":
        return self.filter(status=Endorsement.Status.PUBLISHED)

    def for_state(self, state: State | str | None) -> "EndorsementQuerySet":
        """A state's endorsements; None means the national ones."""
        if state is None:
            return self.filter(state__isnull=True)
        return self.filter(state=state)

    def for_wall(self) -> "EndorsementQuerySet":
        return self.select_related("state").order_by("-featured", "-published_at", "-pk")

    def visible_to(self, user) -> "EndorsementQuerySet":
        """All for national coordinators; a chapter coordinator's states only (no national ones)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(state__in=State.objects.visible_to(user))

    def queue(self) -> "EndorsementQuerySet":
        """Waiting for a coordinator: confirmed submissions and verified ones not yet published."""
        return self.filter(status__in=[Endorsement.Status.SUBMITTED, Endorsement.Status.VERIFIED]).order_by(
            "-created_at"
        )


class Endorsement(Versioned):
    class Kind(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        OFFICIAL = "official", "Elected official"
        ORGANISATION = "organisation", "Organisation"
        PUBLIC_FIGURE = "public_figure", "Public or media figure"
        INDIVIDUAL = "individual", "Individual"

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Unconfirmed (contact email not yet confirmed)"
        SUBMITTED = "submitted", "Submitted"
        VERIFIED = "verified", "Verified"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Method(models.TextChoices):
        CALL = "call", "Phone or video call with the endorser"
        OFFICIAL_EMAIL = "official_email", "Email from an official domain"
        PUBLIC_STATEMENT = "public_statement", "Public statement at the source URL"

    kind = models.CharField(max_length=20, choices=Kind.choices, help_text="Who is endorsing.")
    name = models.CharField(
        max_length=200,
        validators=[no_control_characters],
        help_text="The endorser's name as it should appear publicly.",
    )
    office = models.CharField(
        "office or role",
        max_length=200,
        blank=True,
        validators=[no_control_characters],
        help_text='Office held or sought, or role, e.g. "candidate for US Senate".',
    )
    party = models.CharField(
        max_length=100, blank=True, validators=[no_control_characters], help_text="Political party, if any."
    )
    state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="endorsements",
        help_text="The endorser's state; leave empty for a national endorsement.",
    )
    statement = models.TextField(
        max_length=2000,
        validators=[no_control_characters_multiline],
        help_text="The statement or quote, as plain text.",
    )
    source_url = models.URLField(
        "source URL",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"]), validate_http_url, no_control_characters],
        help_text="Where the statement was made public (http or https).",
    )
    made_on = models.DateField("date made", help_text="When the statement was made.")
    image = models.ImageField(
        upload_to="endorsements/",
        blank=True,
        help_text="Optional photo or logo: JPEG, PNG, WebP or GIF, at most 2 MB and 4000×4000 pixels.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="endorsements",
        help_text="The endorser's own account, if they are also a member.",
    )
    slug = models.SlugField(max_length=120, unique=True, editable=False)
    contact_email = models.EmailField(
        blank=True, help_text="For confirmation and withdrawal links only; never shown publicly."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    verification_method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    verification_note = models.TextField(
        max_length=2000,
        blank=True,
        validators=[no_control_characters_multiline],
        help_text="How the endorsement was verified: who, when, what was checked.",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(max_length=2000, blank=True, validators=[no_control_characters_multiline])
    featured = models.BooleanField(default=False, help_text="Shown first on the wall; published ones only.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the endorser withdrew it through their link.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-featured", "-published_at"], name="endorsement_wall_idx"),
            models.Index(fields=["state", "status"], name="endorsement_state_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["verified", "published"])
                | (~Q(verification_method="") & ~Q(verification_note="") & Q(verified_at__isnull=False)),
                name="endorsement_verified_has_method_and_note",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="endorsement_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="endorsement_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="endorsement_withdrawn_has_date",
            ),
            models.CheckConstraint(
                condition=Q(featured=False) | Q(status="published"),
                name="endorsement_featured_only_published",
            ),
            models.CheckConstraint(
                condition=Q(source_url="")
                | Q(source_url__istartswith="http://")
                | Q(source_url__istartswith="https://"),
                name="endorsement_source_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            base = slugify(f"{self.name} {self.state_id or 'national'}")[:100] or "endorsement"
            self.slug = f"{base}-{secrets.token_hex(3)}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("endorsements:endorsement-detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    # Signed links -----------------------------------------------------------------

    # Both links may be followed twice harmlessly (the second click finds it done), so their
    # state is only the address the confirmation was sent to, and nothing for the withdrawal.

    def confirmation_token(self) -> str:
        return tokens.make_token(CONFIRM, self.pk, self.contact_email)

    def withdrawal_token(self) -> str:
        return tokens.make_token(WITHDRAW, self.pk)

    @classmethod
    def from_confirmation_token(cls, token: str) -> "Endorsement":
        try:
            link = tokens.read_token(CONFIRM, token)
        except tokens.ExpiredToken:
            raise LinkError("This confirmation link has expired. Please submit the endorsement again.") from None
        except tokens.InvalidToken:
            raise LinkError("This confirmation link is not valid. Check that you copied all of it.") from None
        endorsement = cls.objects.filter(pk=link.pk).first()
        if endorsement is None or not link.matches(endorsement.contact_email):
            raise LinkError("This confirmation link is not valid any more.")
        return endorsement

    def check_withdrawal_token(self, token: str) -> None:
        try:
            link = tokens.read_token(WITHDRAW, token)
        except tokens.ExpiredToken:
            raise LinkError(
                "This withdrawal link has expired. Write to the coalition and a coordinator will withdraw it for you."
            ) from None
        except tokens.InvalidToken:
            raise LinkError("This withdrawal link is not valid. Check that you copied all of it.") from None
        if link.pk != self.pk:
            raise LinkError("This withdrawal link is not valid. Check that you copied all of it.")

    def mail_endorser(self, template: str, base_url: str) -> None:
        """Send emails/<template>_* to the contact address with this endorsement's signed links."""
        if not self.contact_email:
            return
        context = {
            "endorsement": self,
            "confirm_url": base_url + reverse("endorsements:endorsement-confirm", args=[self.confirmation_token()]),
            "withdraw_url": base_url
            + reverse("endorsements:endorsement-withdraw", args=[self.slug, self.withdrawal_token()]),
            "public_url": base_url + self.get_absolute_url(),
            "confirm_days": tokens.lifetime_days(CONFIRM),
            "withdraw_days": tokens.lifetime_days(WITHDRAW),
        }
        send_mail_template(f"emails/{template}", [self.contact_email], context)

    # Verbs ------------------------------------------------------------------------

    def _require(self, *statuses: str, verb: str) -> None:
        if self.status not in statuses:
            raise ValidationError(
                f"Cannot {verb} “{self.name}”: it is {self.get_status_display().lower()}.", code="invalid_transition"
            )

    def confirm_contact(self) -> None:
        """The endorser opened the mailed link: coordinators now see it in their queue."""
        self._require(self.Status.UNCONFIRMED, verb="confirm")
        self.status = self.Status.SUBMITTED
        self.save(update_fields=["status"])
        record(None, self, "Contact email confirmed by the endorser; submitted for review.")

    def verify(self, by, method: str, note: str) -> None:
        self._require(self.Status.SUBMITTED, verb="verify")
        if method not in self.Method.values:
            raise ValidationError("Choose how the endorsement was verified.", code="method")
        if not note.strip():
            raise ValidationError("Say how the endorsement was verified.", code="note")
        self.status = self.Status.VERIFIED
        self.verification_method = method
        self.verification_note = note.strip()
        self.verified_by = by
        self.verified_at = timezone.now()
        self.save(update_fields=["status", "verification_method", "verification_note", "verified_by", "verified_at"])
        record(by, self, f"Verified ({self.get_verification_method_display()}): {self.verification_note}")

    def publish(self, by) -> None:
        self._require(self.Status.VERIFIED, verb="publish")
        self.status = self.Status.PUBLISHED
        self.published_at = timezone.now()
        self.save(update_fields=["status", "published_at"])
        record(by, self, "Published.")

    def reject(self, by, reason: str) -> None:
        self._require(self.Status.UNCONFIRMED, self.Status.SUBMITTED, self.Status.VERIFIED, verb="reject")
        if not reason.strip():
            raise ValidationError("Give a reason for the rejection.", code="reason")
        self.status = self.Status.REJECTED
        self.rejection_reason = reason.strip()
        self.save(update_fields=["status", "rejection_reason"])
        record(by, self, f"Rejected: {self.rejection_reason}")

    def feature(self, by) -> None:
        self._require(self.Status.PUBLISHED, verb="feature")
        if self.featured:
            raise ValidationError(f"“{self.name}” is already featured.", code="already_featured")
        self.featured = True
        self.save(update_fields=["featured"])
        record(by, self, "Featured.")

    def unfeature(self, by) -> None:
        self._require(self.Status.PUBLISHED, verb="unfeature")
        self.featured = False
        self.save(update_fields=["featured"])
        record(by, self, "No longer featured.")

    def withdraw(self, by=None) -> None:
        """Withdrawn by a coordinator (`by`) or by the endorser through their link (None)."""
        self._require(self.Status.UNCONFIRMED, self.Status.SUBMITTED, self.Status.VERIFIED, self.Status.PUBLISHED,
                      verb="withdraw")  # fmt: skip
        self.status = self.Status.WITHDRAWN
        self.featured = False
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = by
        self.save(update_fields=["status", "featured", "withdrawn_at", "withdrawn_by"])
        record(by, self, "Withdrawn by a coordinator." if by else "Withdrawn by the endorser through their link.")
