"""The chapters admin, scoped by `ChapterScopedAdmin` (chapters/scoping.py): national coordinators
see everything, a chapter coordinator only the chapters they currently coordinate and what
belongs to them; a URL for another chapter's object answers 404."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from chapters.models import RESERVED_SLUGS, Chapter, CoalitionGoal, County, Officer, SocialPage, State, StatusChange
from chapters.onboarding import onboard_chapter
from chapters.scoping import ChapterScopedAdmin, scope_of
from lib.admin import HistoryInline
from lib.edit_conflicts import EditConflictAdmin, EditConflictForm
from lib.validators import no_control_characters

TERRITORY_FIELDS = ("territory_mode", "territory_counties")


URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class SocialPageInline(admin.TabularInline):
    model = SocialPage
    extra = 1
    formfield_overrides = URL_FIELDS


class OfficerInline(admin.TabularInline):
    model = Officer
    extra = 0
    fields = ["user", "role", "title", "term_start", "term_end"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user", "chapter")


class StatusChangeInline(HistoryInline):
    model = StatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    verbose_name_plural = "Status history"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("changed_by", "chapter")


class ChapterAdminForm(EditConflictForm):
    class Meta:
        model = Chapter
        fields = [
            "name", "slug", "state", "status", "founded", "description", "contact_email", "question",
            "territory_mode", "territory_counties", "call_weekday", "call_time", "call_timezone",
        ]  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        if "territory_mode" in self.fields and data.get("state") and data.get("territory_mode"):
            counties = list(data.get("territory_counties") or [])
            if data["territory_mode"] == Chapter.TerritoryMode.ONLY and not counties and self.instance.pk:
                self.add_error("territory_counties", "List the counties this chapter covers.")
            for message in self.instance.territory_clashes(
                state=data["state"], mode=data["territory_mode"], counties=counties
            ):
                self.add_error("territory_counties", message)
        return data


@admin.register(Chapter)
class ChapterAdmin(EditConflictAdmin, ChapterScopedAdmin):
    form = ChapterAdminForm
    chapter_path = "pk"
    list_display = ["name", "state", "status", "onboarding", "founded_on"]
    list_filter = ["status"]
    search_fields = ["name", "state__name"]
    autocomplete_fields = ["territory_counties"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SocialPageInline, OfficerInline, StatusChangeInline]
    actions = ["mark_active", "mark_dormant"]
    change_list_template = "admin/chapters/chapter/change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "slug", "state", "status", "founded"]}),
        ("Public page", {"fields": ["description", "contact_email", "question"]}),
        ("Territory", {"fields": ["territory_mode", "territory_counties", "territory_summary"]}),
        ("Weekly call", {"fields": ["call_weekday", "call_time", "call_timezone"]}),
        ("Onboarding", {"fields": ["onboarding_checklist"]}),
    ]
    # Chapter coordinators run their chapter but cannot move its borders, state or status.
    coordinator_readonly = ["slug", "state", "status", "founded", *TERRITORY_FIELDS]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("state").with_onboarding()

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        shown = ["territory_summary", "onboarding_checklist"]
        if not request.user.is_national_coordinator:
            shown = self.coordinator_readonly + shown
        return shown

    def get_prepopulated_fields(self, request: HttpRequest, obj=None) -> dict:
        return self.prepopulated_fields if request.user.is_national_coordinator else {}

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:  # the summaries only make sense once the chapter exists
            return [(name, {"fields": [f for f in opts["fields"] if f not in ("territory_summary",)]})
                    for name, opts in self.fieldsets if name != "Onboarding"]  # fmt: skip
        if obj.founded is None and not request.user.is_national_coordinator:
            # Read-only and unknown: a "Founded: -" line tells the coordinator nothing.
            return [(name, {**opts, "fields": [f for f in opts["fields"] if f != "founded"]})
                    for name, opts in self.fieldsets]  # fmt: skip
        return super().get_fieldsets(request, obj)

    @admin.display(description="Founded", ordering="founded", empty_value="")
    def founded_on(self, chapter: Chapter):
        return chapter.founded

    @admin.display(description="Onboarding")
    def onboarding(self, chapter: Chapter) -> str:
        done, total = chapter.onboarding_progress()
        return f"{done} of {total}"

    @admin.display(description="Onboarding checklist")
    def onboarding_checklist(self, chapter: Chapter) -> str:
        items = format_html_join(
            "", "<li>{} {}</li>", ((("✔" if done else "✘"), step) for step, done in chapter.onboarding_checklist())
        )
        note = "Members are counted once members join chapters; until then this step stays open."
        return format_html('<ul class="onboarding-checklist">{}</ul><p class="help">{}</p>', items, note)

    @admin.display(description="Territory in words")
    def territory_summary(self, chapter: Chapter) -> str:
        count = chapter.counties.count()
        uncovered = reverse("admin:chapters_chapter_uncovered_state", args=[chapter.state_id])
        counties = reverse("admin:chapters_county_changelist") + f"?chapter__id__exact={chapter.pk}"
        return format_html(
            '{}. <a href="{}">{} counties</a> · <a href="{}">Counties of {} no chapter covers</a>',
            chapter.territory_in_words(),
            counties,
            count,
            uncovered,
            chapter.state.name,
        )

    def has_status_permission(self, request: HttpRequest) -> bool:
        return request.user.is_national_coordinator

    @admin.action(description="Mark selected chapters active", permissions=["status"])
    def mark_active(self, request: HttpRequest, queryset) -> None:
        self._change_status(request, queryset, Chapter.Status.ACTIVE)

    @admin.action(description="Mark selected chapters dormant", permissions=["status"])
    def mark_dormant(self, request: HttpRequest, queryset) -> None:
        self._change_status(request, queryset, Chapter.Status.DORMANT)

    def _change_status(self, request: HttpRequest, queryset, status: str) -> None:
        changed = [chapter for chapter in queryset if chapter.change_status(status, by=request.user)]
        label = Chapter.Status(status).label.lower()
        self.message_user(request, f"{len(changed)} chapter(s) marked {label}.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Chapter, form, change: bool) -> None:
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]  # change_status records the move below
        super().save_model(request, obj, form, change)
        if obj.status != new_status:
            obj.change_status(new_status, by=request.user)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if "territory_mode" in form.fields and (not change or set(TERRITORY_FIELDS) & set(form.changed_data)):
            form.instance.set_territory(
                mode=form.cleaned_data["territory_mode"],
                counties=form.cleaned_data.get("territory_counties") or [],
                by=request.user,
            )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("onboard/", view(self.onboard_view), name="chapters_chapter_onboard"),
            path("uncovered/", view(self.uncovered_view), name="chapters_chapter_uncovered"),
            path("uncovered/<str:state>/", view(self.uncovered_view), name="chapters_chapter_uncovered_state"),
            *super().get_urls(),
        ]

    def uncovered_view(self, request: HttpRequest, state: str | None = None) -> HttpResponse:
        """Counties no chapter covers, per state: what the next chapters could take on."""
        scope = scope_of(request)
        if not scope.manages_any:
            raise PermissionDenied
        states = scope.states()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        if state is None:
            context["states"] = states.annotate(
                uncovered=Count("counties", filter=Q(counties__chapter__isnull=True)),
                total=Count("counties"),
            ).order_by("name")
            context["title"] = "Counties no chapter covers"
        else:
            chosen = get_object_or_404(states, pk=state.upper())
            context["state"] = chosen
            context["counties"] = County.objects.filter(state=chosen).uncovered().order_by("name")
            context["title"] = f"Counties of {chosen.name} no chapter covers"
        return TemplateResponse(request, "admin/chapters/chapter/uncovered.html", context)

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        """One page to onboard a state group: chapter, territory, coordinators (national coordinators only)."""
        if not (request.user.is_national_coordinator and self.has_add_permission(request)):
            raise PermissionDenied
        form = OnboardChapterForm(request.POST or None, request.FILES or None, admin_site=self.admin_site)
        people = CoordinatorFormSet(request.POST or None, prefix="coordinators")
        if request.method == "POST" and form.is_valid() and people.is_valid():
            try:
                chapter = onboard_chapter(
                    state=form.cleaned_data["state"],
                    name=form.cleaned_data["name"],
                    territory_mode=form.cleaned_data["territory_mode"],
                    counties=list(form.cleaned_data["counties"]),
                    coordinators=[person for person in people.cleaned_data if person],
                    by=request.user,
                    site_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("counties", message)
            else:
                invited = sum(1 for person in people.cleaned_data if person)
                self.message_user(
                    request, f"{chapter} is forming. {invited} coordinator(s) invited by email.", messages.SUCCESS
                )
                if form.cleaned_data["import_roster"]:
                    # The members app's import page (preview, then commit), opened on the new chapter:
                    # chapters sits below members and cannot run the import itself.
                    return redirect(reverse("admin:members_member_import") + f"?chapter={chapter.pk}")
                return redirect("admin:chapters_chapter_change", chapter.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Onboard a state group",
            "form": form,
            "people": people,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/chapters/chapter/onboard.html", context)


class StateCountiesWidget(AutocompleteSelectMultiple):
    """The county picker, searching only the chosen state's counties (CountyAdmin.get_search_results
    reads `state`); static/js/onboard-counties.js follows the state select as it changes."""

    def __init__(self, *args, state: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.state = state

    def get_url(self) -> str:
        url = super().get_url()
        return f"{url}?{urlencode({'state': self.state})}" if self.state else url

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(js=["js/onboard-counties.js"])


class OnboardChapterForm(forms.Form):
    state = forms.ModelChoiceField(State.objects.all(), help_text="The state the group works in.")
    territory_mode = forms.ChoiceField(
        label="Territory",
        choices=Chapter.TerritoryMode.choices,
        initial=Chapter.TerritoryMode.WHOLE_STATE,
        widget=forms.RadioSelect,
    )
    counties = forms.ModelMultipleChoiceField(
        County.objects.select_related("state"),
        required=False,
        help_text="For “except”: the counties left out. For “only”: every county covered. Type to search.",
    )
    name = forms.CharField(
        label="Chapter name",
        max_length=100,
        validators=[no_control_characters],
        help_text="e.g. Red New York. The web address is derived from it.",
    )
    import_roster = forms.BooleanField(
        label="Import the group's member list next",
        required=False,
        help_text="Once the chapter exists, the roster import opens on it: upload the CSV, check the preview, "
        "then import.",
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        counties = self.fields["counties"]
        state = self["state"].value()
        counties.widget = StateCountiesWidget(
            Chapter._meta.get_field("territory_counties"), admin_site, state=str(state or "")
        )
        counties.widget.choices = counties.choices  # the widget renders only the chosen counties

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        slug = Chapter.derive_slug(name)
        if not slug:
            raise forms.ValidationError("The name needs some letters or digits.")
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"“{name}” would clash with a page of the site; choose another name.")
        if Chapter.objects.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
            raise forms.ValidationError("A chapter with this name (or web address) already exists.")
        return name

    def clean(self) -> dict:
        data = super().clean()
        state, mode, counties = data.get("state"), data.get("territory_mode"), list(data.get("counties") or [])
        if state and mode:
            if mode == Chapter.TerritoryMode.ONLY and not counties:
                self.add_error("counties", "List the counties the chapter covers.")
            for message in Chapter().territory_clashes(state=state, mode=mode, counties=counties):
                self.add_error("counties", message)
        return data


class CoordinatorForm(forms.Form):
    first_name = forms.CharField(max_length=150, validators=[no_control_characters])
    last_name = forms.CharField(max_length=150, validators=[no_control_characters])
    email = forms.EmailField()
    title = forms.CharField(max_length=100, initial="State coordinator", validators=[no_control_characters])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class BaseCoordinatorFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        emails = [form.cleaned_data["email"] for form in self.forms if form.cleaned_data]
        if len(emails) != len(set(emails)):
            raise forms.ValidationError("Each coordinator needs a different email address.")


CoordinatorFormSet = formset_factory(
    CoordinatorForm, formset=BaseCoordinatorFormSet, extra=2, min_num=1, validate_min=True, max_num=10
)


@admin.register(Officer)
class OfficerAdmin(ChapterScopedAdmin):
    list_display = ["user", "chapter", "role", "title", "term_start", "term_end"]
    list_filter = ["role"]
    list_select_related = ["user", "chapter"]
    search_fields = ["user__first_name", "user__last_name", "title", "chapter__name"]
    autocomplete_fields = ["user", "chapter"]


@admin.register(SocialPage)
class SocialPageAdmin(ChapterScopedAdmin):
    list_display = ["chapter", "platform", "url"]
    list_filter = ["platform"]
    list_select_related = ["chapter"]
    search_fields = ["url", "chapter__name"]
    autocomplete_fields = ["chapter"]
    formfield_overrides = URL_FIELDS


class ReadOnlyGeographyAdmin(ChapterScopedAdmin):
    """Geography is loaded from packages; territories change it through the chapter, never here.
    A coordinator sees the states of their chapters and those states' counties."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(State)
class StateAdmin(ReadOnlyGeographyAdmin):
    chapter_path, state_path = None, "pk"
    list_display = ["name", "code", "fips", "uncovered_counties"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest):
        uncovered = Count("counties", filter=Q(counties__chapter__isnull=True))
        return super().get_queryset(request).annotate(uncovered=uncovered)

    @admin.display(description="Counties no chapter covers")
    def uncovered_counties(self, state: State) -> str:
        url = reverse("admin:chapters_chapter_uncovered_state", args=[state.pk])
        return format_html('<a href="{}">{}</a>', url, state.uncovered)


@admin.register(County)
class CountyAdmin(ReadOnlyGeographyAdmin):
    list_display = ["name", "state", "fips", "chapter"]
    list_select_related = ["state", "chapter"]
    list_filter = ["state"]
    search_fields = ["name", "fips"]
    fields = ["fips", "name", "state", "chapter"]
    chapter_path, state_path = None, "state"

    def get_list_filter(self, request: HttpRequest):
        return self.list_filter if request.user.is_national_coordinator else []

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The chapter page links to its counties; the queryset is scoped either way.
        return lookup == "chapter__id__exact" or super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # The onboarding form's picker names its state (StateCountiesWidget): "Fulton" is a county of 8 states.
        state = request.GET.get("state", "")
        if len(state) == 2:
            queryset = queryset.filter(state__code__iexact=state)
        # "Cook, IL" narrows the search to one state: county names repeat across states.
        name, _, state = search_term.rpartition(",")
        if name and len(state.strip()) == 2:
            queryset, search_term = queryset.filter(state__code__iexact=state.strip()), name.strip()
        return super().get_search_results(request, queryset, search_term)


@admin.register(CoalitionGoal)
class CoalitionGoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "target_states", "states_with_an_active_chapter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CoalitionGoal.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="States with an active chapter")
    def states_with_an_active_chapter(self, goal: CoalitionGoal) -> int:
        return goal.states_reached()
