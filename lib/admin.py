"""Admin pieces several apps use."""

from django.contrib import admin
from django.http import HttpRequest


class HistoryInline(admin.TabularInline):
    """Rows of a record's history shown under it: written by the app, never added, edited or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
