"""The member registers through the JSON API, mounted at /api/party/ (docs/conventions.md, "The JSON API").

Scoped like the pages: a member, organisation or transfer outside the caller's reach is 404 (the same as missing);
a write by someone who may only look is 403; anonymous is 401; a grid worker holds no party role and gets 404.
Names are given in full to whoever may see the register; ``mobile`` only where the caller holds party.RECORD on
the member's organisation (null otherwise). Lists are the API's one envelope ``{"items", "next_cursor"}``, "as of"
``day`` (default today; each row repeats it). Every create (admitting, sending a transfer, registering a mobile
member, recording a contact, appointing to a post) needs an ``Idempotency-Key``; the actions (receive, withdraw,
end, return) honour it when sent. State refusals (transfer already received or withdrawn, already mobile, a
transfer still pending) answer 409; invalid input 422.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictStr

from grassroots.access.scope import (
    access_area,
    access_organisation,
    access_scoped,
    reaches_organisation,
    refuse,
    require_organisation,
    scope_of,
    visible_organisations,
)
from grassroots.api.common import (
    MAX_LIMIT,
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    download,
    import_once,
    once,
    page,
    page_query,
    position_of,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.members import selectors, services, views
from grassroots.members.models import Member, Membership, MobileContact, MobileMember, Post, Transfer
from grassroots.party import capabilities as caps
from grassroots.party.api import FILE_ERRORS, PartyOrganisationRef, require_party
from grassroots.party.models import Organisation
from grassroots.volunteers.selectors import home_reports_with_hours

router = Router(tags=["党员"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# The services name the members, organisations and records they are given; the requests send their ids
# (``api_errors``: ``errors`` names the request's field).
FIELDS = {"member": "member_id", "organisation": "organisation_id", "to_organisation": "to_organisation_id",
          "cloud_branch": "cloud_branch_id", "transfer": "transfer_id", "post": "post_id"}


def _need(user) -> None:
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


class PartyMemberOut(Schema):
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
    organisation: PartyOrganisationRef
    started_on: date
    ended_on: date | None
    end_reason: str
    transfer_id: int | None


class RegisterRowOut(MembershipOut):
    day: date = Field(description="名册所依据的日期")
    member: PartyMemberOut


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    from_organisation: PartyOrganisationRef | None
    from_outside: str
    to_organisation: PartyOrganisationRef | None
    to_outside: str
    letter_number: str
    sent_on: date
    received_on: date | None
    status: str


class PostOut(Schema):
    id: int
    member_id: int
    member_name: str
    organisation: PartyOrganisationRef
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
    member_id: int
    place: str
    since: date
    returned_on: date | None
    cloud_branch: PartyOrganisationRef | None
    paired_with: str | None
    contacts: list[ContactOut]


class HomeReportOut(Schema):
    organisation: PartyOrganisationRef
    started_on: date
    ended_on: date | None
    service: str
    hours: str


class MemberDetailOut(PartyMemberOut):
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
        posts=[_post(p, member) for p in history.posts],
        mobile_spells=[_spell(s) for s in history.mobile_spells],
        home_reports=[{"organisation": _org(r.organisation), "started_on": r.started_on, "ended_on": r.ended_on,
                       "service": r.service, "hours": str(r.total_hours)} for r in history.home_reports],
    )
    return MemberDetailOut.model_validate(body).model_dump()


def _post(p: Post, member: Member | None = None) -> dict:
    member = member or p.member
    return {"id": p.pk, "member_id": member.pk, "member_name": member.name, "organisation": _org(p.organisation),
            "title": p.title, "title_label": p.get_title_display(), "started_on": p.started_on,
            "ended_on": p.ended_on}


def _spell(s: MobileMember) -> dict:
    return {"id": s.pk, "member_id": s.member_id, "place": s.place, "since": s.since, "returned_on": s.returned_on,
            "cloud_branch": _org(s.cloud_branch), "paired_with": s.partner.name if s.partner else None,
            "contacts": [_contact(c) for c in s.contacts.all()]}


def _contact(c: MobileContact) -> dict:
    return {"id": c.pk, "contacted_on": c.contacted_on, "method": c.method, "note": c.note}


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


class RegisterQuery(Schema):
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    organisation_id: ObjectId | None = Field(None, description="党组织编号：本组织及下级")
    area_code: str | None = Field(None, max_length=20, description="区划代码：该区域内的党组织")
    limit: Limit = MAX_LIMIT
    cursor: Cursor = None


@router.get("/members/", response={200: Page(RegisterRowOut), **READ_ERRORS}, summary="党员名册（截至某日）")
@api_errors(fields=FIELDS)
def list_members(request, filters: Query[RegisterQuery]):
    _need(request.user)
    day = filters.day or timezone.localdate()
    organisation = (access_organisation(request.user, pk=filters.organisation_id, capability=caps.VIEW)
                    if filters.organisation_id else None)
    area = access_area(request.user, code=filters.area_code, capability=caps.VIEW) if filters.area_code else None
    limit, position = filters.limit, position_of(filters.cursor)
    rows = list(selectors.register_on(request.user, day=day, area=area, organisation=organisation)
                [position:position + limit + 1])
    items = [{**_membership(m), "day": day, "member": _member(m.member, day=day, show_mobile=reaches_organisation(
        request.user, caps.RECORD, m.organisation))} for m in rows]
    return page(items, limit, position)


@router.get("/members/{int:member_id}/", response={200: MemberDetailOut, **READ_ERRORS},
            summary="党员及其全部组织关系、转接、任职、流动、双报到记录")
@api_errors(fields=FIELDS)
def member_detail(request, member_id: ObjectId):
    _need(request.user)
    return _detail(request.user, selectors.member_for(request.user, member_id))


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


class AdmitIn(StrictIn):
    organisation_id: StrictObjectId = Field(description="党组织编号")
    name: StrictStr = Field(min_length=1, max_length=50)
    gender: Literal["M", "F"] = Field(description="M 男 / F 女")
    joined_on: StrictDate = Field(description="入党日期")
    full_on: StrictDate | None = Field(None, description="转正日期")
    started_on: StrictDate | None = Field(None, description="组织关系转入本组织的日期，默认入党日期")
    birth_date: StrictDate | None = None
    ethnicity: StrictStr = Field("", max_length=20)
    mobile: StrictStr = Field("", max_length=11)


def _body(payload) -> dict:
    return payload.model_dump(mode="json")


@router.post("/members/", response={201: MemberDetailOut, **ERRORS}, summary="接收党员入册（幂等）")
@api_errors(fields=FIELDS)
def admit(request, response: HttpResponse, payload: AdmitIn, idempotency_key: RequiredKey = None):
    _need(request.user)
    organisation = access_organisation(request.user, pk=payload.organisation_id, capability=caps.VIEW)
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
    member_id: StrictObjectId = Field(description="党员编号")
    to_organisation_id: StrictObjectId | None = Field(None, description="转入的旗县内党组织编号")
    to_outside: StrictStr = Field("", max_length=200, description="或：旗县外的接收单位")
    sent_on: StrictDate = Field(description="转出日期")
    letter_number: StrictStr = Field("", max_length=40)
    note: StrictStr = Field("", max_length=300)


@router.post("/transfers/", response={201: TransferOut, **ERRORS}, summary="转出组织关系（幂等）")
@api_errors(fields=FIELDS)
def send_transfer(request, response: HttpResponse, payload: TransferIn, idempotency_key: RequiredKey = None):
    _need(request.user)
    member = selectors.member_for(request.user, payload.member_id)
    receiver = None
    if payload.to_organisation_id is not None:
        receiver = Organisation.objects.filter(pk=payload.to_organisation_id).first()
        if receiver is None:
            raise DjangoValidationError({"to_organisation_id": "没有此党组织"})

    def work() -> dict:
        transfer = services.send_transfer(
            actor=Actor.from_request(request), member=member, sent_on=payload.sent_on, to_organisation=receiver,
            to_outside=payload.to_outside, letter_number=payload.letter_number, note=payload.note)
        return TransferOut.model_validate(_transfer(transfer)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="members.transfer.send",
                body=_body(payload), work=work)


class ReceiveIn(StrictIn):
    received_on: StrictDate = Field(description="接收日期（旗县外转出的：回执日期）")


@router.post("/transfers/{int:transfer_id}/receive/", response={200: TransferOut, **ERRORS},
             summary="接收组织关系；转往旗县外的登记回执")
@api_errors(fields=FIELDS)
def receive_transfer(request, response: HttpResponse, transfer_id: ObjectId, payload: ReceiveIn,
                     idempotency_key: OptionalKey = None):
    _need(request.user)
    transfer = selectors.transfer_for(request.user, transfer_id)
    require_organisation(request.user, caps.RECORD, transfer.to_organisation or transfer.from_organisation,
                         seen_with=caps.VIEW)

    def work() -> dict:
        done = services.receive_transfer(actor=Actor.from_request(request), transfer=transfer,
                                         received_on=payload.received_on)
        return TransferOut.model_validate(_transfer(done)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="members.transfer.receive",
                body=_body(payload), work=work, status=200)


class ContactIn(StrictIn):
    contacted_on: StrictDate
    method: Literal["call", "wechat", "visit", "cloud"] = Field(description="call 电话 / wechat 微信 / visit 见面 / "
                                                                            "cloud 云支部活动")
    note: StrictStr = Field("", max_length=300)


@router.post("/mobile-members/{int:mobile_id}/contacts/", response={201: ContactOut, **ERRORS},
             summary="记录与流动党员的联系（幂等）")
@api_errors(fields=FIELDS)
def record_contact(request, response: HttpResponse, mobile_id: ObjectId, payload: ContactIn,
                   idempotency_key: RequiredKey = None):
    _need(request.user)
    spell = selectors.mobile_for(request.user, mobile_id)

    def work() -> dict:
        contact = services.record_contact(actor=Actor.from_request(request), mobile=spell,
                                          contacted_on=payload.contacted_on, method=payload.method, note=payload.note)
        return ContactOut.model_validate(_contact(contact)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="members.mobile.contact",
                body=_body(payload), work=work)


# ---------------------------------------------------------------------------------------------
# What the pages do besides (issue #18: parity)
# ---------------------------------------------------------------------------------------------


def _at_home(user, member_id: int, capability: str) -> tuple[Member, Membership]:
    """A member the caller sees, with their open membership (else their last one: the service then refuses a
    member no longer on any roll with 409, and a replay still finds the member), for a write needing
    ``capability`` there (as the member page): 404 for a stranger, 403 for one who may only look."""
    _need(user)
    member = selectors.member_for(user, member_id)
    membership = selectors.current_membership(member) or (
        Membership.objects.select_related("organisation").filter(member=member).order_by("-started_on", "-id").first())
    if membership is None:
        refuse(seen=False)
    require_organisation(user, capability, membership.organisation, seen_with=caps.VIEW)
    return member, membership


class MembershipEndIn(StrictIn):
    ended_on: StrictDate = Field(description="离开日期")
    reason: Literal["death", "withdrew", "expelled", "removed", "probation_ended"] = Field(
        description="离开原因：death 去世 / withdrew 退党 / expelled 开除党籍 / removed 除名 / probation_ended "
                    "取消预备党员资格（转出请用 /transfers/）")


@router.post("/members/{int:member_id}/end/", response={200: MemberDetailOut, **ERRORS},
             summary="终止组织关系（去世、退党、开除、除名）")
@api_errors(fields=FIELDS)
def end_membership(request, response: HttpResponse, member_id: ObjectId, payload: MembershipEndIn,
                   idempotency_key: OptionalKey = None):
    member, _ = _at_home(request.user, member_id, caps.MANAGE)

    def work() -> dict:
        services.end_membership(actor=Actor.from_request(request), member=member, ended_on=payload.ended_on,
                                reason=payload.reason)
        return _detail(request.user, selectors.member_for(request.user, member.pk))

    return once(request, response, key=idempotency_key, required=False, action="members.member.end",
                body=_body(payload), work=work, status=200)


class TransfersQuery(Schema):
    direction: Literal["incoming", "outgoing"] = Field(
        "incoming", description="incoming 待本组织接收的 / outgoing 本组织转出、尚未接收的")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/transfers/", response={200: Page(TransferOut), **READ_ERRORS}, summary="待办的组织关系转接")
@api_errors(fields=FIELDS)
def list_transfers(request, filters: Query[TransfersQuery]):
    _need(request.user)
    pending = selectors.pending_transfers(request.user)
    rows = pending.incoming if filters.direction == "incoming" else pending.outgoing
    limit, position = filters.limit, position_of(filters.cursor)
    return page([_transfer(t) for t in rows[position:position + limit + 1]], limit, position)


@router.get("/transfers/{int:transfer_id}/", response={200: TransferOut, **READ_ERRORS}, summary="一份转接")
@api_errors(fields=FIELDS)
def get_transfer(request, transfer_id: ObjectId):
    _need(request.user)
    return _transfer(selectors.transfer_for(request.user, transfer_id))


class WithdrawIn(StrictIn):
    note: StrictStr = Field("", max_length=300, description="撤回说明")


@router.post("/transfers/{int:transfer_id}/withdraw/", response={200: TransferOut, **ERRORS},
             summary="撤回尚未接收的转接（已接收或已撤回 409）")
@api_errors(fields=FIELDS)
def withdraw_transfer(request, response: HttpResponse, transfer_id: ObjectId, payload: WithdrawIn,
                      idempotency_key: OptionalKey = None):
    _need(request.user)
    transfer = selectors.transfer_for(request.user, transfer_id)
    if transfer.from_organisation is None:
        refuse(seen=True)  # received from outside the county: nothing here sent it
    require_organisation(request.user, caps.RECORD, transfer.from_organisation, seen_with=caps.VIEW)

    def work() -> dict:
        done = services.withdraw_transfer(actor=Actor.from_request(request), transfer=transfer, note=payload.note)
        return TransferOut.model_validate(_transfer(done)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="members.transfer.withdraw",
                body=_body(payload), work=work, status=200)


class MobileRowOut(Schema):
    id: int
    member_id: int
    member_name: str
    home: PartyOrganisationRef = Field(description="该日组织关系所在党组织")
    place: str
    since: date
    returned_on: date | None
    contact: str
    cloud_branch: PartyOrganisationRef | None
    paired_with: str | None
    last_contact_on: date | None = Field(description="截至该日最近一次联系")
    day: date


class MobileQuery(Schema):
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    organisation_id: ObjectId | None = Field(None, description="党组织编号：本组织及下级的流动党员")
    months: int | None = Field(None, ge=1, le=120, description="只列超过这么多个月未联系的")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/mobile-members/", response={200: Page(MobileRowOut), **READ_ERRORS},
            summary="流动党员（截至某日；可只列久未联系的）")
@api_errors(fields=FIELDS)
def list_mobile(request, filters: Query[MobileQuery]):
    _need(request.user)
    day = filters.day or timezone.localdate()
    organisation = (access_organisation(request.user, pk=filters.organisation_id, capability=caps.VIEW)
                    if filters.organisation_id else None)
    limit, position = filters.limit, position_of(filters.cursor)
    rows = selectors.mobile_members(request.user, day=day, months=filters.months, organisation=organisation)
    return page([{"id": s.pk, "member_id": s.member_id, "member_name": s.member.name,
                  "home": {"id": s.home_id, "code": None, "name": s.home_name}, "place": s.place, "since": s.since,
                  "returned_on": s.returned_on, "contact": s.contact, "cloud_branch": _org(s.cloud_branch),
                  "paired_with": s.partner_name, "last_contact_on": s.last_contact, "day": day}
                 for s in rows[position:position + limit + 1]], limit, position)


class MobileIn(StrictIn):
    member_id: StrictObjectId = Field(description="党员编号")
    place: StrictStr = Field(min_length=1, max_length=200, description="流入地")
    since: StrictDate = Field(description="外出日期")
    contact: StrictStr = Field("", max_length=50, description="联系方式")
    cloud_branch_id: StrictObjectId | None = Field(None, description="参加学习的云支部编号")


@router.post("/mobile-members/", response={201: MobileOut, **ERRORS},
             summary="登记流动党员（幂等；已登记 409）")
@api_errors(fields=FIELDS)
def register_mobile(request, response: HttpResponse, payload: MobileIn, idempotency_key: RequiredKey = None):
    member, _ = _at_home(request.user, payload.member_id, caps.RECORD)
    cloud = None
    if payload.cloud_branch_id is not None:
        cloud = Organisation.objects.filter(pk=payload.cloud_branch_id, is_cloud_branch=True).first()
        if cloud is None:
            raise DjangoValidationError({"cloud_branch_id": f"云支部 {payload.cloud_branch_id} 不存在"})

    def work() -> dict:
        spell = services.register_mobile(actor=Actor.from_request(request), member=member, place=payload.place,
                                         since=payload.since, contact=payload.contact, cloud_branch=cloud)
        spell.partner = None
        return MobileOut.model_validate(_spell(spell)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="members.mobile.register",
                body=_body(payload), work=work)


class ReturnIn(StrictIn):
    returned_on: StrictDate = Field(description="返回日期")


@router.post("/mobile-members/{int:mobile_id}/return/", response={200: MobileOut, **ERRORS},
             summary="流动党员返回（已返回 409）")
@api_errors(fields=FIELDS)
def mobile_returned(request, response: HttpResponse, mobile_id: ObjectId, payload: ReturnIn,
                    idempotency_key: OptionalKey = None):
    _need(request.user)
    spell = selectors.mobile_for(request.user, mobile_id)
    home = selectors.current_membership(spell.member)
    if home is None:
        refuse(seen=False)
    require_organisation(request.user, caps.RECORD, home.organisation, seen_with=caps.VIEW)

    def work() -> dict:
        done = services.mobile_returned(actor=Actor.from_request(request), mobile=spell,
                                        returned_on=payload.returned_on)
        done.partner = None
        return MobileOut.model_validate(_spell(done)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="members.mobile.return",
                body=_body(payload), work=work, status=200)


class PostIn(StrictIn):
    organisation_id: StrictObjectId = Field(description="党组织编号")
    member_id: StrictObjectId = Field(description="本组织的党员编号")
    title: Literal["secretary", "deputy", "committee", "group_leader"] = Field(
        description="职务：secretary 书记 / deputy 副书记 / committee 委员 / group_leader 党小组长")
    started_on: StrictDate = Field(description="任职日期")


@router.post("/posts/", response={201: PostOut, **ERRORS}, summary="记录任职（幂等；已任该职、书记在任 409）")
@api_errors(fields=FIELDS)
def appoint_post(request, response: HttpResponse, payload: PostIn, idempotency_key: RequiredKey = None):
    _need(request.user)
    organisation = access_organisation(request.user, pk=payload.organisation_id, capability=caps.VIEW)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)
    member = selectors.members_seen(request.user).filter(pk=payload.member_id).first()
    if member is None:
        raise DjangoValidationError({"member_id": f"党员 {payload.member_id} 不在您能看到的名册中"})

    def work() -> dict:
        post = services.appoint_post(actor=Actor.from_request(request), organisation=organisation, member=member,
                                     title=payload.title, started_on=payload.started_on)
        return PostOut.model_validate(_post(post, member)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="members.post.appoint",
                body=_body(payload), work=work)


class PostEndIn(StrictIn):
    ended_on: StrictDate = Field(description="离任日期")


@router.post("/posts/{int:post_id}/end/", response={200: PostOut, **ERRORS}, summary="离任（已离任 409）")
@api_errors(fields=FIELDS)
def end_post(request, response: HttpResponse, post_id: ObjectId, payload: PostEndIn,
             idempotency_key: OptionalKey = None):
    _need(request.user)
    post = access_scoped(visible_organisations(request.user, Post.objects.select_related("organisation", "member"),
                                               caps.VIEW, via="organisation__"), pk=post_id)
    require_organisation(request.user, caps.RECORD, post.organisation, seen_with=caps.VIEW)

    def work() -> dict:
        done = services.end_post(actor=Actor.from_request(request), post=post, ended_on=payload.ended_on)
        return PostOut.model_validate(_post(done, post.member)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="members.post.end",
                body=_body(payload), work=work, status=200)


class HomeReportRowOut(Schema):
    id: int
    member_id: int
    member_name: str
    organisation: PartyOrganisationRef = Field(description="报到的社区（小区）党组织")
    unit_name: str | None = Field(description="该日组织关系所在党组织")
    started_on: date
    ended_on: date | None
    service: str
    hours: str = Field(description="服务时长（小时，一位小数）：手工记录加志愿服务确认的时长")
    day: date


class HomeReportsQuery(Schema):
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    limit: Limit = 50
    cursor: Cursor = None


def _home_report(r, day: date) -> dict:
    return {"id": r.pk, "member_id": r.member_id, "member_name": r.member.name, "organisation": _org(r.organisation),
            "unit_name": r.unit_name, "started_on": r.started_on, "ended_on": r.ended_on, "service": r.service,
            "hours": str(r.total_hours), "day": day}


@router.get("/home-reports/", response={200: Page(HomeReportRowOut), **READ_ERRORS},
            summary="在职党员到社区报到（截至某日）")
@api_errors(fields=FIELDS)
def list_home_reports(request, filters: Query[HomeReportsQuery]):
    _need(request.user)
    day = filters.day or timezone.localdate()
    limit, position = filters.limit, position_of(filters.cursor)
    rows = home_reports_with_hours(selectors.home_reports(request.user, day=day)[position:position + limit + 1])
    return page([_home_report(r, day) for r in rows], limit, position)


class HoursIn(StrictIn):
    hours: Decimal = Field(gt=0, max_digits=5, decimal_places=1, description="本次增加的服务时长（小时，一位小数）")


@router.post("/home-reports/{int:report_id}/hours/", response={200: HomeReportRowOut, **ERRORS},
             summary="记录双报到党员的服务时长（累加；报到已结束 409）")
@api_errors(fields=FIELDS)
def add_home_report_hours(request, response: HttpResponse, report_id: ObjectId, payload: HoursIn,
                          idempotency_key: OptionalKey = None):
    _need(request.user)
    day = timezone.localdate()
    report = access_scoped(selectors.home_reports(request.user, day=day), pk=report_id)

    def work() -> dict:
        services.add_home_report_hours(actor=Actor.from_request(request), report=report, hours=payload.hours)
        [fresh] = home_reports_with_hours(selectors.home_reports(request.user, day=day).filter(pk=report.pk))
        return HomeReportRowOut.model_validate(_home_report(fresh, day)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="members.home_report.hours",
                body=_body(payload), work=work, status=200)


# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and import, through the pages' views
# and the one import service.
# ---------------------------------------------------------------------------------------------


class RegisterXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="截至哪一天（YYYY-MM-DD），默认今天")
    organisation_id: ObjectId | None = Field(None, description="只导出该党组织（及其下级）的党员")
    area_code: str | None = Field(None, max_length=32, description="只导出该区域的党员")


@router.get("/members/register/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("党员名册（.xlsx），与网页导出的相同：调用者可导出的党员，截至该日；"
                                   "手机号仅对本组织有记录权限者填写"),
            summary="导出党员名册（Excel）")
@api_errors
def register_xlsx(request, filters: Query[RegisterXlsxQuery]):
    page_query(request, day=filters.day, organisation=filters.organisation_id, area=filters.area_code)
    return views.register_xlsx(request)


@router.get("/mobile-members/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("流动党员名册（.xlsx），与网页导出的相同：调用者可见的今日在外流动党员"),
            summary="导出流动党员名册（Excel）")
@api_errors
def mobile_xlsx(request):
    page_query(request)
    return views.mobile_xlsx(request)


@router.get("/members/import/template/", response=FILE_ERRORS,
            openapi_extra=download("党员名册导入模板（.xlsx）：表头与一行示例"), summary="党员名册导入模板（Excel）")
@api_errors
def register_import_template(request):
    page_query(request)
    return views.register_import_template(request)


class MembersImportedOut(Schema):
    members: int = Field(description="导入的党员数")
    member_ids: list[int]
    message: str = Field(description="与网页的提示相同，如“已导入 2 名党员”")


@router.post("/members/import/", response={201: MembersImportedOut, **FILE_ERRORS},
             summary="导入党员名册（Excel，multipart 字段 file；全部成功或全部不导入，幂等）")
@api_errors
def register_import(request, response: HttpResponse, file: File[UploadedFile], idempotency_key: RequiredKey = None):
    """The page's import: every row is checked before any is written (党组织代码 within the caller's reach, a
    身份证号 matching a resident of its area); any problem answers 422 with ``errors`` keyed ``"第N行 列名"`` and
    nothing is written."""
    require_party(request.user, caps.MANAGE)

    def done(admitted: list[Member]) -> dict:
        return {"members": len(admitted), "member_ids": [m.pk for m in admitted],
                "message": f"已导入 {len(admitted)} 名党员"}

    return import_once(request, response, upload=file, key=idempotency_key, action="members.register.import",
                       run=lambda upload: services.import_register(actor=Actor.from_request(request), upload=upload),
                       done=done)
