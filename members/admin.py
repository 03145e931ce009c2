import secrets
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import us
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.db.models import Func, Q, TextField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal

from chapters.models import Chapter, ZipCode
from chapters.scoping import ChapterScopedAdmin, scope_of
from lib import audit, pagination
from lib.admin import HistoryInline
from lib.edit_conflicts import EditConflictAdmin, EditConflictForm
from lib.pagination import EstimatedCountPaginator
from lib.search import fragment_filter
from lib.validators import no_control_characters
from members.models import (
    ConsentRecord,
    Member,
    MemberAccess,
    MemberExport,
    MembershipEvent,
    User,
    delete_account,
    leave_coalition,
    send_invitation,
    update_member,
)
from members.roster import ImportResult, Mode, errors_csv, import_members, label_of


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    # Deleting a person here erases them like "Delete my account" does, so the history records the departure.
    def delete_model(self, request, obj: User) -> None:
        delete_account(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            delete_account(user=user)


class ChapterFilter(admin.SimpleListFilter):
    """Only the chapters the viewer may manage are offered."""

    title = "chapter"
    parameter_name = "chapter"

    def lookups(self, request, model_admin):
        choices = [(str(pk), name) for pk, name in scope_of(request).chapter_names.items()]
        if request.user.is_national_coordinator:
            choices.append(("none", "No chapter (uncovered county)"))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(chapter__isnull=True)
        if value and value.isdigit():
            return queryset.filter(chapter_id=int(value))
        return queryset


def distinct_utm_sources(limit: int = 50) -> list[str]:
    """All members' utm_source values, hopping along member_utm_source_idx from one value to the next.

    A plain DISTINCT reads every member's row (a fifth of a second at a million, on every
    changelist load); this reads one index entry per distinct value.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE source AS (
                (SELECT utm_source FROM members_member WHERE utm_source > '' ORDER BY utm_source LIMIT 1)
                UNION ALL
                SELECT (SELECT m.utm_source FROM members_member m WHERE m.utm_source > source.utm_source
                        ORDER BY m.utm_source LIMIT 1)
                FROM source WHERE source.utm_source IS NOT NULL
            )
            SELECT utm_source FROM source WHERE utm_source IS NOT NULL LIMIT %s
            """,
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


class SourceFilter(admin.SimpleListFilter):
    """The utm_source values among the members the viewer may see (never another chapter's)."""

    title = "source (utm_source)"
    parameter_name = "utm_source"

    def lookups(self, request, model_admin):
        if request.user.is_national_coordinator:
            values = distinct_utm_sources()
        else:
            values = (
                model_admin.get_queryset(request).exclude(utm_source="").order_by("utm_source")
                .values_list("utm_source", flat=True).distinct()[:50]
            )  # fmt: skip
        return [(v, v) for v in values] + [("-", "(none)")]

    def queryset(self, request, queryset):
        if self.value() == "-":
            return queryset.filter(utm_source="")
        if self.value():
            return queryset.filter(utm_source=self.value())
        return queryset


class MembershipEventInline(HistoryInline):
    model = MembershipEvent
    fields = ["kind", "occurred_at", "from_chapter", "to_chapter", "from_state", "to_state", "source"]
    verbose_name_plural = "membership history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_chapter", "to_chapter", "from_state", "to_state")


class ConsentRecordInline(HistoryInline):
    model = ConsentRecord
    fields = ["topic", "given", "at", "source"]
    verbose_name_plural = "consent records"


class MemberAdminForm(EditConflictForm):
    first_name = forms.CharField(max_length=150, validators=[no_control_characters])
    last_name = forms.CharField(max_length=150, validators=[no_control_characters])
    zip_code = forms.ModelChoiceField(
        ZipCode.objects.all(),
        to_field_name="code",
        widget=forms.TextInput(attrs={"size": 6}),
        label="ZIP code",
        error_messages={"invalid_choice": "Unknown ZIP code."},
        help_text="Changing it may move the member to another chapter (recorded in the history).",
    )

    class Meta:
        model = Member
        fields = ["phone", "zip_code", "email_updates", "text_messages", "show_name_publicly"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.update(first_name=self.instance.user.first_name, last_name=self.instance.user.last_name)


CSV_COLUMNS = [
    "email", "first_name", "last_name", "phone", "zip_code", "county", "state", "chapter", "status",
    "email_updates", "text_messages", "show_name_publicly", "ref", "utm_source", "utm_medium",
    "utm_campaign", "utm_term", "utm_content", "joined_at",
]  # fmt: skip


class CsvText(Func):
    """A text cell of the CSV export as PostgreSQL writes it: empty when NULL or blank, and with a
    leading ' when it starts with a character that spreadsheets run as a formula (= + - @ tab CR)."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CASE WHEN left({sql}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {sql} "
            f"ELSE NULLIF({sql}, '') END",
            [*params, *params, *params],
        )


class CsvPlain(Func):
    """A cell nobody types freely (E.164 phone, ZIP code, state, status): empty when NULL or blank."""

    template = "NULLIF(%(expressions)s::text, '')"
    output_field = TextField()


class CsvBool(Func):
    template = "CASE WHEN %(expressions)s THEN 'True' ELSE 'False' END"
    output_field = TextField()


class CsvTime(Func):
    """ISO 8601 in UTC as Python's isoformat() writes it: microseconds only when there are some."""

    template = (
        "replace(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), "
        "'.000000+', '+')"
    )
    output_field = TextField()


# Where each CSV column comes from, and how PostgreSQL writes its value.
CSV_SOURCES = [
    CsvText("user__email"), CsvText("user__first_name"), CsvText("user__last_name"), CsvPlain("phone"),
    CsvPlain("zip_code_id"), CsvPlain("county__name"), CsvPlain("state_id"), CsvText("chapter__name"),
    CsvPlain("status"), CsvBool("email_updates"), CsvBool("text_messages"), CsvBool("show_name_publicly"),
    CsvText("ref"), CsvText("utm_source"), CsvText("utm_medium"), CsvText("utm_campaign"), CsvText("utm_term"),
    CsvText("utm_content"), CsvTime("joined_at"),
]  # fmt: skip
CSV_CHUNK_BYTES = 64 * 1024


def copy_csv(queryset) -> Iterator[bytes]:
    """The members of `queryset` as CSV (header first), oldest first, written by PostgreSQL's COPY.

    The rows never become Python objects: COPY streams them as CSV text, passed on in
    chunks of about 64 kB, so the worker's memory stays flat however many rows there are.
    """
    values = queryset.order_by("pk").values(**{f"csv_{i}": source for i, source in enumerate(CSV_SOURCES)})
    sql, params = values.query.get_compiler(using=values.db).as_sql()
    connection = connections[values.db]
    # COPY takes no bound parameters: the filters' values are quoted into the statement by psycopg.
    statement = connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params)
    yield (",".join(CSV_COLUMNS) + "\n").encode()
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= CSV_CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


class ImportForm(forms.Form):
    MAX_BYTES = 50 * 1024 * 1024

    chapter = forms.ModelChoiceField(Chapter.objects.none(), help_text="The chapter whose roster this is.")
    file = forms.FileField(help_text="A CSV file (UTF-8) with a header row: email and ZIP code are required.")
    mode = forms.ChoiceField(choices=Mode.choices, initial=Mode.ALL_OR_NOTHING, widget=forms.RadioSelect)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapter"].queryset = Chapter.objects.visible_to(user).order_by("name")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB: use manage.py import_members.")
        return file


IMPORTS_SESSION_KEY = "member_imports"


def import_button(result: ImportResult) -> str:
    """What the import button will do, in the coordinator's words: new people and changed ones apart."""
    new = f"{result.created} new member{pluralize(result.created)}" if result.created else ""
    changed = f"{result.updated} changed member{pluralize(result.updated)}" if result.updated else ""
    if new and changed:
        return f"Add {new} and update {changed}"
    return f"Add {new}" if new else f"Update {changed}" if changed else ""


def preview_context(result: ImportResult) -> dict:
    """The preview's tables under the file's own column names, and the button's words."""
    return {
        "result": result,
        "matched": [(label_of(name), column) for name, column in result.columns.items()],
        "headers": list(result.columns.values()),
        "button": import_button(result),
    }


def import_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "member-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RosterImportMixin:
    """Upload → preview (matched headers, sample, errors) → commit, on top of `import_members`."""

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.add_member") and bool(scope_of(request).chapter_names)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def _stored_import(self, request: HttpRequest, token: str) -> tuple[dict, Chapter, Path]:
        stored = request.session.get(IMPORTS_SESSION_KEY, {}).get(token)
        if not stored:
            raise Http404("No such import.")
        chapter = get_object_or_404(Chapter.objects.visible_to(request.user), pk=stored["chapter"])
        path = import_folder() / f"{token}.csv"
        if not path.is_file():
            raise Http404("The uploaded file is gone: upload it again.")
        return stored, chapter, path

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Import a roster"}
        if request.method == "POST" and "token" in request.POST:
            token = request.POST["token"]
            stored, chapter, path = self._stored_import(request, token)
            with path.open("rb") as f:
                result = import_members(chapter=chapter, file=f, mode=stored["mode"], actor=request.user)
            if result.committed:
                path.unlink(missing_ok=True)
                imports = request.session.get(IMPORTS_SESSION_KEY, {})
                imports.pop(token, None)
                request.session[IMPORTS_SESSION_KEY] = imports
                self.message_user(request, f"Imported into {chapter}: {result.summary()}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:members_member_changelist"))
            context.update(preview_context(result), chapter=chapter, token=token, mode=stored["mode"], refused=True)
            return TemplateResponse(request, "admin/members/member/import.html", context)

        # The onboarding page hands a new chapter over with ?chapter=<pk>; the form's queryset still decides.
        initial = {"chapter": request.GET.get("chapter")}
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            token = secrets.token_urlsafe(16)
            path = import_folder() / f"{token}.csv"
            with path.open("wb") as out:
                for chunk in form.cleaned_data["file"].chunks():
                    out.write(chunk)
            chapter, mode = form.cleaned_data["chapter"], form.cleaned_data["mode"]
            request.session[IMPORTS_SESSION_KEY] = {
                **request.session.get(IMPORTS_SESSION_KEY, {}),
                token: {"chapter": chapter.pk, "mode": mode},
            }
            with path.open("rb") as f:
                result = import_members(chapter=chapter, file=f, mode=mode, actor=request.user, commit=False)
            context.update(preview_context(result), chapter=chapter, token=token, mode=mode, refused=False)
            return TemplateResponse(request, "admin/members/member/import.html", context)
        context["form"] = form
        return TemplateResponse(request, "admin/members/member/import.html", context)

    def import_errors_view(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        stored, chapter, path = self._stored_import(request, token)
        with path.open("rb") as f:
            result = import_members(chapter=chapter, file=f, mode=stored["mode"], actor=request.user, commit=False)
        response = HttpResponse(errors_csv(result.errors + result.skipped), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
        return response

    @admin.action(description="Send an invitation to claim the account (imported members only)", permissions=["change"])
    def send_invitations(self, request, queryset) -> None:
        base_url = request.build_absolute_uri("/")
        sent = sum(
            send_invitation(member=m, actor=request.user, base_url=base_url)
            for m in queryset.filter(status=Member.Status.IMPORTED).select_related("user", "chapter")
        )
        self.message_user(request, f"{sent} invitation(s) sent; other selected members were not imported ones.")


# A state by what a coordinator types: its name ("New York", "new york") or its code ("NY"). The
# same package fills the State table (chapters/geo.py): knowing them here costs no query.
STATE_CODES = {state.name.upper(): state.abbr for state in us.STATES} | {state.abbr: state.abbr for state in us.STATES}
LONGEST_STATE_NAME = max(len(name.split()) for name in STATE_CODES)


def search_words(search_term: str) -> list[str]:
    """The words of a search; a quoted phrase ("Rock Hill") is one word."""
    return [
        unescape_string_literal(word) if word[:1] in "\"'" and word[-1:] == word[:1] else word
        for word in smart_split(search_term)
    ]


def split_states(words: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The runs of words that name a state, each with its code, and the other words."""
    states, rest, start = [], [], 0
    while start < len(words):
        for length in range(min(LONGEST_STATE_NAME, len(words) - start), 0, -1):
            run = words[start : start + length]
            code = STATE_CODES.get(" ".join(run).upper())
            if code:
                states.append((code, run))
                start += length
                break
        else:
            rest.append(words[start])
            start += 1
    return states, rest


def people_named(words: list[str]):
    """People whose name or email holds every word: one query on people, served by the trigram indexes."""
    people = User.objects.all()
    for word in words:
        people = fragment_filter(people, ["email", "first_name", "last_name"], word)
    return people.values("pk")


def search_members(queryset, search_term: str):
    """Each word must match a name, the email, the ZIP code, the city or the state, as a coordinator types them.

    A state's name or code ("New York", "NY") matches its members, or people so named ("Virginia",
    "Al"). The other words that are not numbers match people by name or email (in a subquery on
    the user table alone, so PostgreSQL can use the trigram indexes of members/migrations/0004
    and lib/search.py instead of reading every member), or, all together, the name of a city in
    the ZIP code table ("Rock Hill"). Numbers match a ZIP code or a name.
    """
    states, words = split_states(search_words(search_term))
    for code, run in states:
        queryset = queryset.filter(Q(state_id=code) | Q(user__in=people_named(run)))
    named = [word for word in words if not word.isdigit()]
    for word in words:
        if word.isdigit():
            queryset = queryset.filter(Q(user__in=people_named([word])) | Q(zip_code__code__contains=word))
    if named:
        # A union of two index-served lookups: an OR of the two would read every member.
        by_name = Member.objects.filter(user__in=people_named(named)).order_by().values("pk")
        city = ZipCode.objects.filter(city__iexact=" ".join(named)).values("code")
        in_city = Member.objects.filter(zip_code__in=city).order_by().values("pk")
        queryset = queryset.filter(pk__in=by_name.union(in_city))
    return queryset


class MemberChangeList(ChangeList):
    """The page's rows load only the columns the list shows (actions still get full rows), and
    a broad search's page is read by its ids."""

    ROW_FIELDS = [
        "user__first_name", "user__last_name", "user__email", "chapter__name", "state__name",
        "status", "joined_at", "utm_source",
    ]  # fmt: skip

    def get_results(self, request) -> None:
        super().get_results(request)
        rows = self.result_list
        if self.query and self.paginator.estimated:
            # More matches than are counted exactly (see MemberAdmin.get_search_results): the
            # page's ids first, so that only its rows are joined to their people, chapters and
            # states, not every match before the sort.
            ids = list(rows.values_list("pk", flat=True))
            rows = self.root_queryset.filter(pk__in=ids).order_by(*self.get_ordering(request, self.queryset))
        self.result_list = rows.only(*self.ROW_FIELDS)


# Apps above members add to the member admin here, from their own admin modules (members cannot
# import them): the tags app its inline and action, the segments app its "in segment" filter.
MEMBER_FILTERS: list = [
    ChapterFilter, "status", ("joined_at", admin.DateFieldListFilter), "email_updates", "text_messages", SourceFilter,
]  # fmt: skip
MEMBER_INLINES: list = [MembershipEventInline, ConsentRecordInline]
MEMBER_ACTIONS: list = ["mark_left", "send_invitations"]


@admin.register(Member)
class MemberAdmin(EditConflictAdmin, RosterImportMixin, ChapterScopedAdmin):
    form = MemberAdminForm
    list_display = ["__str__", "email", "chapter", "state", "status", "joined_at", "utm_source"]
    list_select_related = ["user", "chapter", "state"]
    list_filter = MEMBER_FILTERS
    search_fields = ["user__first_name", "user__last_name", "user__email", "zip_code__code", "phone"]
    readonly_fields = [
        "email", "county", "chapter", "state", "status", "created_at", "joined_at",
        "ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "phone", "status"]}),
        ("Where", {"fields": ["zip_code", "county", "state", "chapter"]}),
        ("Consent", {"fields": ["email_updates", "text_messages", "show_name_publicly"]}),
        ("Source", {"fields": ["ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]}),
        ("Dates", {"fields": ["created_at", "joined_at"]}),
    ]
    inlines = MEMBER_INLINES
    change_list_template = "admin/members/member/change_list.html"
    actions = MEMBER_ACTIONS

    # A million members: no COUNT(*) of the whole table on every load (lib/pagination.py).
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Fifty rows a page, not Django's hundred: the rows are most of the page's cost, and a search
    # that matches hundreds of people (one email fragment at a million members) fills a page.
    list_per_page = 50
    # Newest first, by the primary key's index: sorting a million members by name on every load is seconds.
    ordering = ["-pk"]

    @admin.display(ordering="user__email")
    def email(self, obj: Member) -> str:
        return obj.user.email

    # Scope (ChapterScopedAdmin): a coordinator sees only members of the chapters they coordinate now.
    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user", "chapter", "state")

    def get_object(self, request, object_id, from_field=None):
        """ModelAdmin.get_object, with the county the change page shows read in the same query."""
        queryset = self.get_queryset(request).select_related("county")
        field = Member._meta.pk if from_field is None else Member._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Member.DoesNotExist, ValidationError, ValueError) as error:
            raise Http404("Not found, or not yours to manage.") from error

    def has_add_permission(self, request) -> bool:
        # People join through the join page or a roster import, never through a blank admin form.
        return False

    def get_changelist(self, request, **kwargs):
        return MemberChangeList

    def get_search_results(self, request, queryset, search_term):
        """Words match names, emails, ZIP codes, cities and states (search_members); a phone number, the phone.

        A search that matches no more than pagination.COUNT_UP_TO members becomes the list of
        their ids, read in one query that stops there: the planner cannot estimate a fragment's
        matches (it expects about one person for any word), so counting and paging the search
        itself would join every match before choosing the page. By ids, the count and the page
        are read by primary key. More matches: the search is counted up to COUNT_UP_TO, then
        estimated, and its page read by ids (MemberChangeList).
        """
        if not search_term.strip():
            return queryset, False
        results = search_members(queryset, search_term)
        try:
            number = phonenumbers.parse(search_term, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            results = results | queryset.filter(phone=e164)
        ids = list(results.order_by().values_list("pk", flat=True)[: pagination.COUNT_UP_TO + 1])
        if len(ids) <= pagination.COUNT_UP_TO:
            results = queryset.filter(pk__in=ids)
        return results, False

    def save_model(self, request, obj: Member, form, change: bool) -> None:
        data = form.cleaned_data
        zip_code = data["zip_code"]
        counties = list(zip_code.counties.all())
        county = next((c for c in counties if c.pk == obj.county_id), None) or next(
            (c for c in counties if c.chapter_id == obj.chapter_id), counties[0]
        )
        update_member(
            member=obj, actor=request.user, source=ConsentRecord.Source.ADMIN, zip_code=zip_code, county=county,
            first_name=data["first_name"], last_name=data["last_name"], phone=data.get("phone") or "",
            email_updates=data["email_updates"], text_messages=data["text_messages"],
            show_name_publicly=data["show_name_publicly"],
        )  # fmt: skip

    def delete_model(self, request, obj: Member) -> None:
        leave_coalition(member=obj, actor=request.user, source="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for member in queryset:
            leave_coalition(member=member, actor=request.user, source="admin")
        super().delete_queryset(request, queryset)

    @admin.action(description="Mark selected members as left", permissions=["change"])
    def mark_left(self, request, queryset) -> None:
        count = 0
        for member in queryset.exclude(status=Member.Status.LEFT):
            leave_coalition(member=member, actor=request.user, source="admin")
            count += 1
        self.message_user(request, f"{count} member(s) marked as left.", messages.SUCCESS)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name="members_member_export"),
            path("import/", wrap(self.import_view), name="members_member_import"),
            path("import/<str:token>/errors.csv", wrap(self.import_errors_view), name="members_member_import_errors"),
        ] + super().get_urls()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # Only reached when the record is in the viewer's scope (get_queryset).
            MemberAccess.objects.create(member_id=object_id, actor=request.user, action=MemberAccess.Action.VIEWED)
        return response

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist's rows (same filters and search) as CSV, streamed in constant memory."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except admin.options.IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:members_member_changelist"))
        queryset = changelist.queryset  # its filters and search, built once with the changelist
        with transaction.atomic():
            # One row logs the export and the members it includes (each sees it on their profile).
            export = MemberExport.objects.record(
                members=queryset, actor=request.user, filters=request.GET.urlencode()[:2000]
            )
            audit.record(
                request.user,
                export,
                f"Exported {export.rows} members ({export.filters or 'no filters'}).",
                audit.ADDITION,
            )
        response = StreamingHttpResponse(copy_csv(queryset), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
        return response


@admin.register(MemberExport)
class MemberExportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "rows", "filters"]
    list_select_related = ["actor"]
    readonly_fields = ["created_at", "actor", "rows", "filters"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
