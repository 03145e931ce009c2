from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from chapters.scoping import ChapterScopedAdmin, scope_of
from lib import audit
from lib.admin import HistoryInline
from lib.urls import absolute_url
from webhooks import outbound
from webhooks.models import EVENT_FIELDS, Attempt, Delivery, Receiver, Subscription, new_receiver_token

RECENT = 20


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https",
                         help_text=Subscription._meta.get_field("url").help_text)  # fmt: skip

    class Meta:
        model = Subscription
        fields = ["name", "chapter", "url", *EVENT_FIELDS.values()]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            outbound.check_url(url)
        except outbound.Refused as refused:
            raise ValidationError(str(refused)) from None
        return url

    def clean(self):
        data = super().clean()
        if not any(data.get(field) for field in EVENT_FIELDS.values()):
            raise ValidationError("Choose at least one event to receive.")
        return data


@admin.register(Subscription)
class SubscriptionAdmin(ChapterScopedAdmin):
    """Coordinators subscribe URLs to their chapters' events (national coordinators also to every chapter's).

    The signing secret is shown to those who manage the subscription: the receiver needs it to
    check each delivery's `webhook-signature`.
    """

    form = SubscriptionForm
    chapter_path = "chapter"
    list_display = ["name", "chapter_label", "url", "state", "consecutive_failures", "created_by"]
    list_filter = ["chapter"]
    list_select_related = ["chapter", "created_by"]
    search_fields = ["name", "url"]
    actions = ["resume_selected"]
    fieldsets = [
        (None, {"fields": ["name", "chapter", "url"]}),
        ("Events", {"fields": ["on_person_created", "on_person_updated", "on_person_left", "on_attendance_recorded",
                               "on_endorsement_published"]}),
        ("Signing and health", {"fields": ["secret", "state", "consecutive_failures", "failing_since", "created_by",
                                           "created_at", "recent_deliveries"]}),
    ]  # fmt: skip
    readonly_fields = ["secret", "state", "consecutive_failures", "failing_since", "created_by", "created_at",
                       "recent_deliveries"]  # fmt: skip

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not scope_of(request).national:
            form.base_fields["chapter"].required = True  # only national coordinators subscribe to every chapter
        return form

    @admin.display(description="chapter")
    def chapter_label(self, obj: Subscription) -> str:
        return obj.chapter.name if obj.chapter else "Every chapter"

    @admin.display(description="state")
    def state(self, obj: Subscription) -> str:
        if obj.paused_at:
            return f"Paused since {obj.paused_at:%Y-%m-%d %H:%M} UTC after repeated failures"
        return "Active"

    @admin.display(description=f"last {RECENT} deliveries")
    def recent_deliveries(self, obj: Subscription) -> str:
        if obj.pk is None:
            return "—"
        rows = obj.deliveries.all()[:RECENT]
        if not rows:
            return "None yet."
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>: {} — {} ({} tries, last {} in {} ms)', (
            (reverse("admin:webhooks_delivery_change", args=[d.pk]), d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
             d.event, d.get_status_display(), d.attempts, d.last_status_code or d.last_error or "—",
             d.last_response_ms if d.last_response_ms is not None else "—")
            for d in rows
        ))  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Subscription, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Resume the selected paused subscriptions", permissions=["change"])
    def resume_selected(self, request: HttpRequest, queryset) -> None:
        resumed = []
        for subscription in queryset.filter(paused_at__isnull=False):
            subscription.paused_at, subscription.consecutive_failures, subscription.failing_since = None, 0, None
            subscription.save(update_fields=["paused_at", "consecutive_failures", "failing_since"])
            audit.record(request.user, subscription, "Resumed.")
            resumed.append(subscription.name)
        if resumed:
            self.message_user(request, f"Resumed: {', '.join(resumed)}.", messages.SUCCESS)
        else:
            self.message_user(request, "None of the selected subscriptions was paused.", messages.WARNING)


class AttemptInline(HistoryInline):
    model = Attempt
    fields = ["at", "status_code", "response_ms", "error"]


@admin.register(Delivery)
class DeliveryAdmin(ChapterScopedAdmin):
    """The log: every delivery with its status and response time; each attempt below it. Written by the queue only."""

    chapter_path = "subscription__chapter"
    list_display = ["created_at", "event", "subscription", "status", "attempts", "last_status_code",
                    "last_response_ms"]  # fmt: skip
    list_filter = ["status", "event"]
    list_select_related = ["subscription"]
    fields = ["subscription", "event", "message_id", "status", "attempts", "last_status_code", "last_response_ms",
              "last_error", "created_at", "delivered_at", "payload"]  # fmt: skip
    readonly_fields = fields
    inlines = [AttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Receiver)
class ReceiverAdmin(ChapterScopedAdmin):
    """Each chapter's secret URL for Action Network's webhooks; regenerate it when it may have leaked."""

    chapter_path = "chapter"
    list_display = ["chapter", "created_by", "created_at"]
    list_select_related = ["chapter", "created_by"]
    actions = ["regenerate_selected"]
    fields = ["chapter", "address", "created_by", "created_at", "recent_items"]
    readonly_fields = ["address", "created_by", "created_at", "recent_items"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.readonly_fields + (["chapter"] if obj is not None else [])

    @admin.display(description="URL to give Action Network")
    def address(self, obj: Receiver) -> str:
        if obj.pk is None:
            return "Made when you save."
        url = absolute_url(reverse("webhooks:action-network", args=[obj.token]))
        return format_html("<code>{}</code>", url)

    @admin.display(description=f"last {RECENT} items received")
    def recent_items(self, obj: Receiver) -> str:
        if obj.pk is None:
            return "—"
        rows = obj.received.all()[:RECENT]
        if not rows:
            return "None yet."
        return format_html_join(mark_safe("<br>"), "{}: {} — {}", (
            (r.at.strftime("%Y-%m-%d %H:%M:%S"), r.kind, r.outcome) for r in rows))  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Receiver, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Make new URLs for the selected chapters (the old ones stop working)",
                  permissions=["change"])  # fmt: skip
    def regenerate_selected(self, request: HttpRequest, queryset) -> None:
        for receiver in queryset:
            receiver.token, receiver.created_by, receiver.created_at = (
                new_receiver_token(),
                request.user,
                timezone.now(),
            )
            receiver.save(update_fields=["token", "created_by", "created_at"])
            audit.record(request.user, receiver, "New URL made; the old one stopped working.")
        self.message_user(request, "New URLs made: give Action Network the new one from each page.", messages.SUCCESS)
