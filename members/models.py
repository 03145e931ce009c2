import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models, transaction
from django.db.models import Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Now, Upper
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import cached_property
from django.utils.http import urlsafe_base64_encode
from phonenumber_field.modelfields import PhoneNumberField

from chapters.models import Chapter, Officer, State
from lib import audit, tokens
from lib.edit_conflicts import Versioned
from lib.mail import send_mail_template
from lib.roles import NATIONAL_COORDINATORS
from lib.validators import no_control_characters
from members import signals

# Sent by activate_member when a membership begins: an address confirmed, or an imported
# person's account claimed. Receivers get `member`.
membership_started = Signal()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def with_email(self, address: str) -> models.QuerySet:
        """The account of an address, whatever its case, by one lookup in user_email_ci_unique.

        (`email__iexact` compiles to UPPER(email) = UPPER(...), which that index cannot serve: at
        1,000,000 accounts PostgreSQL answered it from the trigram index, 8 ms instead of 0.2.)
        """
        return self.get_queryset().alias(email_lower=Lower("email")).filter(email_lower=address.strip().lower())

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: member, coordinator or both. Email is the login."""

    username = None
    email = models.EmailField("email address", unique=True)
    # AbstractUser's name fields, with the check every form that writes them makes.
    first_name = models.CharField("first name", max_length=150, blank=True, validators=[no_control_characters])
    last_name = models.CharField("last name", max_length=150, blank=True, validators=[no_control_characters])

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        # The people search (lib/search.py): pg_trgm serves `icontains` on each field.
        # A short pending list, as every search reads it in full (migrations 0012, 0013).
        indexes = [
            GinIndex(
                OpClass(Upper(field), name="gin_trgm_ops"), name=f"user_{field}_trgm_idx", gin_pending_list_limit=256
            )
            for field in ("email", "first_name", "last_name")
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @cached_property
    def is_national_coordinator(self) -> bool:
        """Sees and manages everything: superusers and members of the national group.

        Cached per instance (so per request): admin permission checks ask it many times a page.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return any(group.name == NATIONAL_COORDINATORS for group in self.groups.all())


class MemberQuerySet(models.QuerySet):
    def counted(self) -> "MemberQuerySet":
        """Members who count toward a chapter or state: verified or imported, not pending nor left."""
        return self.filter(status__in=Member.COUNTED)

    def visible_to(self, user) -> "MemberQuerySet":
        """The members a user may manage: those of the chapters they may manage (all for national)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(chapter__in=Chapter.objects.visible_to(user))

    def public_names(self) -> "MemberQuerySet":
        return self.counted().filter(show_name_publicly=True)


class MemberManager(models.Manager.from_queryset(MemberQuerySet)):
    def count_for(self, *, chapter: Chapter | None = None, state: State | None = None) -> int:
        """Counted members of the chapter if one is given, else of the state (with or without a chapter).

        Kept five minutes: a big state is a COUNT of thousands, and public pages show it on every visit.
        """
        if chapter is not None:
            key, where = f"chapter-member-count-{chapter.pk}", {"chapter": chapter}
        else:
            key, where = f"state-member-count-{state.pk}", {"state": state}
        return cache.get_or_set(key, lambda: self.counted().filter(**where).count(), 300)


class Member(Versioned):
    """A person's membership: where they live (which decides their chapter), consent and source.

    Personal data lives here and on the user; it is erased with the account. The
    anonymous MembershipEvent history outlives it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (email not verified)"
        ACTIVE = "active", "Active"
        IMPORTED = "imported", "Imported (account not claimed)"
        LEFT = "left", "Left"

    COUNTED = (Status.ACTIVE, Status.IMPORTED)

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="member")
    phone = PhoneNumberField(blank=True, help_text="Stored in international (E.164) form, e.g. +18035550123.")
    zip_code = models.ForeignKey(
        "chapters.ZipCode", on_delete=models.PROTECT, related_name="members", verbose_name="ZIP code"
    )
    county = models.ForeignKey(
        "chapters.County",
        on_delete=models.PROTECT,
        related_name="members",
        help_text="One of the ZIP code's counties; it decides the chapter.",
    )
    state = models.ForeignKey(
        "chapters.State",
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The county's state; members without a chapter still count toward it.",
    )
    chapter = models.ForeignKey(
        "chapters.Chapter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text="The chapter whose territory holds the county; empty when no chapter covers it.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    email_updates = models.BooleanField(default=False, help_text="Agreed to receive email updates.")
    text_messages = models.BooleanField(default=False, help_text="Agreed to receive text messages.")
    show_name_publicly = models.BooleanField(
        default=False, help_text="May appear on the public chapter page as first name and last initial."
    )
    ref = models.CharField(
        max_length=100,
        blank=True,
        validators=[no_control_characters],
        help_text="The ?ref= of the join link that brought them.",
    )
    utm_source = models.CharField(max_length=100, blank=True, validators=[no_control_characters])
    utm_medium = models.CharField(max_length=100, blank=True, validators=[no_control_characters])
    utm_campaign = models.CharField(max_length=100, blank=True, validators=[no_control_characters])
    utm_term = models.CharField(max_length=100, blank=True, validators=[no_control_characters])
    utm_content = models.CharField(max_length=100, blank=True, validators=[no_control_characters])
    created_at = models.DateTimeField(default=timezone.now, help_text="When they signed up or were imported.")
    joined_at = models.DateTimeField(
        null=True, blank=True, help_text="When membership began: email verified, or imported."
    )
    modified_at = models.DateTimeField(
        db_default=Now(),
        editable=False,
        help_text="Last change to the membership or the person's name or email; kept by database triggers "
        "(migration 0015) whatever writes the row, so the API's incremental sync misses nothing.",
    )

    objects = MemberManager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [
            models.Index(fields=["chapter", "status"], name="member_chapter_status_idx"),
            models.Index(fields=["state", "status"], name="member_state_status_idx"),
            models.Index(fields=["joined_at"], name="member_joined_at_idx"),
            models.Index(fields=["utm_source"], name="member_utm_source_idx"),
            # A chapter's members newest first: the admin's list by chapter, the chapter page's names.
            models.Index(fields=["chapter", "-id"], name="member_chapter_newest_idx"),
            # The API's `filter=modified_date gt '...'`: incremental sync reads only what changed.
            models.Index(fields=["modified_at", "id"], name="member_modified_idx"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def public_name(self) -> str:
        """First name and last initial: all a public page may show, and only when opted in."""
        first, last = self.user.first_name.strip(), self.user.last_name.strip()
        return f"{first} {last[:1]}." if last else first

    @property
    def is_counted(self) -> bool:
        return self.status in self.COUNTED

    def place(self, zip_code, county) -> None:
        """Put the member in the county (one of the ZIP's) and so in its chapter and state."""
        self.zip_code = zip_code
        self.county = county
        self.state_id = county.state_id
        self.chapter_id = county.chapter_id


class MembershipEventQuerySet(models.QuerySet):
    def net_for(self, *, chapter=None, state=None, until=None) -> int:
        """Members gained minus members lost, up to `until`: the count the history says."""
        gained = self.filter(to_chapter=chapter) if chapter is not None else self.filter(to_state=state)
        lost = self.filter(from_chapter=chapter) if chapter is not None else self.filter(from_state=state)
        if until is not None:
            gained, lost = gained.filter(occurred_at__lte=until), lost.filter(occurred_at__lte=until)
        return gained.count() - lost.count()


class MembershipEvent(models.Model):
    """One step of membership history, with no personal data so that it outlives deleted accounts.

    Joining adds one to `to_chapter`/`to_state`; leaving takes one from `from_*`; a move
    does both. Growth figures are sums over these rows, not counts of current members.
    """

    class Kind(models.TextChoices):
        JOINED = "joined", "Joined"
        MOVED = "moved", "Moved chapter"
        LEFT = "left", "Left"

    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="Empty once the person deleted their account.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    from_chapter = models.ForeignKey(
        "chapters.Chapter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_chapter = models.ForeignKey(
        "chapters.Chapter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.ForeignKey("chapters.State", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_state = models.ForeignKey("chapters.State", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=20, blank=True, help_text="signup, profile, import, admin or deletion.")

    objects = MembershipEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["to_chapter", "occurred_at"], name="event_to_chapter_time_idx"),
            models.Index(fields=["from_chapter", "occurred_at"], name="event_from_chapter_time_idx"),
            models.Index(fields=["to_state", "occurred_at"], name="event_to_state_time_idx"),
            models.Index(fields=["from_state", "occurred_at"], name="event_from_state_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%Y-%m-%d}"


class MembershipDailyQuerySet(models.QuerySet):
    def per_day(self) -> dict[datetime.date, tuple[int, int, int]]:
        """(gained, lost, joined) per day, summed over the rows' chapters and states."""
        rows = self.values("day").annotate(g=Sum("gained"), l=Sum("lost"), j=Sum("joined")).order_by()
        return {row["day"]: (row["g"], row["l"], row["j"]) for row in rows}


class MembershipDaily(models.Model):
    """MembershipEvent rows summed per local day, chapter and state, so growth figures read days, not events.

    An event adds to `gained` (and to `joined` when it is a join) on its `to_chapter`/`to_state`
    row, and to `lost` on its `from_chapter`/`from_state` row. Database triggers on the event
    table (migration 0008) keep these sums in the same transaction as any insert, update or
    delete of events, whichever code writes them (signup, moves, departures, the roster import,
    the admin, seed_scale's SQL, a chapter's deletion nulling its events), one set-based upsert
    per statement. `rebuild()` recomputes everything from the events.
    """

    day = models.DateField(help_text="The day in TIME_ZONE, as TruncDate gives it.")
    # No foreign key constraints: a deleted chapter's past rows stay (at zero once its events
    # are nulled) and never block the deletion.
    chapter = models.ForeignKey(
        "chapters.Chapter", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    state = models.ForeignKey(
        "chapters.State", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    gained = models.IntegerField(default=0, help_text="Events into this chapter/state: joins and moves in.")
    lost = models.IntegerField(default=0, help_text="Events out of this chapter/state: departures and moves out.")
    joined = models.IntegerField(default=0, help_text="Of the gained, the joins.")

    objects = MembershipDailyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "membership daily sums"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "chapter", "state"], nulls_distinct=False, name="membership_daily_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: +{self.gained} -{self.lost}"

    @classmethod
    def rebuild(cls) -> None:
        """Recompute every row from MembershipEvent in one statement (migration, seed, repair)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {cls._meta.db_table}")
            cursor.execute(rollup_sql("members_membershipevent", sign=1, time_zone=settings.TIME_ZONE))


def rollup_sql(events: str, *, sign: int, time_zone: str) -> str:
    """Add (sign=1) or take away (sign=-1) the events of table `events` to the daily sums.

    Rows are upserted in key order so that concurrent statements lock them in the same order.
    """
    day = f"(occurred_at AT TIME ZONE '{time_zone}')::date"
    return f"""
        INSERT INTO members_membershipdaily AS d (day, chapter_id, state_id, gained, lost, joined)
        SELECT day, chapter_id, state_id, {sign} * sum(gained), {sign} * sum(lost), {sign} * sum(joined)
        FROM (
            SELECT {day} AS day, to_chapter_id AS chapter_id, to_state_id AS state_id,
                   1 AS gained, 0 AS lost, (kind = 'joined')::int AS joined
            FROM {events} WHERE to_chapter_id IS NOT NULL OR to_state_id IS NOT NULL
            UNION ALL
            SELECT {day}, from_chapter_id, from_state_id, 0, 1, 0
            FROM {events} WHERE from_chapter_id IS NOT NULL OR from_state_id IS NOT NULL
        ) e
        GROUP BY day, chapter_id, state_id
        ORDER BY day, chapter_id, state_id
        ON CONFLICT ON CONSTRAINT membership_daily_unique DO UPDATE
        SET gained = d.gained + EXCLUDED.gained, lost = d.lost + EXCLUDED.lost, joined = d.joined + EXCLUDED.joined
    """


class ConsentRecord(models.Model):
    """Each consent given or withdrawn, with when and where: the proof behind the member's flags."""

    class Topic(models.TextChoices):
        EMAIL_UPDATES = "email_updates", "Email updates"
        TEXT_MESSAGES = "text_messages", "Text messages"
        SHOW_NAME_PUBLICLY = "show_name_publicly", "Name on the public chapter page"

    class Source(models.TextChoices):
        SIGNUP = "signup", "Join form"
        PROFILE = "profile", "Profile page"
        IMPORT = "import", "Roster import"
        ADMIN = "admin", "Admin"
        ONE_CLICK = "one-click", "One-click unsubscribe"
        PROVIDER = "provider", "Mail provider's report (complaint or unsubscribe)"
        API = "api", "Another tool, through the API"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    topic = models.CharField(max_length=20, choices=Topic.choices)
    given = models.BooleanField(help_text="True when consent was given, false when withdrawn.")
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices)
    # A database default too: set-based inserts (devtools/scale.py) leave it out.
    detail = models.CharField(
        max_length=100,
        blank=True,
        db_default="",
        validators=[no_control_characters],
        help_text='Which mail it came from, e.g. "broadcast 12".',
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["member", "at"], name="consent_member_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {'given' if self.given else 'withdrawn'}"


class MemberExportQuerySet(models.QuerySet):
    def record(self, *, members, actor: User, filters: str = "") -> "MemberExport":
        """Log an export of `members` in one row: who, when, which filters, and the exported members' ids.

        One INSERT ... SELECT counts the members and gathers their ids into `member_ids`, so
        an export of a million members writes one row (and its index entries), not a million.
        """
        try:
            sql, params = members.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. members.none(): an export of no one is still logged
            sql, params = "SELECT NULL::bigint WHERE false", ()
        now = timezone.now()
        table = MemberExport._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (actor_id, created_at, filters, rows, member_ids) "
                f"SELECT %s, %s, %s, count(*), coalesce(array_agg(s.id), '{{}}') FROM ({sql}) s(id) "
                f"RETURNING id, rows",
                [actor.pk, now, filters, *params],
            )
            pk, rows = cursor.fetchone()
        # The instance without its (possibly long) list of ids, as the manager loads exports.
        return self.model.from_db(
            self.db, ["id", "actor_id", "created_at", "rows", "filters"], [pk, actor.pk, now, rows, filters]
        )

    def including(self, member: "Member") -> "MemberExportQuerySet":
        """The exports that included `member`, found through member_export_members_idx.

        The SQL function (migration 0010) keeps the planner from filtering every export's ids.
        """
        return self.filter(pk__in=RawSQL("SELECT member_exports_including(%s)", [member.pk]))


class MemberExportManager(models.Manager.from_queryset(MemberExportQuerySet)):
    def get_queryset(self):
        # The ids run to a million per national export: loaded only when asked for.
        return super().get_queryset().defer("member_ids")


class MemberExport(models.Model):
    """A CSV export of members from the admin: who took which rows, when.

    `member_ids` lists the members it included: each of them sees the export on their profile
    and in their data download (see `record_accesses`).
    """

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="member_exports")
    created_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField()
    filters = models.CharField(max_length=2000, blank=True, help_text="The changelist filters and search used.")
    member_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)

    objects = MemberExportManager()

    class Meta:
        ordering = ["-created_at"]
        # fastupdate off: a pending list would take three chapter exports at ~20 ms and make the
        # fourth merge them (~390 ms); written straight into the index each costs ~70 ms.
        indexes = [GinIndex(fields=["member_ids"], name="member_export_members_idx", fastupdate=False)]

    def __str__(self) -> str:
        return f"Export of {self.rows} members on {self.created_at:%Y-%m-%d %H:%M}"


class MemberAccess(models.Model):
    """Who opened a member's record in the admin, and when: the member can see it on their profile.

    Exports are logged once per export, on MemberExport; `record_accesses` shows both.
    """

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed in the admin"
        EXPORTED = "exported", "Included in a CSV export"
        API = "api", "Read through the API"

    # No index of its own: member_access_recent_idx (member, -at) answers lookups by member.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="accesses", db_index=False)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "member accesses"
        indexes = [models.Index(fields=["member", "-at"], name="member_access_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor or 'a deleted account'} on {self.at:%Y-%m-%d}"


def record_accesses(member: "Member", limit: int | None = None) -> list[MemberAccess]:
    """Who viewed or exported the member's record, most recent first (the `limit` most recent).

    Views are MemberAccess rows; each export that included the member is shown as an
    "exported" entry (not saved) with the export's actor and time. Two indexed queries.
    """
    views = member.accesses.select_related("actor")
    exports = MemberExport.objects.including(member).select_related("actor").order_by("-created_at", "-pk")
    if limit is not None:
        views, exports = views[:limit], exports[:limit]
    entries = list(views) + [
        MemberAccess(member=member, actor=e.actor, action=MemberAccess.Action.EXPORTED, at=e.created_at)
        for e in exports
    ]
    entries.sort(key=lambda a: a.at, reverse=True)  # stable: each source keeps its own order on ties
    return entries[:limit] if limit is not None else entries


def describe_accessors(member: Member, accesses: list[MemberAccess]) -> list[MemberAccess]:
    """Name who looked by role and chapter ("a coordinator of South Carolina Consents"), not by name.

    A member needs to know that the people who looked were entitled to; a coordinator's name
    is theirs to give, not ours. Two queries whatever the number of entries.
    """
    actor_ids = {a.actor_id for a in accesses if a.actor_id}
    national = set(
        User.objects.filter(pk__in=actor_ids)
        .filter(is_superuser=True)
        .union(User.objects.filter(pk__in=actor_ids, groups__name=NATIONAL_COORDINATORS))
        .values_list("pk", flat=True)
    )
    chapters: dict[int, list[Chapter]] = {}
    officers = Officer.objects.coordinators().filter(user_id__in=actor_ids).select_related("chapter")
    for officer in officers.order_by("chapter__name"):
        chapters.setdefault(officer.user_id, []).append(officer.chapter)
    for access in accesses:
        theirs = chapters.get(access.actor_id, [])
        if access.actor_id is None:
            access.accessor = "a coordinator whose account has since been closed"
        elif access.actor_id in national:
            access.accessor = "a national coordinator"
        elif theirs:
            chapter = next((c for c in theirs if c.pk == member.chapter_id), theirs[0])
            access.accessor = f"a coordinator of {chapter.name}"
        else:
            access.accessor = "a coordinator"
    return accesses


CONSENT_FIELDS = {
    "email_updates": ConsentRecord.Topic.EMAIL_UPDATES,
    "text_messages": ConsentRecord.Topic.TEXT_MESSAGES,
    "show_name_publicly": ConsentRecord.Topic.SHOW_NAME_PUBLICLY,
}


def record_consents(member: Member, before: dict[str, bool], source: str, at=None) -> list[ConsentRecord]:
    """Log each consent flag that differs from `before` (all given ones when `before` is empty)."""
    at = at or timezone.now()
    records = [
        ConsentRecord(member=member, topic=topic, given=getattr(member, field), at=at, source=source)
        for field, topic in CONSENT_FIELDS.items()
        if getattr(member, field) != before.get(field, False)
    ]
    return ConsentRecord.objects.bulk_create(records)


@transaction.atomic
def sign_up_member(
    *, user: User, zip_code, county, phone: str = "", consents: dict[str, bool], source: dict[str, str]
) -> Member:
    """Create the pending membership of someone who just signed up; it counts once they verify."""
    member = Member(user=user, phone=phone or "", **consents, **source)
    member.place(zip_code, county)
    member.save()
    record_consents(member, {}, ConsentRecord.Source.SIGNUP)
    return member


@transaction.atomic
def activate_member(*, member: Member) -> bool:
    """Email verified (or invitation claimed): the membership begins and starts counting."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status not in (Member.Status.PENDING, Member.Status.IMPORTED):
        return False
    was_counted = member.is_counted
    member.status = Member.Status.ACTIVE
    if not was_counted:
        member.joined_at = timezone.now()
        MembershipEvent.objects.create(
            member=member, kind=MembershipEvent.Kind.JOINED, occurred_at=member.joined_at,
            to_chapter_id=member.chapter_id, to_state_id=member.state_id, source="signup",
        )  # fmt: skip
    member.save(update_fields=["status", "joined_at"])
    # Higher apps act on it (the welcome mail), in this transaction: members cannot import them.
    membership_started.send(sender=Member, member=member)
    if not was_counted:
        signals.person_joined.send(sender=Member, member=member)
    return True


@transaction.atomic
def update_member(*, member: Member, actor: User | None, source: str, zip_code, county, **changes) -> Member:
    """Save a member's edited details; record consent changes and any move to another chapter."""
    # Compare with the stored row: a ModelForm has already copied its data onto `member`.
    stored = Member.objects.select_for_update().get(pk=member.pk)
    before = {field: getattr(stored, field) for field in CONSENT_FIELDS}
    old_chapter_id, old_state_id = stored.chapter_id, stored.state_id
    user_changes = {f: changes.pop(f) for f in ("first_name", "last_name") if f in changes}
    for field, value in user_changes.items():
        setattr(member.user, field, value)
    if user_changes:
        member.user.save(update_fields=list(user_changes))
    for field, value in changes.items():
        setattr(member, field, value)
    member.place(zip_code, county)
    member.save()
    record_consents(member, before, source)
    moved = (member.chapter_id, member.state_id) != (old_chapter_id, old_state_id)
    if moved and member.is_counted:
        MembershipEvent.objects.create(
            member=member, kind=MembershipEvent.Kind.MOVED, source=source,
            from_chapter_id=old_chapter_id, from_state_id=old_state_id,
            to_chapter_id=member.chapter_id, to_state_id=member.state_id,
        )  # fmt: skip
    message = "Profile updated" + (f", moved to {member.chapter or member.state}" if moved else "") + f" ({source})."
    audit.record(actor, member, message)
    signals.person_updated.send(sender=Member, member=member)
    return member


@transaction.atomic
def leave_coalition(*, member: Member, actor: User | None, source: str) -> None:
    """Stop counting the member and stop mailing them: leaving withdraws the mail and text consents."""
    if member.status == Member.Status.LEFT:
        return
    if member.is_counted:
        MembershipEvent.objects.create(
            member=member, kind=MembershipEvent.Kind.LEFT, source=source,
            from_chapter_id=member.chapter_id, from_state_id=member.state_id,
        )  # fmt: skip
    before = {field: getattr(member, field) for field in CONSENT_FIELDS}
    member.status = Member.Status.LEFT
    member.email_updates = member.text_messages = False
    member.save(update_fields=["status", "email_updates", "text_messages"])
    if source in ConsentRecord.Source.values:  # a deletion erases the records anyway
        record_consents(member, before, source)
    audit.record(actor, member, f"Left the coalition ({source}).")
    signals.person_left.send(sender=Member, member=member, source=source)


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Erase the person: account, membership, consents, emails. The anonymous history stays.

    A member who still counted is recorded as having left, so history-based counts stay true.
    """
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    member = Member.objects.filter(user=user).first()
    if member is not None:
        if member.is_counted:
            leave_coalition(member=member, actor=None, source="deletion")
        member.events.update(member=None)
        # History entries name their object; the name is personal data.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)
        ).update(object_repr="(deleted member)", change_message="")
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)).update(
        object_repr="(deleted user)", change_message=""
    )
    user.delete()


def member_data(user: User) -> dict:
    """Everything stored about a person, for "Download my data"."""
    from allauth.account.models import EmailAddress

    data: dict = {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "membership": None,
        "consent_records": [],
        "membership_history": [],
        # Their RSVPs and attendance, through the relation the events app declares (RSVP.user).
        "events": [
            {
                "event": r.occurrence.event.title,
                "date": r.occurrence.date.isoformat(),
                "rsvp": r.status,
                "attended": r.attended,
                "walk_in": r.walk_in,
                "rsvp_at": r.created_at.isoformat(),
            }
            for r in user.rsvps.select_related("occurrence__event").order_by("occurrence__starts_at", "pk")
        ],
    }
    member = Member.objects.select_related("zip_code", "county", "state", "chapter").filter(user=user).first()
    if member is None:
        return data
    data["membership"] = {
        "status": member.status,
        "phone": str(member.phone) if member.phone else "",
        "zip_code": member.zip_code_id,
        "county": str(member.county),
        "state": member.state.name,
        "chapter": member.chapter.name if member.chapter else None,
        "email_updates": member.email_updates,
        "text_messages": member.text_messages,
        "show_name_publicly": member.show_name_publicly,
        "ref": member.ref,
        **{f"utm_{k}": getattr(member, f"utm_{k}") for k in ("source", "medium", "campaign", "term", "content")},
        "created_at": member.created_at.isoformat(),
        "joined_at": member.joined_at.isoformat() if member.joined_at else None,
    }
    data["consent_records"] = [
        {"topic": c.topic, "given": c.given, "at": c.at.isoformat(), "source": c.source, "detail": c.detail}
        for c in member.consents.all()
    ]
    data["membership_history"] = [
        {
            "kind": e.kind,
            "occurred_at": e.occurred_at.isoformat(),
            "from_chapter": e.from_chapter.name if e.from_chapter else None,
            "to_chapter": e.to_chapter.name if e.to_chapter else None,
            "from_state": e.from_state_id,
            "to_state": e.to_state_id,
            "source": e.source,
        }
        for e in member.events.select_related("from_chapter", "to_chapter")
    ]
    data["record_accesses"] = [
        # Named as the profile names them: by role and chapter, not by the coordinator's name.
        {"action": a.action, "by": a.accessor, "at": a.at.isoformat()}
        for a in describe_accessors(member, record_accesses(member))
    ]
    for key, section in MEMBER_DATA_SECTIONS.items():
        data[key] = section(member)
    return data


# What apps above members store about a member, for the data download: {key: function(member) -> list}
# (broadcasts adds the broadcasts a member was sent). members may not import them; they register here.
MEMBER_DATA_SECTIONS: dict = {}


MEMBER_INVITATION = "member-invitation"


def _claim_state(user: User) -> str:
    # Claiming sets a password and activates the membership: either change makes the link used.
    status = getattr(getattr(user, "member", None), "status", "")
    return f"{user.password}:{user.email}:{status}"


def claim_token(user: User) -> str:
    return tokens.make_token(MEMBER_INVITATION, user.pk, _claim_state(user))


def user_for_claim(pk: int | None, token: str) -> User | None:
    """The imported person a claim link is for; None when it is tampered with, expired or already used."""
    try:
        link = tokens.read_token(MEMBER_INVITATION, token)
    except tokens.InvalidToken:
        return None
    if link.pk != pk:  # the link's two halves were taken from different mails
        return None
    user = User.objects.select_related("member").filter(pk=pk, member__status=Member.Status.IMPORTED).first()
    if user is None or not link.matches(_claim_state(user)):
        return None
    return user


def send_invitation(*, member: Member, actor: User | None, base_url: str) -> bool:
    """Mail an imported person a link to claim their account; only when a coordinator asks for it."""
    if member.status != Member.Status.IMPORTED:
        return False
    uid = urlsafe_base64_encode(force_bytes(member.user.pk))
    path = reverse("members:claim", args=[uid, claim_token(member.user)])
    context = {
        "member": member,
        "chapter": member.chapter,
        "url": base_url.rstrip("/") + path,
        "days": tokens.lifetime_days(MEMBER_INVITATION),
    }
    with transaction.atomic():
        send_mail_template("emails/member_invitation", [member.user.email], context)
        audit.record(actor, member, "Invitation to claim the account sent.")
    return True


@transaction.atomic
def claim_account(*, user: User, password: str) -> Member:
    """An imported person sets a password: the address is proven, the membership is theirs."""
    from allauth.account.models import EmailAddress

    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    activate_member(member=user.member)
    audit.record(user, user.member, "Account claimed from an invitation.")
    return user.member
