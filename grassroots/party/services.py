"""Writes of the organisation tree. Each public function: keyword-only, one transaction, audited."""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.access.scope import authorise, authorise_organisation
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation

# What may sit under what: a group only under a branch or a general branch, a branch under anything but a group …
ALLOWED_PARENTS = {
    Organisation.Kind.COMMITTEE: {Organisation.Kind.COMMITTEE},
    Organisation.Kind.GENERAL_BRANCH: {Organisation.Kind.COMMITTEE},
    Organisation.Kind.BRANCH: {Organisation.Kind.COMMITTEE, Organisation.Kind.GENERAL_BRANCH},
    Organisation.Kind.GROUP: {Organisation.Kind.BRANCH, Organisation.Kind.GENERAL_BRANCH},
}


def tree_path(*, organisation_id: int, parent: Organisation | None, area: Area) -> str:
    return f"{parent.path if parent is not None else area.path}o{organisation_id}/"


@transaction.atomic
def create_organisation(*, actor: Actor, name: str, kind: str, area: Area, founded_on: date,
                        parent: Organisation | None = None, host: str = Organisation.Host.AREA, host_name: str = "",
                        code: str | None = None, is_cloud_branch: bool = False) -> Organisation:
    """A new organisation under ``parent`` (or at the top of ``area``). The organisation department creates them;
    a secretary cannot add a sibling of their own."""
    if parent is not None:
        authorise_organisation(actor, caps.MANAGE, parent, seen_with=caps.VIEW)
    else:
        authorise(actor, caps.MANAGE, area.path)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写党组织名称"})
    if kind not in Organisation.Kind.values:
        raise ValidationError({"kind": f"党组织类别“{kind}”不存在"})
    if parent is not None:
        if kind not in {k for k, parents in ALLOWED_PARENTS.items() if parent.kind in parents}:
            raise ValidationError({"parent": f"{Organisation.Kind(kind).label}不能设在{parent.get_kind_display()}“{parent}”之下"})
        if parent.status == Organisation.Status.DISSOLVED:
            raise ValidationError({"parent": f"上级党组织“{parent}”已撤销"})
        if founded_on < parent.founded_on:
            raise ValidationError({"founded_on": f"成立日期早于上级党组织“{parent}”的成立日期 {parent.founded_on}"})
    if code and Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": f"组织代码“{code}”已被使用"})
    organisation = Organisation.objects.create(
        name=name, kind=kind, area=area, parent=parent, host=host, host_name=host_name.strip(), code=code or None,
        founded_on=founded_on, is_cloud_branch=is_cloud_branch, area_path=area.path,
        path=f"new:{uuid.uuid4().hex}",  # unique until the id is known
    )
    organisation.path = tree_path(organisation_id=organisation.pk, parent=parent, area=area)
    organisation.save(update_fields=["path"])
    record(actor=actor, action="party.organisation.create", obj=organisation, area_path=area.path,
           data={"name": name, "kind": kind, "parent": parent.pk if parent else None})
    return organisation
