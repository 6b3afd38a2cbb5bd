"""Claims, reviews, notices and objections in the API (/api/points/claims/, reviews/, notices/, objections/,
public/): the points recording side (docs/api.md "Points recording and public notices")."""

from datetime import date, datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as PydanticValidationError

from grassroots.access.scope import access_object, scope_of, visible
from grassroots.api.common import (
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    area_ref,
    once,
    page,
    position_of,
    user_name,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    api_errors,
    error_response,
    field_errors_response,
    schema_errors,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor, client_ip
from grassroots.catalogue.api import rule_for
from grassroots.catalogue.models import RuleVersion
from grassroots.claims import selectors, services
from grassroots.claims.models import (
    Claim,
    ClaimStatus,
    LineStatus,
    Notice,
    NoticeLine,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    ReviewDecision,
)
from grassroots.core import ratelimit
from grassroots.core.photos import checked_upload
from grassroots.ledger.models import LedgerEntry
from grassroots.points import capabilities as caps
from grassroots.points.api_common import (
    ERRORS,
    READ_ERRORS,
    AreaCode,
    AreaRef,
    PersonRef,
    VillageCode,
    require_reaching,
    village_for,
    with_areas,
)
from grassroots.rules.masking import mask_name
from grassroots.rules.points import short_hash
from grassroots.settlement.models import PointsPolicy, default_stages

router = Router(tags=["积分制"])

MAX_BATCH = services.MAX_BATCH



def _stages_by_village(village_ids) -> dict[int, list[dict]]:
    ids = set(village_ids)
    found = dict(PointsPolicy.objects.filter(village_id__in=ids).values_list("village_id", "stages")) if ids else {}
    return {vid: found.get(vid) or default_stages() for vid in ids}


def _stage_name(stages: list[dict], claim: Claim) -> str:
    if claim.status != ClaimStatus.IN_REVIEW:
        return ""
    return stages[claim.stage]["name"] if claim.stage < len(stages) else ""


class RuleVersionRef(Schema):
    id: int
    rule_id: int
    code: str
    version: int
    title: str
    points: int
    unit_label: str


class DecisionOut(Schema):
    stage: int
    stage_name: str
    approved: bool
    reason: str
    reviewer: str
    decided_at: datetime


class DuplicateRef(Schema):
    id: int
    person: PersonRef
    rule_code: str
    rule_title: str
    deed_date: date
    status: str
    status_label: str
    quantity: int
    points: int
    recorder: str
    created_at: datetime


class ClaimOut(Schema):
    id: int
    batch: str
    status: str
    status_label: str
    stage: int
    stage_name: str = Field(description="正在等待的审核环节；不在审核中时为空")
    village: AreaRef
    grid: AreaRef
    household_id: int
    household_number: str
    person: PersonRef
    rule: RuleVersionRef
    quantity: int
    points: int
    deed_date: date
    note: str
    has_photo: bool
    recorder: str
    resubmits_id: int | None
    created_at: datetime
    possible_duplicates: list[DuplicateRef] = Field(
        default_factory=list, description="可能重复：同一人、同一项目、同一天的其他有效申报（审核中、公示中、已入账）")


class NoticeRef(Schema):
    id: int
    token: str
    status: str
    closes_at: datetime


class ClaimDetailOut(ClaimOut):
    decisions: list[DecisionOut]
    notice: NoticeRef | None
    line_status: str | None
    entry_id: int | None


class RecordedOut(Schema):
    batch: str
    points: int = Field(description="本批合计分值")
    claims: list[ClaimOut] = Field(description="本批记录的申报，每人一条")


class ReviewedClaim(Schema):
    id: int
    status: str
    status_label: str
    stage: int
    stage_name: str


class ReviewOut(Schema):
    batch: str
    reviewed: int
    approved: bool
    claims: list[ReviewedClaim]
    notices: list[NoticeRef] = Field(description="末级审核通过后新开的公示")


class ObjectionOut(Schema):
    id: int
    reference: str = Field(description="受理编号（提出异议的群众凭此查询结论）")
    line_id: int
    notice_id: int
    reason: str
    contact_name: str | None = Field(description="仅对有权复议者显示")
    contact_phone: str | None = Field(description="仅对有权复议者显示")
    status: str
    status_label: str
    created_at: datetime
    decision_reason: str
    decided_by: str | None
    decided_at: datetime | None


class ChainHead(Schema):
    seq: int
    hash: str
    short: str


class NoticeOut(Schema):
    id: int
    token: str
    village: AreaRef
    grid: AreaRef
    opened_at: datetime
    closes_at: datetime
    status: str
    status_label: str
    open_for_objections: bool
    line_count: int
    open_objections: int
    chain: ChainHead | None
    public_url: str


class NoticeLineOut(Schema):
    id: int
    status: str
    status_label: str
    claim_id: int
    person: PersonRef
    household_number: str
    rule: RuleVersionRef
    quantity: int
    points: int
    deed_date: date
    objections: list[ObjectionOut]


class NoticeDetailOut(NoticeOut):
    lines: list[NoticeLineOut]


class PublicLineOut(Schema):
    id: int = Field(description="公示条目编号：提出异议时作为 line_id")
    name: str = Field(description="姓名已遮蔽，如 乌***格")
    household_number: str = Field(description="户号（与公示栏所示相同）")
    rule_code: str
    rule_title: str
    quantity: int
    unit_label: str
    points: int
    deed_date: date
    status: str
    status_label: str
    under_review: bool = Field(description="有待复议的异议")


class PublicNoticeOut(Schema):
    token: str
    village: AreaRef
    grid: AreaRef
    opened_at: datetime
    closes_at: datetime
    status: str
    status_label: str
    open_for_objections: bool
    total_points: int
    lines: list[PublicLineOut]
    chain: ChainHead | None


class ObjectionReceipt(Schema):
    id: int
    reference: str = Field(description="受理编号，如 26-7KQ3PX：凭此在 GET public/objections/{reference}/ 查询复议结论")
    line_id: int
    status: str
    status_label: str
    created_at: datetime
    message: str


class PublicObjectionLineOut(Schema):
    id: int
    name: str = Field(description="姓名已遮蔽")
    household_number: str
    rule_title: str
    deed_date: date
    points: int
    status: str
    status_label: str


class PublicObjectionOut(Schema):
    reference: str
    status: str = Field(description="open 待复议；upheld 异议成立（该条撤销）；dismissed 异议不成立")
    status_label: str
    created_at: datetime
    notice_token: str
    village: AreaRef
    grid: AreaRef
    line: PublicObjectionLineOut
    decision_reason: str | None = Field(description="村两委的复议意见；未复议时为 null")
    decided_at: datetime | None


class TodayOut(Schema):
    today: date
    now: datetime
    timezone: str


def version_ref(v: RuleVersion, code: str) -> dict:
    return {"id": v.pk, "rule_id": v.rule_id, "code": code, "version": v.version, "title": v.title,
            "points": v.points, "unit_label": v.get_unit_display()}


def _duplicate_ref(c: Claim) -> dict:
    return {"id": c.pk, "person": {"id": c.person_id, "name": c.person.name}, "rule_code": c.rule_version.rule.code,
            "rule_title": c.rule_version.title, "deed_date": c.deed_date, "status": c.status,
            "status_label": c.get_status_display(), "quantity": c.quantity, "points": c.points,
            "recorder": user_name(c.recorder), "created_at": c.created_at}


def _claim(c: Claim, stages: list[dict], duplicates: dict[int, list[Claim]] | None = None) -> dict:
    return {
        "id": c.pk, "batch": c.batch, "status": c.status, "status_label": c.get_status_display(), "stage": c.stage,
        "stage_name": _stage_name(stages, c), "village": area_ref(c.village), "grid": area_ref(c.grid),
        "household_id": c.household_id, "household_number": c.household.number,
        "person": {"id": c.person_id, "name": c.person.name},
        "rule": version_ref(c.rule_version, c.rule_version.rule.code), "quantity": c.quantity, "points": c.points,
        "deed_date": c.deed_date, "note": c.note, "has_photo": bool(c.photo), "recorder": user_name(c.recorder),
        "resubmits_id": c.resubmits_id, "created_at": c.created_at,
        "possible_duplicates": [_duplicate_ref(o) for o in (duplicates or {}).get(c.pk, [])],
    }


def _duplicate_refused(exc: services.DuplicateClaims) -> HttpResponse:
    """409 in the one error body: the same person already has a live claim under this rule for this day.
    ``errors.duplicate`` describes each live claim found (who, what, which day, its id, status, recorder),
    ``errors.duplicate_claim_ids`` holds their ids (``GET claims/{claim_id}/`` reads each)."""
    names = "、".join(dict.fromkeys(c.person.name for c in exc.found))
    detail = (f"{names}：同一天同一项目已有申报，可能重复记分。{'；'.join(exc.messages)}。"
              "如确是另一件事，请在请求中加 \"allow_duplicate\": true 再提交")
    return error_response(409, detail, {"duplicate": list(exc.messages),
                                        "duplicate_claim_ids": [str(c.pk) for c in exc.found]})


def decision_out(d: ReviewDecision) -> dict:
    return {"stage": d.stage, "stage_name": d.stage_name, "approved": d.approved, "reason": d.reason,
            "reviewer": user_name(d.reviewer), "decided_at": d.decided_at}


def _notice_ref(n: Notice) -> dict:
    return {"id": n.pk, "token": n.token, "status": n.status, "closes_at": n.closes_at}


def chain_out(notice: Notice) -> dict | None:
    if not notice.chain_hash:
        return None
    return {"seq": notice.chain_seq, "hash": notice.chain_hash, "short": short_hash(notice.chain_hash)}


def _open_for_objections(notice: Notice) -> bool:
    return notice.status == NoticeStatus.OPEN and timezone.now() < notice.closes_at


def objection_out(o: Objection, notice_id: int, may_decide: bool) -> dict:
    return {
        "id": o.pk, "reference": o.reference, "line_id": o.line_id, "notice_id": notice_id, "reason": o.reason,
        "contact_name": o.contact_name if may_decide else None,
        "contact_phone": o.contact_phone if may_decide else None,
        "status": o.status, "status_label": o.get_status_display(), "created_at": o.created_at,
        "decision_reason": o.decision_reason, "decided_by": user_name(o.decided_by) if o.decided_by_id else None,
        "decided_at": o.decided_at,
    }


def _notice(n: Notice, *, line_count: int, open_objections: int) -> dict:
    return {
        "id": n.pk, "token": n.token, "village": area_ref(n.village), "grid": area_ref(n.grid), "opened_at": n.opened_at,
        "closes_at": n.closes_at, "status": n.status, "status_label": n.get_status_display(),
        "open_for_objections": _open_for_objections(n), "line_count": line_count,
        "open_objections": open_objections, "chain": chain_out(n),
        "public_url": f"/api/points/public/notices/{n.token}/",
    }

CLAIM_RELATED = ("household", "person", "rule_version__rule")
# The columns ``_claim`` shows of a claim and of what CLAIM_RELATED joins to it, not a person's sealed ID number
# and the rest. Its areas and recorder come from ``with_areas`` (two look-ups by key): joined here too, the
# query would have 8 tables, and PostgreSQL plans such a join in tens of milliseconds, more than the two
# look-ups take.
CLAIM_OUT_FIELDS = (
    "batch", "status", "stage", "path", "quantity", "points", "deed_date", "note", "photo", "resubmits_id",
    "created_at", "village_id", "grid_id", "recorder_id", "household__number", "person__name",
    "rule_version__rule_id", "rule_version__version", "rule_version__title", "rule_version__points",
    "rule_version__unit", "rule_version__rule__code",
)


def claims_out() -> QuerySet[Claim]:
    """Claims with the columns ``_claim`` shows (with ``with_areas(..., recorders=True)``)."""
    return Claim.objects.select_related(*CLAIM_RELATED).only(*CLAIM_OUT_FIELDS)


class ClaimIn(StrictIn):
    person_ids: list[StrictObjectId] = Field(min_length=1, max_length=MAX_BATCH, description="一人或多人（一次最多200人）")
    rule_id: StrictObjectId
    quantity: StrictInt = Field(1, description="数量：次数、车次、小时或天数，1–1000")
    deed_date: StrictDate = Field(description="事项发生的日期（YYYY-MM-DD），三个月内，不晚于今天")
    note: StrictStr = Field("", max_length=200)
    allow_duplicate: StrictBool = Field(
        False, description="同一人、同一项目、同一天已有有效申报时默认拒绝（409）；网格员核实确是另一件事后设为 true 再提交")


def _record(request, payload: ClaimIn, photo=None) -> dict:
    """Check the rule and the caller's right to record, then record the batch; the response body."""
    rule = rule_for(request.user, payload.rule_id)
    if rule.rule_set.is_template:
        raise DjangoValidationError({"rule_id": "模板中的项目不能直接记分，请选择本村积分细则中的项目"})
    village = rule.rule_set.area
    require_reaching(request.user, caps.RECORD, village.path, "您没有记录积分的权限")
    claims = services.record_claims(actor=Actor.from_request(request), person_ids=payload.person_ids, rule=rule,
                                    quantity=payload.quantity, deed_date=payload.deed_date, note=payload.note,
                                    photo=photo, allow_duplicate=payload.allow_duplicate)
    stages = _stages_by_village([village.pk])[village.pk]
    for claim in claims:
        claim.recorder = request.user
    duplicates = selectors.recorded_duplicates(request.user, claims) if payload.allow_duplicate else {}
    body = {"batch": claims[0].batch, "points": sum(c.points for c in claims),
            "claims": [_claim(c, stages, duplicates) for c in claims]}
    return RecordedOut.model_validate(body).model_dump(mode="json")

CREATE_RESPONSES = {201: RecordedOut, **ERRORS}


@router.post("/claims/", response=CREATE_RESPONSES, summary="记录积分（一人或多人一次，幂等）")
@api_errors
def record_claims(request, response: HttpResponse, payload: ClaimIn, idempotency_key: RequiredKey = None):
    """Idempotency-Key is required. A rule that requires a photo cannot be recorded here: use
    ``POST claims/with-photo/`` (multipart)."""

    def work() -> dict:
        try:
            return _record(request, payload)
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "photo" in exc.error_dict:
                raise DjangoValidationError({"photo": [
                    f"{m}：请改用 POST /api/points/claims/with-photo/（multipart，字段 data 与 photo）上传照片"
                    for m in exc.message_dict["photo"]]}) from None
            raise

    try:
        return once(request, response, key=idempotency_key, required=True, action="points.claims.record",
                    body=payload.model_dump(mode="json"), work=work)
    except services.DuplicateClaims as exc:
        return _duplicate_refused(exc)


@router.post("/claims/with-photo/", response=CREATE_RESPONSES, summary="记录积分并附照片（multipart，幂等）")
@api_errors
def record_claims_with_photo(request, response: HttpResponse,
                             data: Form[str], photo: File[UploadedFile], idempotency_key: RequiredKey = None):
    """The same body as ``POST claims/``, as the JSON text of the form field ``data``, with the photo
    in the file field ``photo``. The photo is checked to be an image and re-encoded (EXIF and its
    GPS position dropped) before it is stored; one photo serves the whole batch."""
    try:
        payload = ClaimIn.model_validate_json(data)
    except PydanticValidationError as exc:
        return field_errors_response(schema_errors(exc.errors()))
    checked = checked_upload(photo, field="photo")

    def work() -> dict:
        return _record(request, payload, photo=checked)

    try:
        return once(request, response, key=idempotency_key, required=True, action="points.claims.record",
                    body={**payload.model_dump(mode="json"), "photo": checked.sha256}, work=work)
    except services.DuplicateClaims as exc:
        return _duplicate_refused(exc)


class ClaimsQuery(Schema):
    mine: bool = Field(False, description="只看我记录的")
    to_review: bool = Field(False, description="只看正等待我审核的（按各村的审核环节）")
    status: ClaimStatus | None = None
    area_code: VillageCode = None
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/claims/", response={200: Page(ClaimOut), **READ_ERRORS}, summary="申报列表（我记录的、待我审核的、按状态）")
@api_errors
def list_claims(request, filters: Query[ClaimsQuery]):
    user = request.user
    mine, to_review, status, area_code = filters.mine, filters.to_review, filters.status, filters.area_code
    limit, position = filters.limit, position_of(filters.cursor)
    if to_review:
        queue = selectors.review_queue(user, limit=position + limit + 1)
        if mine:
            queue = [c for c in queue if c.recorder_id == user.pk]
        if status is not None and status != ClaimStatus.IN_REVIEW:
            queue = []
        if area_code:
            area = village_for(user, area_code)
            queue = [c for c in queue if c.path.startswith(area.path)]
        claims = queue[position:position + limit + 1]
        prefetch_related_objects(claims, "rule_version__rule")
    else:
        chosen = visible(user, Claim.objects.all(), caps.VIEW)
        if mine:
            chosen = chosen.filter(recorder=user)
        if status is not None:
            chosen = chosen.filter(status=status)
        if area_code:
            chosen = chosen.filter(path__startswith=village_for(user, area_code).path)
        # The page is chosen among the claims alone, then only its rows are joined to their people and rules
        # (joined first, every claim in the caller's areas would be, to keep limit + 1 of them).
        page_ids = chosen.order_by("-created_at", "-id").values("pk")[position:position + limit + 1]
        claims = with_areas(list(claims_out().filter(pk__in=Subquery(page_ids)).order_by("-created_at", "-id")),
                            recorders=True, caller=user)
    stages = _stages_by_village(c.village_id for c in claims)
    duplicates = selectors.possible_duplicates(user, claims[:limit])
    return page([_claim(c, stages[c.village_id], duplicates) for c in claims], limit, position)


@router.get("/claims/{int:claim_id}/", response={200: ClaimDetailOut, **READ_ERRORS}, summary="申报详情（含审核记录）")
@api_errors
def get_claim(request, claim_id: ObjectId):
    claim = access_object(request.user, claims_out(), pk=claim_id)
    with_areas([claim], recorders=True, caller=request.user)
    stages = _stages_by_village([claim.village_id])[claim.village_id]
    line = NoticeLine.objects.select_related("notice").filter(claim=claim).first()
    entry_id = LedgerEntry.objects.filter(claim=claim).values_list("pk", flat=True).first()
    return {
        **_claim(claim, stages, selectors.possible_duplicates(request.user, [claim])),
        "decisions": [decision_out(d) for d in claim.decisions.select_related("reviewer").order_by("stage", "decided_at")],
        "notice": _notice_ref(line.notice) if line else None, "line_status": line.status if line else None,
        "entry_id": entry_id,
    }


def _recorded_claim(request, claim_id: int) -> Claim:
    """A claim the caller sees (404 otherwise) and may record in (403 for a member who may only look)."""
    claim = access_object(request.user, Claim.objects.select_related(*CLAIM_RELATED), pk=claim_id)
    require_reaching(request.user, caps.RECORD, claim.path, "您没有记录积分的权限")
    return claim


def _claim_body(user, pk: int) -> dict:
    claim = claims_out().get(pk=pk)
    with_areas([claim], recorders=True, caller=user)
    stages = _stages_by_village([claim.village_id])[claim.village_id]
    body = _claim(claim, stages, selectors.possible_duplicates(user, [claim]))
    return ClaimOut.model_validate(body).model_dump(mode="json")


@router.post("/claims/{int:claim_id}/withdraw/", response={200: ClaimOut, **ERRORS},
             summary="撤回审核中的申报（仅记录人；再次撤回无副作用）")
@api_errors
def withdraw_claim(request, response: HttpResponse, claim_id: ObjectId, idempotency_key: OptionalKey = None):
    """The recorder takes back a claim still in review, at any stage: it leaves every review queue and
    never reaches a notice (status ``cancelled``). A claim already on its notice or decided cannot be
    withdrawn (409; an objection can take a line off its notice). Withdrawing again answers 200 with the
    claim unchanged."""
    claim = _recorded_claim(request, claim_id)

    def work() -> dict:
        services.withdraw_claim(actor=Actor.from_request(request), claim=claim)
        return _claim_body(request.user, claim.pk)

    return once(request, response, key=idempotency_key, required=False, action="points.claims.withdraw",
                body={}, work=work, status=200)


class ResubmitIn(StrictIn):
    quantity: Annotated[StrictInt, Field(ge=1, le=1000)] | None = Field(None, description="改正后的数量；不填沿用原数量")
    note: Annotated[StrictStr, Field(max_length=200)] | None = Field(None, description="改正后的说明；不填沿用原说明")
    allow_duplicate: StrictBool = Field(False, description="同 POST claims/：已有同一人同一项目同一天的有效申报时须设为 true")


@router.post("/claims/{int:claim_id}/resubmit/", response={201: ClaimOut, **ERRORS},
             summary="修改后重新提交被退回的申报（仅记录人，幂等）")
@api_errors
def resubmit_claim(request, response: HttpResponse, claim_id: ObjectId, payload: ResubmitIn,
                   idempotency_key: RequiredKey = None):
    """A rejected claim, corrected, goes into review again as a new claim (``resubmits_id`` names the
    old one); the photo of the old claim is kept. Idempotency-Key is required. Once only per claim."""
    claim = _recorded_claim(request, claim_id)

    def work() -> dict:
        new = services.resubmit_claim(actor=Actor.from_request(request), claim=claim, quantity=payload.quantity,
                                      note=payload.note, allow_duplicate=payload.allow_duplicate)
        return _claim_body(request.user, new.pk)

    try:
        return once(request, response, key=idempotency_key, required=True, action="points.claims.resubmit",
                    body=payload.model_dump(mode="json"), work=work)
    except services.DuplicateClaims as exc:
        return _duplicate_refused(exc)


class ReviewIn(StrictIn):
    claim_ids: list[StrictObjectId] = Field(min_length=1, max_length=MAX_BATCH)
    approve: StrictBool
    reasons: dict[str, Annotated[StrictStr, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=MAX_BATCH, description="退回理由：{申报编号: 理由}；退回时每条都须写明")


@router.post("/reviews/", response={201: ReviewOut, **ERRORS}, summary="批量审核：通过或退回（幂等）")
@api_errors
def review_claims(request, response: HttpResponse, payload: ReviewIn, idempotency_key: RequiredKey = None):
    """Approve or reject a batch at the caller's stage: 201, it records one review decision per claim (and
    opens the notices of a last stage). Idempotency-Key is required: the village secretary reviews at two
    stages, so a blind retry would otherwise approve twice. A claim already decided, or waiting at a stage
    the caller does not review, refuses the batch (409); a rejection without its reason is 422."""
    user = request.user
    ids = list(dict.fromkeys(payload.claim_ids))
    reasons: dict[int, str] = {}
    for key, reason in payload.reasons.items():
        if not key.isdigit() or int(key) not in ids:
            raise DjangoValidationError({"reasons": f"理由所对应的申报 {key} 不在本次审核之中"})
        reasons[int(key)] = reason

    def work() -> dict:
        claims = list(visible(user, Claim.objects.filter(pk__in=ids), caps.VIEW).only("pk", "path", "village_id"))
        if len(claims) != len(ids):
            raise Http404("未找到")
        stages = _stages_by_village(c.village_id for c in claims)
        scope = scope_of(user)
        if not any(scope.has_role({r for s in stages[c.village_id] for r in s["roles"]}, c.path) for c in claims):
            raise PermissionDenied("您不是这些申报的审核人")
        result = services.review_claims(actor=Actor.from_request(request), claim_ids=ids, approve=payload.approve,
                                        reasons=reasons)
        after = {c.pk: c for c in Claim.objects.filter(pk__in=ids).order_by("pk")}
        body = {
            "batch": result["batch"], "reviewed": result["reviewed"], "approved": payload.approve,
            "claims": [{"id": c.pk, "status": c.status, "status_label": c.get_status_display(), "stage": c.stage,
                        "stage_name": _stage_name(stages[c.village_id], c)} for c in after.values()],
            "notices": [_notice_ref(n) for n in result["notices"]],
        }
        return ReviewOut.model_validate(body).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="points.claims.review",
                body=payload.model_dump(mode="json"), work=work)


def _notices_with_counts(user):
    return visible(user, Notice.objects.select_related("grid", "village"), caps.VIEW).annotate(
        line_count=Count("lines", distinct=True),
        open_objections=Count("lines__objections", filter=Q(lines__objections__status=ObjectionStatus.OPEN),
                              distinct=True))


class NoticesQuery(Schema):
    status: NoticeStatus | None = None
    area_code: VillageCode = None
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/notices/", response={200: Page(NoticeOut), **READ_ERRORS}, summary="公示列表")
@api_errors
def list_notices(request, filters: Query[NoticesQuery]):
    status, area_code, limit, position = filters.status, filters.area_code, filters.limit, position_of(filters.cursor)
    notices = _notices_with_counts(request.user)
    if status is not None:
        notices = notices.filter(status=status)
    if area_code:
        notices = notices.filter(path__startswith=village_for(request.user, area_code).path)
    notices = list(notices.order_by("-opened_at", "-id")[position:position + limit + 1])
    return page([_notice(n, line_count=n.line_count, open_objections=n.open_objections) for n in notices],
                limit, position)


@router.get("/notices/{int:notice_id}/", response={200: NoticeDetailOut, **READ_ERRORS},
            summary="公示详情（工作人员视图：全名、异议）")
@api_errors
def get_notice(request, notice_id: ObjectId):
    notice = access_object(request.user, Notice.objects.select_related("grid", "village"), pk=notice_id)
    lines = list(
        notice.lines.select_related("claim", "claim__person", "claim__household")
        .prefetch_related("claim__rule_version__rule",
                          Prefetch("objections", queryset=Objection.objects.select_related("decided_by")
                                   .order_by("created_at")))
        .order_by("id"))
    may_decide = scope_of(request.user).can(caps.DECIDE_OBJECTIONS, notice.path)
    out = []
    open_objections = 0
    for line in lines:
        c = line.claim
        objections = [objection_out(o, notice.pk, may_decide) for o in line.objections.all()]
        open_objections += sum(1 for o in objections if o["status"] == ObjectionStatus.OPEN)
        out.append({
            "id": line.pk, "status": line.status, "status_label": line.get_status_display(), "claim_id": c.pk,
            "person": {"id": c.person_id, "name": c.person.name}, "household_number": c.household.number,
            "rule": version_ref(c.rule_version, c.rule_version.rule.code), "quantity": c.quantity,
            "points": c.points, "deed_date": c.deed_date, "objections": objections,
        })
    return {**_notice(notice, line_count=len(lines), open_objections=open_objections), "lines": out}


class ObjectionsQuery(Schema):
    status: ObjectionStatus | None = Field(None, description="默认全部；open 为待复议")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/objections/", response={200: Page(ObjectionOut), **READ_ERRORS}, summary="异议列表")
@api_errors
def list_objections(request, filters: Query[ObjectionsQuery]):
    user = request.user
    status, limit, position = filters.status, filters.limit, position_of(filters.cursor)
    objections = visible(user, Objection.objects.select_related("line", "line__notice", "decided_by"), caps.VIEW,
                         field="line__notice__path")
    if status is not None:
        objections = objections.filter(status=status)
    objections = list(objections.order_by("-created_at", "-id")[position:position + limit + 1])
    scope = scope_of(user)
    return page([objection_out(o, o.line.notice_id, scope.can(caps.DECIDE_OBJECTIONS, o.line.notice.path))
                 for o in objections], limit, position)


class DecisionIn(StrictIn):
    uphold: StrictBool = Field(description="true：异议成立，该条撤销；false：异议不成立，该条保留")
    reason: StrictStr = Field(min_length=1, max_length=500, description="复议意见")


@router.post("/objections/{int:objection_id}/decision/", response={201: ObjectionOut, **ERRORS},
             summary="村两委复议异议（幂等）")
@api_errors
def decide_objection(request, response: HttpResponse, objection_id: ObjectId, payload: DecisionIn,
                     idempotency_key: RequiredKey = None):
    """The committees' decision on an objection: 201 with the objection as decided. Idempotency-Key is
    required. An objection already decided is 409."""
    user = request.user
    objection = selectors.objection_for(user, objection_id)

    def work() -> dict:
        decided = services.decide_objection(actor=Actor.from_request(request), objection=objection,
                                            uphold=payload.uphold, reason=payload.reason)
        decided.decided_by = user
        return ObjectionOut.model_validate(objection_out(decided, objection.line.notice_id, True)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="points.objection.decide",
                body=payload.model_dump(mode="json"), work=work)


# --- public routes: no account, masked names, rate-limited per address (docs/api.md "Public routes") ---------


def _public_notice(token: str) -> Notice:
    if not token or len(token) > 20:
        raise Http404("未找到该公示")
    return selectors.public_notice(token)


def _too_many(request, scope: str) -> HttpResponse | None:
    """429 in the one error body when this address has used up ``scope`` for the window, else None."""
    decision = ratelimit.check(request, scope)
    return None if decision.allowed else _rate_limited(decision.retry_after)


def _rate_limited(wait: int) -> HttpResponse:
    response = error_response(429, f"请求过于频繁，请{max(1, wait // 60)}分钟后再试")
    response["Retry-After"] = str(wait)
    return response


PUBLIC_READ_ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.get("/public/today/", auth=None, response={200: TodayOut}, summary="服务器日期（公开）")
def today(request):
    """The server's date and time: a phone with a wrong clock learns which deed dates it may record."""
    return {"today": timezone.localdate(), "now": timezone.now(), "timezone": settings.TIME_ZONE}


def _public_line(line: NoticeLine) -> dict:
    """One line as a resident sees it: masked name, household number (as on the printed board), rule, day,
    points; never a phone, an ID number, a tag or party membership."""
    c = line.claim
    return {
        "id": line.pk, "name": mask_name(c.person.name), "household_number": c.household.number,
        "rule_code": c.rule_version.rule.code, "rule_title": c.rule_version.title, "quantity": c.quantity,
        "unit_label": c.rule_version.get_unit_display(), "points": c.points, "deed_date": c.deed_date,
        "status": line.status, "status_label": line.get_status_display(),
        "under_review": any(o.status == ObjectionStatus.OPEN for o in line.objections.all()),
    }


def _public_notice_out(notice: Notice) -> dict:
    lines = [_public_line(line) for line in notice.lines.all()]
    return {
        "token": notice.token, "village": area_ref(notice.village), "grid": area_ref(notice.grid),
        "opened_at": notice.opened_at, "closes_at": notice.closes_at, "status": notice.status,
        "status_label": notice.get_status_display(), "open_for_objections": _open_for_objections(notice),
        "total_points": sum(o["points"] for o in lines if o["status"] == LineStatus.STANDING),
        "lines": lines, "chain": chain_out(notice),
    }


@router.get("/public/notices/{token}/", auth=None, response={200: PublicNoticeOut, **PUBLIC_READ_ERRORS},
            summary="公示（公开，姓名已遮蔽）")
@api_errors
def public_notice(request, token: str):
    limited = _too_many(request, "points:api:notices")
    if limited is not None:
        return limited
    return _public_notice_out(_public_notice(token))


class PublicNoticesQuery(Schema):
    limit: Limit = 20
    cursor: Cursor = None


@router.get("/public/villages/{code}/notices/", auth=None, response={200: Page(PublicNoticeOut), **PUBLIC_READ_ERRORS},
            summary="本村公示期内的公示（公开，姓名已遮蔽）")
@api_errors
def public_village_notices(request, code: AreaCode, filters: Query[PublicNoticesQuery]):
    """The village's notices still open for objections, newest first, each with its lines: a resident
    finds the notice (its ``token``) and the line (its ``id``) to object to. Rate-limited per address."""
    limited = _too_many(request, "points:api:notices")
    if limited is not None:
        return limited
    village = selectors.public_village(code)
    limit, position = filters.limit, position_of(filters.cursor)
    notices = selectors.open_public_notices(village, position=position, limit=limit)
    return page([_public_notice_out(n) for n in notices], limit, position)


class PublicObjectionIn(StrictIn):
    line_id: StrictObjectId = Field(description="所异议的公示条目（公示中各条的 id）")
    reason: StrictStr = Field(max_length=500, description="异议理由，至少4个字")
    contact_name: StrictStr = Field("", max_length=50, description="联系人（不公开）")
    contact_phone: StrictStr = Field("", max_length=20, description="联系电话（不公开）")


class _RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _receipt(objection: Objection) -> dict:
    return ObjectionReceipt.model_validate({
        "id": objection.pk, "reference": objection.reference, "line_id": objection.line_id,
        "status": objection.status, "status_label": objection.get_status_display(),
        "created_at": objection.created_at,
        "message": f"异议已受理，受理编号 {objection.reference}。村两委将复议并记录理由，复议前该条暂不入账；"
                   "可凭受理编号查询复议结论",
    }).model_dump()


@router.post("/public/notices/{token}/objections/", auth=None,
             response={201: ObjectionReceipt, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             summary="对公示条目提出异议（公开，幂等，按来源地址限频）")
@api_errors
def public_objection(request, response: HttpResponse, token: str, payload: PublicObjectionIn,
                     idempotency_key: RequiredKey = None):
    """File an objection to one line of an open notice: 201 with its ``reference`` ("26-7KQ3PX"), which
    the resident keeps to look the decision up at ``GET public/objections/{reference}/``.

    Idempotency-Key is required and held per client address: a retry with the same key files nothing new
    and answers the first receipt (same reference). Filings are rate-limited per address (429 with
    Retry-After); a replay is not counted. A notice whose period is over, or a line already withdrawn, is
    409."""
    notice = _public_notice(token)
    line = next((line for line in notice.lines.all() if line.pk == payload.line_id), None)
    if line is None:
        raise DjangoValidationError({"line_id": "该公示中没有这一条"})

    def work() -> dict:
        # Counted with the filing itself: a replay is not counted, a refused filing rolls its count back.
        decision = ratelimit.check(request, "points:api:objection")
        if not decision.allowed:
            raise _RateLimited(decision.retry_after)
        objection = services.raise_objection(actor=Actor.from_request(request), line=line, reason=payload.reason,
                                             contact_name=payload.contact_name, contact_phone=payload.contact_phone)
        return _receipt(objection)

    try:
        return once(request, response, key=idempotency_key, required=True, action="points.objection.raise",
                    body={"token": notice.token, **payload.model_dump(mode="json")}, work=work,
                    owner=f"points:objection:{client_ip(request) or 'unknown'}")
    except _RateLimited as exc:
        return _rate_limited(exc.retry_after)


# A reference as handed out: two digits of the year, a dash, six characters (models.REFERENCE_ALPHABET);
# what a resident types is read leniently (any case, spaces, a missing dash).
Reference = Annotated[str, Field(max_length=20, description="受理编号，如 26-7KQ3PX")]


NO_SUCH_REFERENCE = "未找到该受理编号，请核对后再查询（如 26-7KQ3PX）"


def _normal_reference(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:2]}-{raw[2:]}" if len(raw) == 8 else text.strip().upper()


@router.get("/public/objections/{reference}/", auth=None, response={200: PublicObjectionOut, **PUBLIC_READ_ERRORS},
            summary="凭受理编号查询异议的复议结论（公开，按来源地址限频）")
@api_errors
def public_objection_status(request, reference: Reference):
    """The objection a resident filed, by its reference: its status and, once decided, the committees'
    decision. The line is shown masked; the objection's own reason and contact are never shown.
    Counted per address before the look-up (found or not): guessing references is slowed."""
    limited = _too_many(request, "points:api:objection-lookup")
    if limited is not None:
        return limited
    try:
        objection = selectors.objection_by_reference(_normal_reference(reference))
    except Http404:
        return error_response(404, NO_SUCH_REFERENCE)
    line, notice = objection.line, objection.line.notice
    c = line.claim
    decided = objection.status != ObjectionStatus.OPEN
    return {
        "reference": objection.reference, "status": objection.status, "status_label": objection.get_status_display(),
        "created_at": objection.created_at, "notice_token": notice.token, "village": area_ref(notice.village),
        "grid": area_ref(notice.grid),
        "line": {"id": line.pk, "name": mask_name(c.person.name), "household_number": c.household.number,
                 "rule_title": c.rule_version.title, "deed_date": c.deed_date, "points": c.points,
                 "status": line.status, "status_label": line.get_status_display()},
        "decision_reason": objection.decision_reason if decided else None,
        "decided_at": objection.decided_at if decided else None,
    }
