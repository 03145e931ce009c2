"""Broadcasts in the admin, scoped like members: a chapter coordinator writes to their own chapters.

The change page shows the audience in words with a live count (static/js/broadcast-admin.js asks
`count/` as the filters change), the progress as it sends (`<id>/progress/`), a preview as the
recipient sees it, and one button per verb of broadcasts/sending.py (`<id>/act/<verb>/`).
"""

import contextlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from broadcasts import sending
from broadcasts.mail import Compiled, check_merge_fields
from broadcasts.models import Broadcast, Suppression
from chapters.models import Chapter
from chapters.scoping import ChapterScopedAdmin
from segments.definition import DefinitionFields, DefinitionForm
from segments.models import Segment

State = Broadcast.State


class BroadcastForm(forms.ModelForm):
    """What it says, who it is from, and the filters the editing user may use (DefinitionFields)."""

    user = None  # set per request by BroadcastAdmin.get_form

    class Meta:
        model = Broadcast
        fields = ["subject", "preview_text", "body", "chapter", "segment"]

    def __init__(self, *args, **kwargs) -> None:
        instance = kwargs.get("instance")
        # Once it leaves draft, what was sent is the record: the admin shows it read-only.
        self.editable = instance is None or instance.pk is None or instance.state == State.DRAFT
        if instance is not None and instance.pk:
            with contextlib.suppress(ValidationError):
                kwargs["initial"] = {**DefinitionFields.initial_from(instance.definition), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if not self.editable:
            return
        self.fields.update(DefinitionFields.fields_for(self.user))
        self.fields["segment"].queryset = Segment.objects.visible_to(self.user).order_by("name")
        if not self.user.is_national_coordinator:
            self.fields["chapter"].required = True

    def clean_subject(self) -> str:
        check_merge_fields(self.cleaned_data["subject"])
        return self.cleaned_data["subject"]

    def clean_body(self) -> str:
        check_merge_fields(self.cleaned_data["body"])
        return self.cleaned_data["body"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.editable and not self.errors:
            try:
                self.instance.definition = DefinitionFields.definition_from(cleaned, self.user)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned


@admin.register(Broadcast)
class BroadcastAdmin(ChapterScopedAdmin):
    list_display = ["subject", "chapter", "state", "send_at", "created_at"]
    list_filter = ["state"]
    list_select_related = ["chapter"]
    search_fields = ["subject"]
    change_form_template = "admin/broadcasts/broadcast/change_form.html"
    WRITTEN = ["subject", "preview_text", "body", "chapter", "segment"]

    class Media:
        js = ["js/broadcast-admin.js"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["fields"] = self.WRITTEN
        kwargs["form"] = type("BroadcastForm", (BroadcastForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is not None and obj.state != State.DRAFT:
            return [(None, {"fields": ["subject", "preview_text", "body", "chapter", "segment", "audience", "state"]})]
        filters = list(DefinitionFields.fields_for(request.user))
        return [
            (None, {"fields": self.WRITTEN[:3]}),
            (
                "Who receives it (only members who agreed to email updates)",
                {"fields": ["chapter", "segment", *filters]},
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and obj.state != State.DRAFT:  # what was sent is the record: no edits after
            return [*self.WRITTEN, "audience", "state"]
        return []

    @admin.display(description="audience")
    def audience(self, obj: Broadcast) -> str:
        try:
            return obj.describe()
        except ValidationError as error:
            return " ".join(error.messages)

    def save_model(self, request: HttpRequest, obj: Broadcast, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        own = [
            path("count/", self.admin_site.admin_view(self.count_view), name="broadcasts_broadcast_count"),
            path("<int:pk>/progress/", self.admin_view(self.progress_view), name="broadcasts_broadcast_progress"),
            path("<int:pk>/preview/", self.admin_view(self.preview_view), name="broadcasts_broadcast_preview"),
            path("<int:pk>/act/<str:verb>/", self.admin_view(self.act_view), name="broadcasts_broadcast_act"),
        ]
        return own + super().get_urls()

    def admin_view(self, view):
        return self.admin_site.admin_view(view)  # login, staff, second factor; never cached

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        obj = self.get_object(request, object_id)
        counts = obj.counts() if obj else {}
        total = sum(counts.values())
        done = total - counts.get("queued", 0) - counts.get("sending", 0)
        extra = {"broadcast": obj, "counts": counts, "total": max(total, 1), "done": done}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def broadcast_for(self, request: HttpRequest, pk: int) -> Broadcast:
        obj = self.get_object(request, str(pk))  # 404 outside the viewer's scope
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def count_view(self, request: HttpRequest) -> JsonResponse:
        """How many members the filters in the query string reach now, for the live count."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(live_count(request))

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        obj = self.broadcast_for(request, pk)
        return JsonResponse({"state": obj.state, "state_display": obj.get_state_display(), "counts": obj.counts()})

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.broadcast_for(request, pk)
        obj.base_url = obj.base_url or request.build_absolute_uri("/")[:-1]
        member = sending.sample_member(obj, request.user)
        subject, html = Compiled.of(obj).preview(member) if member is not None else (obj.subject, "")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": obj,
                   "title": f"Preview: {obj.subject}", "member": member, "subject": subject, "body_html": html,
                   "from_email": settings.BROADCAST_FROM_EMAIL}  # fmt: skip
        return TemplateResponse(request, "admin/broadcasts/broadcast/preview.html", context)

    def act_view(self, request: HttpRequest, pk: int, verb: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.broadcast_for(request, pk)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        base_url = request.build_absolute_uri("/")[:-1]
        try:
            done = do(verb, obj, request, base_url)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect(reverse("admin:broadcasts_broadcast_change", args=[obj.pk]))


def do(verb: str, obj: Broadcast, request: HttpRequest, base_url: str) -> str:
    """Run one of the verbs; its message for the user. Unknown verbs change nothing."""
    actor = request.user
    if verb == "test":
        return f"A test copy is on its way to {sending.send_test(obj, actor=actor, base_url=base_url)}."
    if verb == "send":
        sending.send_now(obj, actor=actor, base_url=base_url)
        return "Sending: the audience is being taken now, then the mail leaves in batches."
    if verb == "schedule":
        field = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        try:
            at = field.clean(request.POST.get("send_at", ""))
        except forms.ValidationError as error:
            raise ValidationError(f"When to send it: {' '.join(error.messages)}") from None
        sending.schedule(obj, actor=actor, base_url=base_url, at=at)
        return f"Scheduled for {timezone.localtime(at):%Y-%m-%d %H:%M}."
    verbs = {"unschedule": sending.unschedule, "pause": sending.pause, "resume": sending.resume,
             "cancel": sending.cancel}  # fmt: skip
    if verb not in verbs:
        raise ValidationError(f"Unknown action “{verb[:40]}”.")
    verbs[verb](obj, actor=actor)
    return f"Broadcast {verb}d." if verb.endswith("e") else f"Broadcast {verb}ed."


class AudienceForm(DefinitionForm):
    """The audience half of the broadcast form, for the live count: chapter, segment, filters."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["chapter"] = forms.ModelChoiceField(
            Chapter.objects.visible_to(user), required=not user.is_national_coordinator
        )
        self.fields["segment"] = forms.ModelChoiceField(Segment.objects.visible_to(user), required=False)


def live_count(request: HttpRequest) -> dict:
    """{"count": n, "audience": words} for the filters of a broadcast form, or {"error": message}."""
    form = AudienceForm(data=request.GET, user=request.user)
    if not form.is_valid():
        return {"error": " ".join(str(m) for errors in form.errors.values() for m in errors)}
    preview = Broadcast(definition=form.cleaned_definition, chapter=form.cleaned_data["chapter"],
                        segment=form.cleaned_data["segment"])  # fmt: skip
    return {"count": preview.audience(request.user).count(), "audience": preview.describe()}


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Addresses no broadcast goes to: national coordinators only (they span every chapter)."""

    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]
    readonly_fields = ["email", "reason", "detail", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
