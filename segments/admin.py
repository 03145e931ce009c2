import contextlib

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from chapters.scoping import ChapterScopedAdmin
from members import admin as member_admin
from segments.definition import DefinitionFields
from segments.models import Segment


class SegmentForm(forms.ModelForm):
    """Name and chapter, and the filters the editing user may use (DefinitionFields)."""

    user = None  # set per request by SegmentAdmin.get_form

    class Meta:
        model = Segment
        fields = ["name", "chapter"]

    def __init__(self, *args, **kwargs) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            # A definition stored by hand that no longer reads: the form starts empty.
            with contextlib.suppress(ValidationError):
                kwargs["initial"] = {**DefinitionFields.initial_from(instance.definition), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields.update(DefinitionFields.fields_for(self.user))
        if not self.user.is_national_coordinator:
            self.fields["chapter"].required = True

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            try:
                self.instance.definition = DefinitionFields.definition_from(cleaned, self.user)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned


@admin.register(Segment)
class SegmentAdmin(ChapterScopedAdmin):
    list_display = ["name", "chapter", "owner", "updated_at"]
    list_select_related = ["chapter", "owner"]
    search_fields = ["name"]
    readonly_fields = ["summary", "live_count", "links"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["fields"] = ["name", "chapter"]
        kwargs["form"] = type("SegmentForm", (SegmentForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        filters = list(DefinitionFields.fields_for(request.user))
        fieldsets = [(None, {"fields": ["name", "chapter"]}), ("Who is in it", {"fields": filters})]
        if obj is not None:
            fieldsets.insert(1, ("Now", {"fields": ["summary", "live_count", "links"]}))
        return fieldsets

    @admin.display(description="in words")
    def summary(self, obj: Segment) -> str:
        try:
            return obj.describe()
        except ValidationError as error:
            return f"This definition no longer reads ({' '.join(error.messages)}): save the filters again."

    @admin.display(description="members now")
    def live_count(self, obj: Segment) -> int | str:
        try:
            return obj.members(obj.viewer).count()
        except ValidationError:
            return "—"

    @admin.display(description="use it")
    def links(self, obj: Segment) -> str:
        members = reverse("admin:members_member_changelist")
        export = reverse("admin:members_member_export")
        return format_html(
            '<a href="{}?segment={}">List its members</a> · <a href="{}?segment={}">Export them as CSV</a>',
            members, obj.pk, export, obj.pk,
        )  # fmt: skip

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        obj.viewer = request.user  # whose scope the live count is evaluated in
        return obj

    def save_model(self, request: HttpRequest, obj: Segment, form, change: bool) -> None:
        if not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)


class SegmentFilter(admin.SimpleListFilter):
    """ "In segment": the members of one of the viewer's segments, evaluated now; also the CSV export's filter."""

    title = "in segment"
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        segments = Segment.objects.visible_to(request.user).order_by("name").values_list("pk", "name")[:50]
        return [(str(pk), name) for pk, name in segments]

    def has_output(self) -> bool:
        # Django skips a filter with nothing to offer; one asked for by a link must still apply.
        return bool(self.lookup_choices) or self.value() is not None

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self.value()
        segment = Segment.objects.visible_to(request.user).filter(pk=pk).first() if pk.isdigit() else None
        try:
            members = segment.members(request.user) if segment is not None else None
        except ValidationError:  # a definition stored by hand that no longer reads selects nobody
            members = None
        return queryset.none() if members is None else queryset.filter(pk__in=members.values("pk"))


member_admin.MEMBER_FILTERS.append(SegmentFilter)
