"""Idempotency keys in the admin: read-only, and each staff member sees only their own
(a key's stored result repeats what its creator was shown)."""

from django.contrib import admin

from grassroots.access.admin import may_use_admin
from grassroots.access.scope import refuse
from grassroots.core.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "key", "user"]
    search_fields = ["key"]
    fields = ["created_at", "action", "key", "user", "result"]
    readonly_fields = fields
    list_select_related = ["user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not may_use_admin(request.user):
            return queryset.none()
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            refuse(seen=False)
        return obj

    def has_module_permission(self, request):
        return may_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
