from django.contrib import admin

from chapters.models import Chapter, SocialPage
from dashboards.models import ReachSnapshot


@admin.register(ReachSnapshot)
class ReachSnapshotAdmin(admin.ModelAdmin):
    """The social reach ledger: coordinators record figures for their own chapters' pages."""

    list_display = ["social_page", "date", "followers", "post_reach", "note", "recorded_by"]
    list_filter = ["date", "social_page__platform"]
    list_select_related = ["social_page__chapter", "recorded_by"]
    date_hierarchy = "date"
    search_fields = ["note", "social_page__chapter__name"]
    ordering = ["-date"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "social_page":
            kwargs["queryset"] = SocialPage.objects.filter(
                chapter__in=Chapter.objects.visible_to(request.user)
            ).select_related("chapter")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
