"""The audit log in the admin: a searchable, scoped list. Nothing here can add, change or delete."""

from django.contrib import admin

from grassroots.access.admin import ScopedAdmin, admin_scope
from grassroots.audit.models import AuditEntry
from grassroots.audit.selectors import search_audit
from grassroots.rules.roles import VIEW_AUDIT


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, offering only the actions that occur within the caller's areas."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = model_admin.get_queryset(request).order_by("action").values_list("action", flat=True).distinct()
        return [(a, a) for a in actions[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    scope_field = "area_path"
    view_capability = VIEW_AUDIT
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "area_path", "ip"]
    list_filter = [ActionFilter]
    search_fields = ["actor_name", "object_id", "action"]
    fields = ["at", "actor_name", "action", "object_type", "object_id", "area_path", "ip", "user_agent", "data"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return search_audit(area_paths=admin_scope(request).paths(VIEW_AUDIT))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
