"""The member registers through the JSON API, mounted at /api/party/ (docs/conventions.md, "The JSON API").

Scoped like the pages: a member, organisation or transfer outside the caller's reach is 404 (the same as missing);
a write by someone who may only look is 403; anonymous is 401; a grid worker holds no party role and gets 404.
Names are given in full to whoever may see the register; ``mobile`` only where the caller holds party.RECORD on
the member's organisation (null otherwise). Lists are "as of" ``day`` (default today). Admitting, sending a transfer
and recording a contact need an ``Idempotency-Key``; receiving honours it when sent.
"""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from grassroots.access.scope import (
    access_area,
    access_organisation,
    reaches_organisation,
    refuse,
    require_organisation,
    scope_of,
)
from grassroots.api.common import MAX_LIMIT, Limit, Offset, OptionalKey, RequiredKey, once, page
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.members import selectors, services
from grassroots.members.models import Member, Membership, MobileContact, Transfer
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation

router = Router(tags=["党员"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _need(user) -> None:
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    code: str | None
    name: str


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: date | None
    ethnicity: str
    joined_on: date = Field(description="入党日期")
    full_on: date | None = Field(description="转正日期")
    standing: str = Field(description="full 正式党员 / probationary 预备党员 / 空：当日不是党员")
    left_on: date | None
    left_reason: str
    mobile: str | None = Field(description="手机号；仅对本组织有记录权限者提供")


class MembershipOut(Schema):
    organisation: OrganisationRef
    started_on: date
    ended_on: date | None
    end_reason: str
    transfer_id: int | None


class RegisterRowOut(MembershipOut):
    member: MemberOut


class RegisterOut(Schema):
    day: date
    items: list[RegisterRowOut]
    next_offset: int | None


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    from_organisation: OrganisationRef | None
    from_outside: str
    to_organisation: OrganisationRef | None
    to_outside: str
    letter_number: str
    sent_on: date
    received_on: date | None
    status: str


class PostOut(Schema):
    organisation: OrganisationRef
    title: str
    title_label: str
    started_on: date
    ended_on: date | None


class ContactOut(Schema):
    id: int
    contacted_on: date
    method: str
    note: str


class MobileOut(Schema):
    id: int
    place: str
    since: date
    returned_on: date | None
    cloud_branch: OrganisationRef | None
    paired_with: str | None
    contacts: list[ContactOut]


class HomeReportOut(Schema):
    organisation: OrganisationRef
    started_on: date
    ended_on: date | None
    service: str
    hours: str


class MemberDetailOut(MemberOut):
    memberships: list[MembershipOut]
    transfers: list[TransferOut]
    posts: list[PostOut]
    mobile_spells: list[MobileOut]
    home_reports: list[HomeReportOut]


def _org(o: Organisation | None) -> dict | None:
    return None if o is None else {"id": o.pk, "code": o.code, "name": o.name}


def _member(member: Member, *, day: date, show_mobile: bool) -> dict:
    return {"id": member.pk, "name": member.name, "gender": member.gender, "birth_date": member.birth_date,
            "ethnicity": member.ethnicity, "joined_on": member.joined_on, "full_on": member.full_on,
            "standing": member.standing_on(day), "left_on": member.left_on, "left_reason": member.left_reason,
            "mobile": member.mobile if show_mobile else None}


def _membership(m: Membership) -> dict:
    return {"organisation": _org(m.organisation), "started_on": m.started_on, "ended_on": m.ended_on,
            "end_reason": m.end_reason, "transfer_id": m.transfer_id}


def _transfer(t: Transfer) -> dict:
    return {"id": t.pk, "member_id": t.member_id, "member_name": t.member.name,
            "from_organisation": _org(t.from_organisation), "from_outside": t.from_outside,
            "to_organisation": _org(t.to_organisation), "to_outside": t.to_outside,
            "letter_number": t.letter_number, "sent_on": t.sent_on, "received_on": t.received_on,
            "status": t.status}


def _detail(user, member: Member) -> dict:
    current = selectors.current_membership(member)
    show_mobile = current is not None and reaches_organisation(user, caps.RECORD, current.organisation)
    history = selectors.history(member)
    body = _member(member, day=timezone.localdate(), show_mobile=show_mobile)
    body.update(
        memberships=[_membership(m) for m in history.memberships],
        transfers=[_transfer(t) for t in history.transfers],
        posts=[{"organisation": _org(p.organisation), "title": p.title, "title_label": p.get_title_display(),
                "started_on": p.started_on, "ended_on": p.ended_on} for p in history.posts],
        mobile_spells=[{"id": s.pk, "place": s.place, "since": s.since, "returned_on": s.returned_on,
                        "cloud_branch": _org(s.cloud_branch),
                        "paired_with": s.partner.name if s.partner else None,
                        "contacts": [_contact(c) for c in s.contacts.all()]} for s in history.mobile_spells],
        home_reports=[{"organisation": _org(r.organisation), "started_on": r.started_on, "ended_on": r.ended_on,
                       "service": r.service, "hours": str(r.total_hours)} for r in history.home_reports],
    )
    return MemberDetailOut.model_validate(body).model_dump(mode="json")


def _contact(c: MobileContact) -> dict:
    return {"id": c.pk, "contacted_on": c.contacted_on, "method": c.method, "note": c.note}


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


class RegisterQuery(Schema):
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    organisation: ObjectId | None = Field(None, description="党组织编号：本组织及下级")
    area: str | None = Field(None, max_length=20, description="区划代码：该区域内的党组织")
    limit: Limit = MAX_LIMIT
    offset: Offset = 0


@router.get("/members/", response={200: RegisterOut, **READ_ERRORS}, summary="党员名册（截至某日）")
@api_errors
def list_members(request, filters: Query[RegisterQuery]):
    _need(request.user)
    day = filters.day or timezone.localdate()
    organisation = (access_organisation(request.user, pk=filters.organisation, capability=caps.VIEW)
                    if filters.organisation else None)
    area = access_area(request.user, code=filters.area, capability=caps.VIEW) if filters.area else None
    limit, offset = filters.limit, filters.offset
    rows = list(selectors.register_on(request.user, day=day, area=area, organisation=organisation)
                [offset:offset + limit + 1])
    items = [{**_membership(m), "member": _member(m.member, day=day, show_mobile=reaches_organisation(
        request.user, caps.RECORD, m.organisation))} for m in rows]
    return {"day": day, **page(items, limit, offset)}


@router.get("/members/{int:member_id}/", response={200: MemberDetailOut, **READ_ERRORS},
            summary="党员及其全部组织关系、转接、任职、流动、双报到记录")
@api_errors
def member_detail(request, member_id: ObjectId):
    _need(request.user)
    return _detail(request.user, selectors.member_for(request.user, member_id))


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


class AdmitIn(StrictIn):
    organisation: StrictObjectId = Field(description="党组织编号")
    name: StrictStr = Field(min_length=1, max_length=50)
    gender: Literal["M", "F"] = Field(description="M 男 / F 女")
    joined_on: StrictDate = Field(description="入党日期")
    full_on: StrictDate | None = Field(None, description="转正日期")
    started_on: StrictDate | None = Field(None, description="组织关系转入本组织的日期，默认入党日期")
    birth_date: StrictDate | None = None
    ethnicity: StrictStr = Field("", max_length=20)
    mobile: StrictStr = Field("", max_length=11)


def _body(payload) -> dict:
    return payload.model_dump(mode="json", exclude={"limit", "offset"})


@router.post("/members/", response={201: MemberDetailOut, **ERRORS}, summary="接收党员入册（幂等）")
@api_errors
def admit(request, response: HttpResponse, payload: AdmitIn, idempotency_key: RequiredKey = None):
    _need(request.user)
    organisation = access_organisation(request.user, pk=payload.organisation, capability=caps.VIEW)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)

    def work() -> dict:
        member = services.admit_member(
            actor=Actor.from_request(request), organisation=organisation, name=payload.name, gender=payload.gender,
            joined_on=payload.joined_on, full_on=payload.full_on, started_on=payload.started_on,
            birth_date=payload.birth_date, ethnicity=payload.ethnicity, mobile=payload.mobile)
        return _detail(request.user, member)

    return once(request, response, key=idempotency_key, required=True, action="members.member.admit",
                body=_body(payload), work=work)


class TransferIn(StrictIn):
    member: StrictObjectId = Field(description="党员编号")
    to_organisation: StrictObjectId | None = Field(None, description="转入的旗县内党组织编号")
    to_outside: StrictStr = Field("", max_length=200, description="或：旗县外的接收单位")
    sent_on: StrictDate = Field(description="转出日期")
    letter_number: StrictStr = Field("", max_length=40)
    note: StrictStr = Field("", max_length=300)


@router.post("/transfers/", response={201: TransferOut, **ERRORS}, summary="转出组织关系（幂等）")
@api_errors
def send_transfer(request, response: HttpResponse, payload: TransferIn, idempotency_key: RequiredKey = None):
    _need(request.user)
    member = selectors.member_for(request.user, payload.member)
    receiver = None
    if payload.to_organisation is not None:
        receiver = Organisation.objects.filter(pk=payload.to_organisation).first()
        if receiver is None:
            raise DjangoValidationError({"to_organisation": "没有此党组织"})

    def work() -> dict:
        transfer = services.send_transfer(
            actor=Actor.from_request(request), member=member, sent_on=payload.sent_on, to_organisation=receiver,
            to_outside=payload.to_outside, letter_number=payload.letter_number, note=payload.note)
        return TransferOut.model_validate(_transfer(transfer)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="members.transfer.send",
                body=_body(payload), work=work)


class ReceiveIn(StrictIn):
    received_on: StrictDate = Field(description="接收日期（旗县外转出的：回执日期）")


@router.post("/transfers/{int:transfer_id}/receive/", response={200: TransferOut, **ERRORS},
             summary="接收组织关系；转往旗县外的登记回执")
@api_errors
def receive_transfer(request, response: HttpResponse, transfer_id: ObjectId, payload: ReceiveIn,
                     idempotency_key: OptionalKey = None):
    _need(request.user)
    transfer = selectors.transfer_for(request.user, transfer_id)
    require_organisation(request.user, caps.RECORD, transfer.to_organisation or transfer.from_organisation,
                         seen_with=caps.VIEW)

    def work() -> dict:
        done = services.receive_transfer(actor=Actor.from_request(request), transfer=transfer,
                                         received_on=payload.received_on)
        return TransferOut.model_validate(_transfer(done)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=False, action="members.transfer.receive",
                body=_body(payload), work=work, status=200)


class ContactIn(StrictIn):
    contacted_on: StrictDate
    method: Literal["call", "wechat", "visit", "cloud"] = Field(description="call 电话 / wechat 微信 / visit 见面 / "
                                                                            "cloud 云支部活动")
    note: StrictStr = Field("", max_length=300)


@router.post("/mobile-members/{int:mobile_id}/contacts/", response={201: ContactOut, **ERRORS},
             summary="记录与流动党员的联系（幂等）")
@api_errors
def record_contact(request, response: HttpResponse, mobile_id: ObjectId, payload: ContactIn,
                   idempotency_key: RequiredKey = None):
    _need(request.user)
    spell = selectors.mobile_for(request.user, mobile_id)

    def work() -> dict:
        contact = services.record_contact(actor=Actor.from_request(request), mobile=spell,
                                          contacted_on=payload.contacted_on, method=payload.method, note=payload.note)
        return ContactOut.model_validate(_contact(contact)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="members.mobile.contact",
                body=_body(payload), work=work)
