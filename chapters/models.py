import typing
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from lib import audit
from lib.edit_conflicts import Versioned
from lib.validators import no_control_characters, no_control_characters_multiline

# Slugs that would shadow the chapters app's own pages under /chapters/.
RESERVED_SLUGS = {"find", "invitation"}


class StateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StateQuerySet":
        """The states a user manages records of (endorsements): all for national coordinators,
        else the states of the chapters they coordinate."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(code__in=Chapter.objects.visible_to(user).values("state"))

    def with_active_chapter(self) -> "StateQuerySet":
        """States holding at least one active chapter: the coalition's progress toward its goal."""
        return self.filter(Exists(Chapter.objects.active().filter(state=OuterRef("pk"))))


class State(models.Model):
    """A US state; loaded from the `us` package (see chapters/geo.py)."""

    code = models.CharField(max_length=2, primary_key=True, help_text="Two-letter postal code, e.g. NY.")
    fips = models.CharField(max_length=2, unique=True, help_text="Two-digit FIPS code.")
    name = models.CharField(max_length=40, unique=True)

    objects = StateQuerySet.as_manager()

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

    def territory(self, state, mode: str, listed) -> "CountyQuerySet":
        """The counties of `state` that a territory in these words holds."""
        in_state = self.filter(state=state)
        listed_pks = [county.pk for county in listed]
        if mode == Chapter.TerritoryMode.WHOLE_STATE:
            return in_state
        if mode == Chapter.TerritoryMode.EXCEPT:
            return in_state.exclude(pk__in=listed_pks)
        return in_state.filter(pk__in=listed_pks)


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
    # The ZIP's centroid (from `zipcodes`): what "events near you" measures distances from and to.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "ZIP code"
        # The nearest-events search's bounding box: a latitude range, then longitude, on one index.
        indexes = [models.Index(fields=["latitude", "longitude"], name="zipcode_coordinates_idx")]

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

    def with_onboarding(self) -> "ChapterQuerySet":
        """Annotate what `onboarding_checklist` needs, so a list of chapters costs one query."""
        logged_in = (
            Officer.objects.current().coordinators().filter(chapter=OuterRef("pk"), user__last_login__isnull=False)
        )
        # Members are reached through the relation the members app declares (Member.chapter):
        # chapters sits below members in the dependency rule and imports nothing from it.
        members = Chapter._meta.get_field("members").related_model.objects.counted()
        # Whether the chapter has a GOAL-th counted member: stops at that row of the
        # (chapter, status) index instead of counting thousands per chapter.
        goal_th_member = members.filter(chapter=OuterRef("pk")).order_by()[Chapter.MEMBERS_GOAL - 1 :]
        return self.annotate(
            coordinator_logged_in=Exists(logged_in),
            has_social_page=Exists(SocialPage.objects.filter(chapter=OuterRef("pk"))),
            members_goal_reached=Exists(goal_th_member),
        )


class Chapter(Versioned):
    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"

    class TerritoryMode(models.TextChoices):
        WHOLE_STATE = "whole_state", "The whole state"
        EXCEPT = "except", "The whole state except these counties"
        ONLY = "only", "Only these counties"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    MEMBERS_GOAL = 10

    name = models.CharField(max_length=100, unique=True, validators=[no_control_characters])
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the chapter's web address.")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="chapters")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    founded = models.DateField(null=True, blank=True)
    description = models.TextField(
        blank=True,
        max_length=5000,
        validators=[no_control_characters_multiline],
        help_text="Shown on the public chapter page.",
    )
    contact_email = models.EmailField(blank=True, help_text="A public address for the chapter, never a person's.")
    question = models.CharField(
        max_length=200,
        blank=True,
        validators=[no_control_characters],
        help_text='The coalition\'s question as this chapter asks it, e.g. "Would you really mind if California left?"',
    )
    territory_mode = models.CharField(
        "territory",
        max_length=12,
        choices=TerritoryMode.choices,
        default=TerritoryMode.ONLY,
        help_text="How the territory is described; the counties below are the exceptions or the whole list.",
    )
    territory_counties = models.ManyToManyField(
        County,
        blank=True,
        related_name="listed_by_chapters",
        verbose_name="listed counties",
        help_text="Counties excluded from the state (for “except”) or the only counties covered (for “only”).",
    )
    call_weekday = models.PositiveSmallIntegerField(
        "weekly call: day", choices=Weekday.choices, null=True, blank=True, help_text="Leave empty if no weekly call."
    )
    call_time = models.TimeField("weekly call: local time", null=True, blank=True, help_text="e.g. 19:30")
    call_timezone = models.CharField(
        "weekly call: time zone",
        max_length=60,
        blank=True,
        validators=[no_control_characters],
        help_text="IANA time zone name, e.g. America/Chicago.",
    )

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["state__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(call_weekday__isnull=True, call_time__isnull=True, call_timezone="")
                    | (Q(call_weekday__isnull=False, call_time__isnull=False) & ~Q(call_timezone=""))
                ),
                name="chapter_call_all_or_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:chapter-detail", args=[self.slug])

    def clean(self) -> None:
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = f"“{self.slug}” is reserved for a page of the site; choose another."
        if self.call_timezone and self.call_timezone not in zoneinfo.available_timezones():
            errors["call_timezone"] = f"“{self.call_timezone}” is not a time zone name; use one like America/Chicago."
        call = [self.call_weekday is not None, self.call_time is not None, bool(self.call_timezone)]
        if any(call) and not all(call):
            errors["call_weekday"] = "A weekly call needs its day, local time and time zone; or leave all three empty."
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def derive_slug(name: str) -> str:
        return slugify(name)[:100]

    # Territory ------------------------------------------------------------

    def territory_clashes(self, *, state, mode: str, counties) -> list[str]:
        """Messages for each county the territory would take from another chapter, and for counties out of state."""
        counties = list(counties)
        messages = [f"{county} is not in {state}." for county in counties if county.state_id != state.pk]
        wanted = County.objects.territory(state, mode, counties)
        taken = wanted.filter(chapter__isnull=False).select_related("chapter").order_by("name")
        if self.pk:
            taken = taken.exclude(chapter=self)
        messages += [f"{county.name} already belongs to {county.chapter.name}." for county in taken]
        return messages

    def set_territory(self, *, mode: str, counties=(), by=None) -> None:
        """Cover exactly the counties these words describe, or save nothing and say which counties clash."""
        counties = list(counties)
        with transaction.atomic():
            wanted = County.objects.territory(self.state, mode, counties)
            # Lock the counties we want so a concurrent save cannot take them between check and update.
            list(wanted.select_for_update().values_list("pk", flat=True))
            clashes = self.territory_clashes(state=self.state, mode=mode, counties=counties)
            if clashes:
                raise ValidationError(clashes, code="territory_clash")
            County.objects.filter(chapter=self).exclude(pk__in=wanted.values("pk")).update(chapter=None)
            wanted.update(chapter=self)
            self.territory_mode = mode
            self.save(update_fields=["territory_mode"])
            self.territory_counties.set(counties if mode != self.TerritoryMode.WHOLE_STATE else [])
            audit.record(by, self, f"Territory set to: {self.territory_in_words()}")

    def territory_in_words(self) -> str:
        listed = sorted(county.name for county in self.territory_counties.all())
        state = self.state.name
        if self.territory_mode == self.TerritoryMode.WHOLE_STATE:
            return f"All of {state}"
        if self.territory_mode == self.TerritoryMode.EXCEPT:
            return f"All of {state} except {_join(listed)}" if listed else f"All of {state}"
        return f"In {state}: {_join(listed)}" if listed else "No counties yet"

    # Status ---------------------------------------------------------------

    def change_status(self, to: str, *, by=None, note: str = "") -> "StatusChange | None":
        """Move the chapter to another status, recording when and by whom; no-op if unchanged."""
        if to not in self.Status.values:
            raise ValidationError(f"“{to}” is not a chapter status.")
        if to == self.status:
            return None
        with transaction.atomic():
            change = StatusChange.objects.create(
                chapter=self, from_status=self.status, to_status=to, changed_by=by, note=note
            )
            self.status = to
            self.save(update_fields=["status"])
            audit.record(
                by, self, f"Status changed from {change.get_from_status_display()} to {self.get_status_display()}"
            )
        return change

    # Onboarding -----------------------------------------------------------

    def reached_members_goal(self) -> bool:
        annotated = getattr(self, "members_goal_reached", None)
        if annotated is None:
            return self.members.counted().order_by()[self.MEMBERS_GOAL - 1 :].exists()
        return annotated

    def onboarding_checklist(self) -> list[tuple[str, bool]]:
        """What a new group still lacks, as (step, done) pairs."""
        logged_in = getattr(self, "coordinator_logged_in", None)
        if logged_in is None:
            logged_in = self.officers.current().coordinators().filter(user__last_login__isnull=False).exists()
        social = getattr(self, "has_social_page", None)
        if social is None:
            social = self.social_pages.exists()
        return [
            ("A coordinator has logged in", bool(logged_in)),
            ("A social media page is linked", bool(social)),
            ("The weekly call is set", self.call_weekday is not None),
            ("The question is phrased for the state", bool(self.question)),
            (f"First {self.MEMBERS_GOAL} members", self.reached_members_goal()),
        ]

    def onboarding_progress(self) -> "Progress":
        steps = self.onboarding_checklist()
        return Progress(sum(done for _, done in steps), len(steps))


class Progress(typing.NamedTuple):
    done: int
    total: int


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


class SocialPage(models.Model):
    """One of a chapter's pages on a social network."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        X = "x", "X (Twitter)"
        INSTAGRAM = "instagram", "Instagram"
        YOUTUBE = "youtube", "YouTube"
        TIKTOK = "tiktok", "TikTok"
        BLUESKY = "bluesky", "Bluesky"
        TRUTH_SOCIAL = "truth_social", "Truth Social"
        TELEGRAM = "telegram", "Telegram"
        OTHER = "other", "Other"

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="social_pages")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    url = models.URLField(
        "address",
        max_length=300,
        validators=[no_control_characters],
        help_text="The page's full address, starting with https://",
    )

    class Meta:
        ordering = ["chapter", "platform"]
        constraints = [models.UniqueConstraint(fields=["chapter", "url"], name="socialpage_chapter_url_unique")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.url}"


class StatusChange(models.Model):
    """A chapter's move from one status to another: when and by whom."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Chapter.Status.choices)
    to_status = models.CharField(max_length=10, choices=Chapter.Status.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, validators=[no_control_characters])

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["chapter", "-changed_at"], name="statuschange_chapter_idx")]

    def __str__(self) -> str:
        return f"{self.chapter}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class CoalitionGoal(models.Model):
    """The coalition's goal: how many states should have an active chapter. There is one row."""

    target_states = models.PositiveSmallIntegerField(
        default=20, help_text="How many states the coalition wants an active chapter in."
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="coalitiongoal_single_row")]

    def __str__(self) -> str:
        return f"Goal: {self.target_states} states"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "CoalitionGoal":
        # Unsaved defaults until a national coordinator edits it: public pages never write.
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @staticmethod
    def states_reached() -> int:
        return State.objects.with_active_chapter().count()

    def progress(self) -> tuple[int, int]:
        """(states with an active chapter, target)."""
        return self.states_reached(), self.target_states


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
    title = models.CharField(
        max_length=100,
        validators=[no_control_characters],
        help_text='Shown publicly, e.g. "State coordinator" or "Treasurer".',
    )
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
