from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse

from chapters.scoping import ChapterScopedAdmin, scope_of
from endorsements.forms import ImageReencodingMixin, RejectForm, VerifyForm, https_urls
from endorsements.models import Endorsement
from lib.edit_conflicts import EditConflictAdmin, EditConflictForm


class EndorsementAdminForm(ImageReencodingMixin, EditConflictForm):
    class Meta:
        model = Endorsement
        formfield_callback = https_urls
        fields = ["kind", "name", "office", "party", "state", "user", "statement", "source_url", "made_on", "image",
                  "contact_email"]  # fmt: skip


@admin.register(Endorsement)
class EndorsementAdmin(EditConflictAdmin, ChapterScopedAdmin):
    # A chapter coordinator sees and acts on the endorsements of their chapters' states (never national ones).
    chapter_path, state_path = None, "state"
    form = EndorsementAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "office", "state", "status", "featured", "created_at"]
    list_filter = ["status", "kind", "featured", "state"]
    list_select_related = ["state"]
    search_fields = ["name", "office", "party"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user"]
    actions = ["verify_selected", "publish_selected", "reject_selected", "feature_selected", "withdraw_selected"]
    readonly_fields = [
        "slug", "status", "verification_method", "verification_note", "verified_by", "verified_at", "published_at",
        "rejection_reason", "featured", "withdrawn_at", "withdrawn_by", "created_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["kind", "name", "office", "party", "state", "user"]}),
        ("Statement", {"fields": ["statement", "source_url", "made_on", "image"]}),
        ("Contact (never public)", {"fields": ["contact_email"]}),
        (
            "Status (changed by the actions in the list)",
            {
                "fields": [
                    "slug",
                    "status",
                    "verification_method",
                    "verification_note",
                    "verified_by",
                    "verified_at",
                    "published_at",
                    "featured",
                    "rejection_reason",
                    "withdrawn_at",
                    "withdrawn_by",
                    "created_at",
                ]
            },
        ),  # fmt: skip
    ]

    def get_queryset(self, request: HttpRequest):
        # Until the endorser confirms the contact address, a submission may be spam: nobody reviews it.
        return super().get_queryset(request).exclude(status=Endorsement.Status.UNCONFIRMED)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if scope_of(request).national:
            return fieldsets
        # Linking member accounts would expose members' emails to coordinators of other chapters.
        first = {**fieldsets[0][1], "fields": [f for f in fieldsets[0][1]["fields"] if f != "user"]}
        return [(None, first), *fieldsets[1:]]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "state" and not scope_of(request).national:
            # National endorsements (no state) are for national coordinators to enter.
            kwargs["required"] = True
            kwargs["empty_label"] = None
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Endorsement, form, change: bool) -> None:
        if not change:
            # Entered by a coordinator: the contact step is theirs, so it goes straight to the queue.
            obj.status = Endorsement.Status.SUBMITTED
        super().save_model(request, obj, form, change)

    # Actions: each calls the model verb, which validates the transition and writes the history.

    def _apply(self, request: HttpRequest, queryset, verb: Callable[[Endorsement], None], done: str) -> None:
        changed, refused = [], []
        for endorsement in queryset:
            try:
                verb(endorsement)
            except ValidationError as error:
                refused.append(error.messages[0])
            else:
                changed.append(endorsement.name)
        if changed:
            self.message_user(request, f"{done}: {', '.join(changed)}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
        if not changed and not refused:
            self.message_user(request, "None of the selected endorsements are yours to change.", messages.WARNING)

    def _ask(self, request: HttpRequest, queryset, form_class, action: str, title: str, intro: str, apply):
        if not queryset.exists():
            self.message_user(request, "None of the selected endorsements are yours to change.", messages.WARNING)
            return None
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            apply(form.cleaned_data)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/endorsements/endorsement/action_form.html", context)

    @admin.action(description="Verify selected endorsements…", permissions=["change"])
    def verify_selected(self, request: HttpRequest, queryset):
        return self._ask(
            request, queryset, VerifyForm, "verify_selected", "Verify endorsements",
            "Record how you verified these endorsements. The note stays in their history.",
            lambda data: self._apply(
                request, queryset, lambda e: e.verify(request.user, data["method"], data["note"]), "Verified"
            ),
        )  # fmt: skip

    @admin.action(description="Publish selected verified endorsements", permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        base_url = request.build_absolute_uri("/")[:-1]

        def publish(endorsement: Endorsement) -> None:
            endorsement.publish(request.user)
            endorsement.mail_endorser("endorsement_published", base_url)

        self._apply(request, queryset, publish, "Published")

    @admin.action(description="Reject selected endorsements…", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset):
        return self._ask(
            request, queryset, RejectForm, "reject_selected", "Reject endorsements",
            "Give the reason for rejecting these endorsements. It stays in their history.",
            lambda data: self._apply(request, queryset, lambda e: e.reject(request.user, data["reason"]), "Rejected"),
        )  # fmt: skip

    @admin.action(description="Feature selected published endorsements", permissions=["change"])
    def feature_selected(self, request: HttpRequest, queryset) -> None:
        self._apply(request, queryset, lambda e: e.feature(request.user), "Featured")

    @admin.action(description="Withdraw selected endorsements", permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset) -> None:
        self._apply(request, queryset, lambda e: e.withdraw(by=request.user), "Withdrawn")
