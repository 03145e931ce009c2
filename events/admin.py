"""Events in the admin: coordinators create their chapters' events, and approve or decline
members' proposals (a decline needs its reason, which is mailed). National events (no
chapter) are the national coordinators'. Every save goes through `rsvps.apply_changes`,
which mails the people a change concerns; the admin's own history records the edit."""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest

from chapters.models import Officer
from chapters.scoping import ChapterScopedAdmin, scope_of
from events import rsvps
from events.models import Event
from lib import audit


class EventAdminForm(forms.ModelForm):
    """Start and end are typed and shown as wall-clock times in the event's own zone."""

    class Meta:
        model = Event
        fields = ["chapter", "title", "kind", "description", "status", "decline_reason", "time_zone", "starts_at",
                  "ends_at", "recurrence", "repeat_until", "reminder_minutes", "online", "online_link", "address",
                  "zip_code", "visibility", "capacity", "hosts", "standing_call"]  # fmt: skip
        help_texts = {"starts_at": "The first (or only) start, in the event's time zone.",
                      "ends_at": "The first (or only) end, in the event's time zone."}  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in ("starts_at", "ends_at"):
                self.initial[field] = getattr(self.instance, field).astimezone(self.instance.zone).replace(tzinfo=None)

    def clean(self) -> dict:
        cleaned_data = super().clean()
        zone = cleaned_data.get("time_zone")
        if zone in zoneinfo.available_timezones():
            for field in ("starts_at", "ends_at"):
                if cleaned_data.get(field):
                    cleaned_data[field] = cleaned_data[field].replace(tzinfo=zoneinfo.ZoneInfo(zone))
        return cleaned_data


@admin.register(Event)
class EventAdmin(ChapterScopedAdmin):
    form = EventAdminForm
    list_display = ["title", "chapter", "kind", "status", "starts_at", "recurrence"]
    list_filter = ["status", "kind", "visibility"]
    search_fields = ["title"]
    list_select_related = ["chapter"]
    date_hierarchy = "starts_at"
    actions = ["approve"]
    fieldsets = [
        (None, {"fields": ["chapter", "title", "kind", "description", "status", "decline_reason", "proposed_by"]}),
        ("When", {"fields": ["time_zone", "starts_at", "ends_at", "recurrence", "repeat_until", "reminder_minutes"]}),
        ("Where", {"fields": ["online", "online_link", "address", "zip_code"]}),
        ("Who", {"fields": ["visibility", "capacity", "hosts", "standing_call"]}),
    ]
    readonly_fields = ["proposed_by"]
    filter_horizontal = ["hosts"]
    delete_confirmation_template = "admin/events/event/delete_confirmation.html"
    raw_id_fields = ["zip_code"]  # typed: a select of 40,000 ZIP codes would not load

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not scope_of(request).national and "chapter" in form.base_fields:
            # A national event (no chapter) is the national coordinators' to create.
            form.base_fields["chapter"].required = True
        return form

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "hosts":
            # Hosts are the officers of the chapters in scope (and, for national ones, staff):
            # listing every member would be a million options and show people beyond the scope.
            scope = scope_of(request)
            officers = Officer.objects.current().filter(chapter__in=scope.chapters()).values("user")
            wanted = Q(pk__in=officers) | Q(is_staff=True) if scope.national else Q(pk__in=officers)
            kwargs["queryset"] = get_user_model().objects.filter(wanted).order_by("email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Event, form, change: bool) -> None:
        before = rsvps.snapshot(Event.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if before is None:
            obj.materialise()
        else:
            rsvps.apply_changes(event=obj, before=before)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        event = self.get_object(request, object_id)
        coming = rsvps.still_coming(event).count() if event else 0
        return super().delete_view(request, object_id, {**(extra_context or {}), "coming": coming})

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        told = rsvps.tell_of_deletion(obj)
        super().delete_model(request, obj)
        self.say_told(request, told)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        told = sum(rsvps.tell_of_deletion(event) for event in queryset)
        super().delete_queryset(request, queryset)
        self.say_told(request, told)

    def say_told(self, request: HttpRequest, told: int) -> None:
        if told:
            who = "person who was" if told == 1 else "people who were"
            self.message_user(request, f"{told} {who} coming will be told it is cancelled.", messages.INFO)

    @admin.action(description="Approve the selected proposals")
    def approve(self, request: HttpRequest, queryset) -> None:
        approved = 0
        for event in queryset.filter(status=Event.Status.PROPOSED):
            before = rsvps.snapshot(event)
            event.status = Event.Status.SCHEDULED
            event.save(update_fields=["status", "updated_at"])
            rsvps.apply_changes(event=event, before=before)
            audit.record(request.user, event, "Approved the proposal.")
            approved += 1
        self.message_user(request, f"Approved {approved} proposal{'s' if approved != 1 else ''}.", messages.SUCCESS)
