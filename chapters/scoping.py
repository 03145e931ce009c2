"""One admin base for everything a chapter coordinator manages: `ChapterScopedAdmin`.

National coordinators see and manage everything; a chapter coordinator only what belongs to
the chapters they coordinate now (`Chapter.objects.visible_to`), found through the model's
path to its chapter (`chapter_path`) or, for records kept per state, to its state
(`state_path`: the states of their chapters). The scope is applied in one place each:

- `get_queryset`, which also feeds the change, delete, history and autocomplete views;
- the object permissions (view, change, delete) and `get_object`: another chapter's object
  and a missing one look the same, 404;
- foreign-key choices (any chapter, and the first step of the path);
- `save_form`: a saved object must still be in scope, whatever the form let through.

A coordinator whose term ended manages nothing: the module and its lists are closed to them.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.functional import cached_property

from chapters.models import Chapter, State


class ChapterScope:
    """What one request's user may manage; each answer is looked up at most once per request."""

    def __init__(self, user) -> None:
        self.user = user
        self.national = user.is_national_coordinator
        self.answers: dict[tuple[str, object], bool] = {}

    def chapters(self):
        """The chapters they manage, as a fresh queryset (callers filter it, or use it as a subquery)."""
        return Chapter.objects.visible_to(self.user)

    def states(self):
        """The states of those chapters (all for national coordinators)."""
        return State.objects.visible_to(self.user)

    @cached_property
    def manages_any(self) -> bool:
        return self.national or self.chapters().exists()

    @cached_property
    def chapter_names(self) -> dict[int, str]:
        """{pk: name} of their chapters, by name (filters and pickers of one page all ask)."""
        return dict(self.chapters().order_by("name").values_list("pk", "name"))


def scope_of(request: HttpRequest) -> ChapterScope:
    # Asked many times per admin page; the answers cannot change within a request.
    scope = getattr(request, "chapter_scope", None)
    if scope is None or scope.user is not request.user:
        scope = request.chapter_scope = ChapterScope(request.user)
    return scope


class ChapterScopedAdmin(admin.ModelAdmin):
    """An admin whose objects belong to a chapter (`chapter_path`, e.g. "chapter" or
    "social_page__chapter"; "pk" for chapters themselves) or to a state (`state_path`)."""

    chapter_path: str | None = "chapter"
    state_path: str | None = None

    def scope(self, request: HttpRequest, queryset):
        scope = scope_of(request)
        if scope.national:
            return queryset
        if self.state_path:
            return queryset.filter(**{f"{self.state_path}__in": scope.states()})
        return queryset.filter(**{f"{self.chapter_path}__in": scope.chapters()})

    def get_queryset(self, request: HttpRequest):
        return self.scope(request, super().get_queryset(request))

    def in_scope(self, request: HttpRequest, obj) -> bool:
        scope = scope_of(request)
        if obj is None:
            return scope.manages_any
        if scope.national:
            return True
        # A change page asks about the same object many times; the database is asked once.
        key = (self.model._meta.label, obj.pk)
        if key not in scope.answers:
            scope.answers[key] = self.scope(request, self.model._default_manager.filter(pk=obj.pk)).exists()
        return scope.answers[key]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and scope_of(request).manages_any

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and scope_of(request).manages_any

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Django would redirect to the index; out of scope and missing look the same: 404.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found, or not yours to manage.")
        return obj

    def scoped_choices(self, request: HttpRequest, db_field: models.ForeignKey):
        """What a coordinator may pick for this foreign key: the chapters they manage, or the
        first step of the path towards them; None where the scope says nothing."""
        scope = scope_of(request)
        if scope.national:
            return None
        if db_field.related_model is Chapter:
            return scope.chapters()
        path, targets = (self.state_path, scope.states()) if self.state_path else (self.chapter_path, scope.chapters())
        first, _, rest = path.partition("__")
        if first != db_field.name:
            return None
        if not rest:
            return targets
        return db_field.related_model._default_manager.filter(**{f"{rest}__in": targets})

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        choices = self.scoped_choices(request, db_field)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_form(self, request: HttpRequest, form, change: bool):
        obj = super().save_form(request, form, change)
        if not self.may_hold(request, obj):
            raise PermissionDenied
        return obj

    def may_hold(self, request: HttpRequest, obj) -> bool:
        """Whether the object about to be saved is in the viewer's scope: a crafted POST never
        creates an object in, or moves one to, a chapter they do not manage."""
        if scope_of(request).national:
            return True
        first = (self.state_path or self.chapter_path).partition("__")[0]
        if first == "pk":
            return obj.pk is not None and self.in_scope(request, obj)
        field = self.model._meta.get_field(first)
        value = getattr(obj, field.attname)
        return value is not None and self.scoped_choices(request, field).filter(pk=value).exists()
