from django.contrib import admin

from chapters.scoping import ChapterScopedAdmin
from dashboards.models import ReachSnapshot


@admin.register(ReachSnapshot)
class ReachSnapshotAdmin(ChapterScopedAdmin):
    """The social reach ledger: coordinators record figures for their own chapters' pages."""

    chapter_path = "social_page__chapter"
    list_display = ["social_page", "date", "followers", "post_reach", "note", "recorded_by"]
    list_filter = ["date", "social_page__platform"]
    list_select_related = ["social_page__chapter", "recorded_by"]
    date_hierarchy = "date"
    search_fields = ["note", "social_page__chapter__name"]
    ordering = ["-date"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "social_page":
            field.queryset = field.queryset.select_related("chapter")  # each choice is labelled with its chapter
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
