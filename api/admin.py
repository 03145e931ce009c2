from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from api.models import ApiKey
from chapters.scoping import ChapterScopedAdmin, scope_of
from lib import audit

RECENT_REQUESTS = 20


@admin.register(ApiKey)
class ApiKeyAdmin(ChapterScopedAdmin):
    """Coordinators make keys for their own chapters (national coordinators also for every chapter).

    The key is shown once, on the page after saving; only its hash is kept. A key is revoked,
    not deleted, so that its log stays.
    """

    chapter_path = "chapter"
    list_display = ["name", "chapter_label", "scope", "created_by", "created_at", "expires_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["scope", "chapter"]
    list_select_related = ["chapter", "created_by"]
    search_fields = ["name", "prefix"]
    actions = ["revoke_selected"]
    fields = ["name", "chapter", "scope", "expires_at", "prefix", "created_by", "created_at", "last_used_at",
              "revoked_at", "revoked_by", "recent_requests"]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        always = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at", "revoked_by", "recent_requests"]
        # What a key reaches is fixed when it is made: a different reach is a new key.
        return always + (["chapter", "scope", "expires_at"] if obj is not None else [])

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not scope_of(request).national:
            form.base_fields["chapter"].required = True  # only national coordinators make keys for every chapter
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"scope": ApiKey.Scope.READ}

    @admin.display(description="chapter")
    def chapter_label(self, obj: ApiKey) -> str:
        return obj.chapter.name if obj.chapter else "Every chapter"

    @admin.display(description=f"last {RECENT_REQUESTS} requests")
    def recent_requests(self, obj: ApiKey) -> str:
        if obj.pk is None:
            return "—"
        rows = obj.requests.all()[:RECENT_REQUESTS]
        if not rows:
            return "None yet."
        return format_html_join(
            mark_safe("<br>"), "{}: {} {} → {}", ((r.at.strftime("%Y-%m-%d %H:%M:%S"), r.method, r.path, r.status)
                                                 for r in rows)
        )  # fmt: skip

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            request.api_key_token = obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):
        """The one time the key is shown: on this page, kept by no cache, never in a message or a log."""
        context = {**self.admin_site.each_context(request), "key": obj, "token": request.api_key_token,
                   "opts": self.model._meta, "title": "Your new API key"}  # fmt: skip
        response = TemplateResponse(request, "admin/api/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected keys")
    def revoke_selected(self, request: HttpRequest, queryset) -> None:
        revoked = []
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke(request.user)
            audit.record(request.user, key, "Revoked.")
            revoked.append(key.name)
        if revoked:
            self.message_user(request, f"Revoked: {', '.join(revoked)}.", messages.SUCCESS)
        else:
            self.message_user(request, "The selected keys were already revoked.", messages.WARNING)
