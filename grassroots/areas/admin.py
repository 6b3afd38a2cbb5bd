"""Admin for the area tree and the register, scoped and written through areas.services.

See grassroots/access/admin.py for the rules every ScopedAdmin follows. ID numbers are shown
masked only; their sealed form and digest never reach a page. Mobile numbers are shown in full
only to those who may edit the person; sensitive tags only to holders of residents.view_sensitive.
"""

from django import forms
from django.contrib import admin

from grassroots.access.admin import ScopedAdmin, ServiceForm, admin_scope, may_use_admin
from grassroots.access.scope import visible
from grassroots.areas import services
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_RESIDENTS, VIEW_SENSITIVE

# ---------------------------------------------------------------------------------------------
# Areas: grids may be added (areas.services.create_grid); the rest of the tree is loaded by command.
# ---------------------------------------------------------------------------------------------


class GridAddForm(ServiceForm):
    number = forms.IntegerField(label="网格序号", min_value=1, max_value=999,
                                help_text="网格代码 = 村代码 + 三位序号")

    class Meta:
        model = Area
        fields = ["parent", "name"]
        labels = {"parent": "所属嘎查村社区", "name": "网格名称"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].required = True
        self.fields["parent"].queryset = visible(
            self.request.user, Area.objects.filter(level=Level.VILLAGE), EDIT_RESIDENTS
        ).order_by("path")

    def clean(self):
        cleaned = super().clean()
        village, number = cleaned.get("parent"), cleaned.get("number")
        if village and number and Area.objects.filter(code=f"{village.code}{number:03d}").exists():
            self.add_error("number", "该序号的网格已存在")
        return cleaned

    def call_service(self, actor):
        data = self.cleaned_data
        return services.create_grid(actor=actor, village=data["parent"], name=data["name"], number=data["number"])


@admin.register(Area)
class AreaAdmin(ScopedAdmin):
    view_capability = VIEW_RESIDENTS
    add_capability = EDIT_RESIDENTS
    add_form = GridAddForm
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    list_select_related = ["parent"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["parent", "name", "number"]
        return ["code", "name", "level", "parent"]


# ---------------------------------------------------------------------------------------------
# Tags: a fixed catalogue (areas.services.ensure_default_tags); read-only here.
# ---------------------------------------------------------------------------------------------


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "sensitive"]
    list_filter = ["kind", "sensitive"]
    search_fields = ["code", "name"]

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


# ---------------------------------------------------------------------------------------------
# Households: created through the service; no update service, so read-only once created.
# ---------------------------------------------------------------------------------------------


class HouseholdAddForm(ServiceForm):
    class Meta:
        model = Household
        fields = ["grid", "number", "address"]
        labels = {"grid": "网格"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = visible(
            self.request.user, Area.objects.filter(level=Level.GRID), EDIT_RESIDENTS
        ).order_by("path")

    def call_service(self, actor):
        data = self.cleaned_data
        return services.create_household(actor=actor, grid=data["grid"], number=data["number"],
                                         address=data["address"])


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    view_capability = VIEW_RESIDENTS
    add_capability = EDIT_RESIDENTS
    add_form = HouseholdAddForm
    autocomplete_fields = ["grid"]
    list_display = ["number", "address", "village", "grid", "is_active"]
    list_filter = ["is_active", ("village", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "address"]
    list_select_related = ["village", "grid"]
    readonly_fields = ["members_list"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["grid", "number", "address"]
        return ["number", "address", "village", "grid", "is_active", "members_list", "created_at", "updated_at"]

    @admin.display(description="成员")
    def members_list(self, obj):
        return "、".join(f"{p.name}（{p.get_relation_display()}）" for p in obj.members.filter(is_active=True))


# ---------------------------------------------------------------------------------------------
# Persons: added through add_person, changed (mobile, tags, party status) through update_person.
# ---------------------------------------------------------------------------------------------

NEVER_SHOWN = ["id_number_sealed", "id_number_digest", "name_pinyin", "name_initials", "path"]
PERSON_VIEW_FIELDS = ["name", "household", "relation", "gender", "birth_date", "ethnicity", "id_number_masked",
                      "mobile_shown", "party_status", "is_mobile_member", "tags_shown", "is_active"]


class PersonAddForm(ServiceForm):
    id_number = forms.CharField(label="身份证号", required=False, max_length=30,
                                help_text="保存后只显示脱敏号码；填写后性别和出生日期可不填")
    gender = forms.ChoiceField(label="性别", required=False, choices=[("", "（按身份证号）"), *Person.Gender.choices])
    mongolian_name = forms.BooleanField(label="蒙古族姓名（无姓氏）", required=False)

    class Meta:
        model = Person
        fields = ["household", "name", "relation", "id_number", "gender", "birth_date", "ethnicity", "mobile",
                  "party_status", "is_mobile_member", "tags", "mongolian_name"]
        labels = {"household": "户", "tags": "人员标签"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].required = True
        self.fields["household"].queryset = visible(self.request.user, Household.objects.all(), EDIT_RESIDENTS)

    def call_service(self, actor):
        data = self.cleaned_data
        return services.add_person(
            actor=actor, household=data["household"], name=data["name"], gender=data["gender"] or "",
            birth_date=data["birth_date"], relation=data["relation"], id_number=data["id_number"],
            mobile=data["mobile"], ethnicity=data["ethnicity"], party_status=data["party_status"],
            is_mobile_member=data["is_mobile_member"], tag_codes=[t.code for t in data["tags"]],
            mongolian_name=data["mongolian_name"],
        )


class PersonChangeForm(ServiceForm):
    class Meta:
        model = Person
        fields = ["mobile", "party_status", "is_mobile_member", "tags"]
        labels = {"tags": "人员标签"}

    def call_service(self, actor):
        changed, data = set(self.changed_data), self.cleaned_data
        if not changed:
            return None
        return services.update_person(
            actor=actor, person=self.instance,
            mobile=data["mobile"] if "mobile" in changed else None,
            tag_codes=[t.code for t in data["tags"]] if "tags" in changed else None,
            party_status=data["party_status"] if "party_status" in changed else None,
            is_mobile_member=data["is_mobile_member"] if "is_mobile_member" in changed else None,
        )


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    view_capability = VIEW_RESIDENTS
    add_capability = change_capability = EDIT_RESIDENTS
    add_form = PersonAddForm
    change_form = PersonChangeForm
    autocomplete_fields = ["household"]
    exclude = NEVER_SHOWN
    list_display = ["name", "household", "relation", "gender", "id_number_masked", "masked_mobile", "party_status"]
    list_filter = ["relation", "party_status", "gender", ("household__village", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "^name_pinyin", "^name_initials", "household__number"]
    list_select_related = ["household"]
    readonly_fields = ["mobile_shown", "tags_shown", "id_number_masked"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(PersonAddForm.Meta.fields)
        if not self.has_change_permission(request, obj):
            return PERSON_VIEW_FIELDS
        editable = self._editable(request, obj)
        replaced = {"mobile_shown": "mobile", "tags_shown": "tags"}
        return [replaced.get(f, f) if replaced.get(f) in editable else f for f in PERSON_VIEW_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = self._editable(request, obj) if self.has_change_permission(request, obj) else []
        return [f for f in PERSON_VIEW_FIELDS if f not in editable]

    def _editable(self, request, obj) -> list[str]:
        # Replacing the tags of someone whose sensitive tags the editor cannot see would drop them unseen.
        editable = ["mobile", "party_status", "is_mobile_member"]
        if admin_scope(request).can(VIEW_SENSITIVE, obj.path):
            editable.append("tags")
        return editable

    def get_object(self, request, object_id, from_field=None):
        person = super().get_object(request, object_id, from_field)
        scope = admin_scope(request)
        person.show_full_mobile = scope.can(EDIT_RESIDENTS, person.path)
        person.show_sensitive = scope.can(VIEW_SENSITIVE, person.path)
        return person

    @admin.display(description="手机号")
    def masked_mobile(self, obj):
        return obj.masked_mobile

    @admin.display(description="手机号")
    def mobile_shown(self, obj):
        return obj.mobile if getattr(obj, "show_full_mobile", False) else obj.masked_mobile

    @admin.display(description="人员标签")
    def tags_shown(self, obj):
        show_sensitive = getattr(obj, "show_sensitive", False)
        return "、".join(t.name for t in obj.tags.all() if show_sensitive or not t.sensitive)
