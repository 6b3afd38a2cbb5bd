"""Admin for the configuration of demands: units, the category tree and the responsibility list.

Built on access.admin.ScopedAdmin: scoped lists, capability checks, writes through demands.services (which
audit), nothing deleted. Demands themselves are read-only here; they move through their own pages.
"""

from django.contrib import admin

from grassroots.access.admin import ScopedAdmin, ServiceForm, admin_scope
from grassroots.access.scope import visible
from grassroots.areas.models import Area
from grassroots.demands import services
from grassroots.demands.capabilities import CONFIGURE, VIEW
from grassroots.demands.models import Category, Demand, Responsibility, Unit


class UnitAddForm(ServiceForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "area"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible(self.request.user, Area.objects.all(), CONFIGURE).order_by("path")

    def call_service(self, actor):
        d = self.cleaned_data
        return services.create_unit(actor=actor, code=d["code"], name=d["name"], area=d["area"], kind=d["kind"])


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    view_capability = VIEW
    add_capability = CONFIGURE
    add_form = UnitAddForm
    list_display = ["code", "name", "kind", "area", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["area"]


class ResponsibilityAddForm(ServiceForm):
    class Meta:
        model = Responsibility
        fields = ["category", "area", "lead_unit", "supporting_units", "item_number", "duty"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible(self.request.user, Area.objects.all(), CONFIGURE).order_by("path")
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["lead_unit"].queryset = Unit.objects.filter(is_active=True)
        self.fields["supporting_units"].queryset = Unit.objects.filter(is_active=True)

    def validate_unique(self):
        pass  # set_responsibility replaces the line of the same category and area

    def call_service(self, actor):
        d = self.cleaned_data
        return services.set_responsibility(actor=actor, category=d["category"], area=d["area"],
                                           lead_unit=d["lead_unit"], supporting_units=d["supporting_units"],
                                           item_number=d["item_number"], duty=d["duty"])


@admin.register(Responsibility)
class ResponsibilityAdmin(ScopedAdmin):
    view_capability = VIEW
    add_capability = CONFIGURE
    add_form = ResponsibilityAddForm
    list_display = ["item_number", "category", "area", "lead_unit"]
    search_fields = ["item_number", "category__name", "lead_unit__name"]
    list_select_related = ["category", "area", "lead_unit"]


class CategoryAddForm(ServiceForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent", "respond_working_days", "resolve_working_days", "sort_order"]

    def call_service(self, actor):
        d = self.cleaned_data
        return services.create_category(actor=actor, code=d["code"], name=d["name"], parent=d["parent"],
                                        respond_working_days=d["respond_working_days"],
                                        resolve_working_days=d["resolve_working_days"], sort_order=d["sort_order"])


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    """The category tree is one for the deployment: anyone who may configure somewhere sees and extends it."""

    view_capability = CONFIGURE
    add_capability = CONFIGURE
    add_form = CategoryAddForm
    list_display = ["code", "name", "parent", "respond_working_days", "resolve_working_days", "is_active"]
    list_select_related = ["parent"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if admin_scope(request).paths(CONFIGURE) else queryset.none()

    def _holds(self, request, capability, obj=None):
        return bool(capability) and bool(admin_scope(request).paths(capability))


@admin.register(Demand)
class DemandAdmin(ScopedAdmin):
    view_capability = VIEW
    list_display = ["tracking_code", "kind", "category", "status", "lead_unit", "escalation_level", "created_at"]
    list_filter = ["kind", "status", "urgent", "escalation_level"]
    search_fields = ["tracking_code"]
    list_select_related = ["category", "lead_unit"]
    exclude = ["contact_phone", "intake_key"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Demand._meta.fields if f.name not in self.exclude]
