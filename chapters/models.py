from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class State(models.Model):
    """A US state; loaded from the `us` package (see chapters/geo.py)."""

    code = models.CharField(max_length=2, primary_key=True, help_text="Two-letter postal code, e.g. NY.")
    fips = models.CharField(max_length=2, unique=True, help_text="Two-digit FIPS code.")
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CountyQuerySet(models.QuerySet):
    def for_zip(self, code: str) -> "CountyQuerySet":
        """The counties a ZIP code lies in, with their chapters (usually one county)."""
        return self.filter(zip_codes__code=code).select_related("state", "chapter").order_by("name")

    def uncovered(self) -> "CountyQuerySet":
        return self.filter(chapter__isnull=True)


class County(models.Model):
    """A county (or equivalent); its chapter is the chapter whose territory holds it.

    A county has at most one chapter: that is what keeps territories from overlapping.
    """

    fips = models.CharField(max_length=5, primary_key=True, help_text="Five-digit FIPS code.")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="counties")
    name = models.CharField(max_length=100)
    chapter = models.ForeignKey(
        "Chapter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counties",
        help_text="The chapter whose territory holds this county; empty when no chapter covers it.",
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "counties"
        indexes = [models.Index(fields=["state", "name"], name="county_state_name_idx")]

    def __str__(self) -> str:
        return f"{self.name}, {self.state_id}"


class ZipCode(models.Model):
    """A five-digit ZIP code and the counties it lies in (usually one)."""

    code = models.CharField(max_length=5, primary_key=True)
    city = models.CharField(max_length=100)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="zip_codes")
    timezone = models.CharField(max_length=40, blank=True)
    counties = models.ManyToManyField(County, related_name="zip_codes")

    class Meta:
        ordering = ["code"]
        verbose_name = "ZIP code"

    def __str__(self) -> str:
        return f"{self.code} {self.city}, {self.state_id}"


class ChapterQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChapterQuerySet":
        """The chapters a user may manage: all for national coordinators, else those they coordinate."""
        if not user.is_authenticated:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(pk__in=Officer.objects.current().coordinators().filter(user=user).values("chapter"))

    def active(self) -> "ChapterQuerySet":
        return self.filter(status=Chapter.Status.ACTIVE)


class Chapter(models.Model):
    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the chapter's web address.")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="chapters")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    founded = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, max_length=5000, help_text="Shown on the public chapter page.")
    contact_email = models.EmailField(blank=True, help_text="A public address for the chapter, never a person's.")

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "name"]

    def __str__(self) -> str:
        return self.name


class OfficerQuerySet(models.QuerySet):
    def current(self, on=None) -> "OfficerQuerySet":
        on = on or timezone.localdate()
        return self.filter(Q(term_start__lte=on), Q(term_end__isnull=True) | Q(term_end__gte=on))

    def coordinators(self) -> "OfficerQuerySet":
        return self.filter(role=Officer.Role.COORDINATOR)


class Officer(models.Model):
    """A person's role in a chapter for a term; current coordinators run the chapter in the admin."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator"
        OFFICER = "officer", "Other officer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_terms")
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="officers")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COORDINATOR)
    title = models.CharField(max_length=100, help_text='Shown publicly, e.g. "State coordinator" or "Treasurer".')
    term_start = models.DateField(default=timezone.localdate)
    term_end = models.DateField(null=True, blank=True, help_text="Leave empty while the term is open.")

    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["chapter", "role", "term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="officer_term_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.chapter}"
