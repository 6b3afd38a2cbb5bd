"""Open311 API keys in the back office: issue a key (shown once, on the page that answers the form) and revoke
keys (an action on the list). Built on access.admin.ScopedAdmin: only those who configure demands
(demands.configure: county staff, system admins) see and manage the keys of their own areas; writes go through
open311.services, which audit. Nothing is deleted: a revoked key stays listed, refused on its next request.
`manage.py open311_client` does the same from the shell.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from grassroots.access.admin import ScopedAdmin, ServiceForm, admin_scope
from grassroots.access.scope import visible
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.demands.capabilities import CONFIGURE
from grassroots.demands.open311 import services
from grassroots.demands.open311.models import Open311Client


class IssueKeyForm(ServiceForm):
    """Name and area of a new client; the service makes the key, which the form keeps for the one page that
    shows it."""

    raw_key: str | None = None

    class Meta:
        model = Open311Client
        fields = ["name", "area"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible(self.request.user, Area.objects.all(), CONFIGURE).order_by("path")

    def call_service(self, actor: Actor):
        client, self.raw_key = services.create_client(actor=actor, name=self.cleaned_data["name"],
                                                      area=self.cleaned_data["area"])
        return client


@admin.register(Open311Client)
class Open311ClientAdmin(ScopedAdmin):
    scope_field = "area__path"
    view_capability = CONFIGURE
    add_capability = CONFIGURE
    add_form = IssueKeyForm
    list_display = ["name", "key_prefix", "area", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    list_select_related = ["area"]
    readonly_fields = ["name", "key_prefix", "area", "is_active", "created_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["name", "area"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_revoke_permission(self, request):
        return self._holds(request, CONFIGURE)

    @admin.action(description="吊销所选接入方的 API 密钥", permissions=["revoke"])
    def revoke(self, request, queryset):
        actor = Actor.from_request(request)
        scope = admin_scope(request)
        revoked = 0
        for client in queryset.select_related("area"):
            if client.is_active and scope.can(CONFIGURE, client.area.path):
                services.deactivate_client(actor=actor, client=client)
                revoked += 1
        self.message_user(request, f"已吊销 {revoked} 个 API 密钥：持有者的下一次请求即被拒绝（403）。",
                          messages.SUCCESS)

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the key: it is never stored, so it can never be shown again."""
        form_key = getattr(request, "_open311_raw_key", None)
        response = TemplateResponse(request, "admin/open311/key_issued.html", {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "client": obj,
            "raw_key": form_key,
            "title": "API 密钥已生成",
        })
        response["Cache-Control"] = "no-store"
        return response

    def save_form(self, request, form, change):
        if isinstance(form, IssueKeyForm):
            request._open311_raw_key = form.raw_key
        return super().save_form(request, form, change)
