from django.contrib import admin

from grassroots.access.scope import visible
from grassroots.spreadsheets.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: a job is the record of what an upload did; it changes only by running."""

    list_display = ("id", "filename", "area", "user", "status", "people_created", "error_count", "created_at")
    list_filter = ("status",)
    search_fields = ("filename",)
    list_select_related = ("area", "user")
    fields = ("filename", "area", "user", "status", "message", "total_rows", "processed_rows", "error_count",
              "households_created", "people_created", "created_at", "finished_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return visible(request.user, super().get_queryset(request), field="area__path")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
