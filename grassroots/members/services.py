"""Writes of the member registers. Each public function: keyword-only, one transaction, audited.

Locks: a write about one member takes that member's row first (``_lock``), so two transfers, or a transfer and
an ending, cannot both see the same open membership. Everything else it decides on (the open membership, a
pending transfer, an open mobile spell or home report) is read again after that lock.

Who may: the sending end of a transfer, its withdrawal and the receipt of one leaving the county are the sending
organisation's RECORD; receiving is the receiving organisation's RECORD; admitting and ending a membership are
MANAGE (the organisation department); posts, mobile members and their contacts are RECORD on the organisation
the member belongs to; a home report is RECORD on the community it reports to or on the member's own
organisation.

The invariant: on every day a member is counted in exactly one organisation (rules/membership.py
``chain_problems``): a transfer ends the old membership on the day the new one starts.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.access.scope import authorise_organisation, reaches_organisation, require_organisation
from grassroots.areas.models import Person
from grassroots.areas.services import id_number_digest
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.members.models import (
    HomeReport,
    Member,
    Membership,
    MobileContact,
    MobileMember,
    Post,
    Transfer,
)
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import tables
from grassroots.rules.idnumber import IdNumberError


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _sync_person(member: Member, *, mobile: bool | None = None) -> None:
    """The resident register's 政治面貌 (and 流动党员, when ``mobile`` is given) follows the member register."""
    if member.person_id is None:
        return
    if member.left_on is not None:
        status = Person.PartyStatus.NONE
    else:
        status = Person.PartyStatus.FULL if member.full_on else Person.PartyStatus.PROBATIONARY
    updates = {"party_status": status}
    if mobile is not None:
        updates["is_mobile_member"] = mobile
    if status == Person.PartyStatus.NONE:
        updates["is_mobile_member"] = False
    Person.objects.filter(pk=member.person_id).update(**updates)


@transaction.atomic
def admit_member(*, actor: Actor, organisation: Organisation, name: str, gender: str, joined_on: date,
                 started_on: date | None = None, full_on: date | None = None, person: Person | None = None,
                 birth_date: date | None = None, ethnicity: str = "", mobile: str = "") -> Member:
    """Put a member on the register of ``organisation`` from ``started_on`` (default: the day they joined). For
    a member already in the party who is new to the platform (a register being entered), ``joined_on`` and
    ``full_on`` are their party dates and ``started_on`` the day their relation came to this organisation."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    return _admit(actor=actor, organisation=organisation, name=name, gender=gender, joined_on=joined_on,
                  started_on=started_on, full_on=full_on, person=person, birth_date=birth_date, ethnicity=ethnicity,
                  mobile=mobile)


def _admit(*, actor: Actor, organisation: Organisation, name: str, gender: str, joined_on: date,
           started_on: date | None = None, full_on: date | None = None, person: Person | None = None,
           birth_date: date | None = None, ethnicity: str = "", mobile: str = "") -> Member:
    """The work of ``admit_member`` without its check, for a service that has made its own (the development
    pipeline admits a probationary member on the decision it records)."""
    name = name.strip()
    started_on = started_on or joined_on
    if not name:
        raise ValidationError({"name": "请填写党员姓名"})
    if full_on is not None and full_on < joined_on:
        raise ValidationError({"full_on": f"{name}的转正日期 {full_on} 早于入党日期 {joined_on}"})
    if started_on < joined_on:
        raise ValidationError({"started_on": f"{name}的组织关系起始日期 {started_on} 早于入党日期 {joined_on}"})
    if not organisation.exists_on(started_on):
        raise ValidationError({"started_on": f"{started_on} 党组织“{organisation}”尚未成立或已撤销"})
    if organisation.is_cloud_branch:
        raise ValidationError({"organisation": f"“{organisation}”是云支部，不接收组织关系"})
    if person is not None and Member.objects.filter(person=person).exists():
        raise Refusal({"person": f"{person.name}已在党员名册中"})
    member = Member.objects.create(
        person=person, name=name, gender=gender, birth_date=birth_date if person is None else person.birth_date,
        ethnicity=ethnicity, mobile=mobile, joined_on=joined_on, full_on=full_on,
    )
    Membership.objects.create(member=member, organisation=organisation, started_on=started_on)
    _sync_person(member)
    record(actor=actor, action="members.member.admit", obj=member, area_path=organisation.area_path,
           data={"organisation": organisation.pk, "started_on": str(started_on)})
    return member


# ---------------------------------------------------------------------------------------------
# Helpers: what a write reads again after the member's lock
# ---------------------------------------------------------------------------------------------


def _open_membership(member: Member) -> Membership:
    membership = (Membership.objects.select_related("organisation")
                  .filter(member=member, ended_on__isnull=True).first())
    if membership is None:
        raise Refusal({"member": f"{member.name}已不在任何党组织的名册中"})
    return membership


def _pending_transfer(member: Member) -> Transfer | None:
    return Transfer.objects.filter(member=member, status=Transfer.Status.SENT).first()


def _check_receiver(organisation: Organisation, day: date, *, field: str) -> None:
    if organisation.is_cloud_branch:
        raise ValidationError({field: f"“{organisation}”是云支部，不接收组织关系"})
    if not organisation.exists_on(day):
        raise ValidationError({field: f"{day} 党组织“{organisation}”尚未成立或已撤销"})


def _close_attachments(member: Member, day: date) -> None:
    """A member leaving the county or the party: their open posts, mobile spell and home report end that day."""
    Post.objects.filter(member=member, ended_on__isnull=True).update(ended_on=day)
    HomeReport.objects.filter(member=member, ended_on__isnull=True).update(ended_on=day)
    MobileMember.objects.filter(member=member, returned_on__isnull=True).update(returned_on=day)


# ---------------------------------------------------------------------------------------------
# Transfers (组织关系转接)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def send_transfer(*, actor: Actor, member: Member, sent_on: date, to_organisation: Organisation | None = None,
                  to_outside: str = "", letter_number: str = "", note: str = "") -> Transfer:
    """The sending organisation sends the member's relation to ``to_organisation`` in the county, or out of it
    (``to_outside``: the place). The member stays on the sender's register until it is received."""
    member = _lock(member)
    membership = _open_membership(member)
    sender = membership.organisation
    authorise_organisation(actor, caps.RECORD, sender, seen_with=caps.VIEW)
    to_outside = to_outside.strip()
    if (to_organisation is None) == (not to_outside):
        raise ValidationError({"to_organisation": f"请选择{member.name}转入的旗县内党组织，或填写旗县外的接收单位（二者选一）"})
    pending = _pending_transfer(member)
    if pending is not None:
        raise Refusal({"member": f"{member.name}已有一份 {pending.sent_on} 转出、尚未接收的转接，请先接收或撤回"})
    if sent_on < membership.started_on:
        raise ValidationError({"sent_on": f"转出日期 {sent_on} 早于{member.name}转入“{sender}”的日期 {membership.started_on}"})
    if to_organisation is not None:
        if to_organisation.pk == sender.pk:
            raise Refusal({"to_organisation": f"{member.name}已在“{sender}”，不能转入本组织"})
        _check_receiver(to_organisation, sent_on, field="to_organisation")
    transfer = Transfer.objects.create(
        member=member, from_organisation=sender, to_organisation=to_organisation, to_outside=to_outside,
        letter_number=letter_number.strip(), sent_on=sent_on, note=note.strip(), sent_by=actor.user)
    record(actor=actor, action="members.transfer.send", obj=transfer, area_path=sender.area_path,
           data={"member": member.pk, "from": sender.pk, "to": to_organisation.pk if to_organisation else None,
                 "to_outside": to_outside, "sent_on": str(sent_on)})
    return transfer


def _lock_transfer(transfer: Transfer) -> tuple[Member, Transfer]:
    member = _lock(transfer.member)
    transfer = Transfer.objects.select_related("from_organisation", "to_organisation").get(pk=transfer.pk)
    if transfer.status != Transfer.Status.SENT:
        raise Refusal({"transfer": f"{member.name}的这份转接{transfer.get_status_display()}，不能再办理"})
    return member, transfer


@transaction.atomic
def receive_transfer(*, actor: Actor, transfer: Transfer, received_on: date) -> Transfer:
    """The receiving organisation confirms: the old membership ends on ``received_on`` and the new one starts the
    same day, both pointing at the transfer. A transfer out of the county is closed by the receipt (回执) coming
    back to the sender: the membership ends and the member leaves the county's register."""
    member, transfer = _lock_transfer(transfer)
    receiver = transfer.to_organisation
    authorise_organisation(actor, caps.RECORD, receiver or transfer.from_organisation, seen_with=caps.VIEW)
    membership = _open_membership(member)
    if received_on < transfer.sent_on:
        raise ValidationError({"received_on": f"接收日期 {received_on} 早于转出日期 {transfer.sent_on}"})
    if received_on <= membership.started_on:
        raise ValidationError({"received_on": f"接收日期 {received_on} 应晚于{member.name}转入“{membership.organisation}”"
                                              f"的日期 {membership.started_on}"})
    if receiver is not None:
        _check_receiver(receiver, received_on, field="received_on")
    membership.ended_on, membership.end_reason, membership.transfer = received_on, Membership.EndReason.TRANSFER, transfer
    membership.save(update_fields=["ended_on", "end_reason", "transfer"])
    if receiver is not None:
        Membership.objects.create(member=member, organisation=receiver, started_on=received_on, transfer=transfer)
    else:
        member.left_on, member.left_reason = received_on, Member.LeftReason.TRANSFERRED_OUT
        member.save(update_fields=["left_on", "left_reason", "updated_at"])
        _close_attachments(member, received_on)
        _sync_person(member)
    transfer.status, transfer.received_on, transfer.received_by = Transfer.Status.RECEIVED, received_on, actor.user
    transfer.save(update_fields=["status", "received_on", "received_by"])
    record(actor=actor, action="members.transfer.receive", obj=transfer,
           area_path=(receiver or transfer.from_organisation).area_path,
           data={"member": member.pk, "received_on": str(received_on)})
    return transfer


@transaction.atomic
def withdraw_transfer(*, actor: Actor, transfer: Transfer, note: str = "") -> Transfer:
    """The sender takes back a transfer not yet received; the member never left."""
    member, transfer = _lock_transfer(transfer)
    authorise_organisation(actor, caps.RECORD, transfer.from_organisation, seen_with=caps.VIEW)
    transfer.status = Transfer.Status.WITHDRAWN
    if note.strip():
        transfer.note = note.strip()[:300]
    transfer.save(update_fields=["status", "note"])
    record(actor=actor, action="members.transfer.withdraw", obj=transfer,
           area_path=transfer.from_organisation.area_path, data={"member": member.pk})
    return transfer


@transaction.atomic
def receive_from_outside(*, actor: Actor, organisation: Organisation, from_outside: str, received_on: date,
                         sent_on: date | None = None, letter_number: str = "", name: str, gender: str,
                         joined_on: date, full_on: date | None = None, person: Person | None = None,
                         birth_date: date | None = None, ethnicity: str = "", mobile: str = "") -> Member:
    """A member whose relation comes from outside the county: on the register of ``organisation`` from the day
    received, the transfer (from ``from_outside``) recorded as received."""
    authorise_organisation(actor, caps.RECORD, organisation, seen_with=caps.VIEW)
    from_outside = from_outside.strip()
    if not from_outside:
        raise ValidationError({"from_outside": f"请填写{name}转出的旗县外党组织"})
    sent_on = sent_on or received_on
    if received_on < sent_on:
        raise ValidationError({"received_on": f"接收日期 {received_on} 早于转出日期 {sent_on}"})
    member = _admit(actor=actor, organisation=organisation, name=name, gender=gender, joined_on=joined_on,
                    started_on=received_on, full_on=full_on, person=person, birth_date=birth_date,
                    ethnicity=ethnicity, mobile=mobile)
    transfer = Transfer.objects.create(
        member=member, from_outside=from_outside, to_organisation=organisation, letter_number=letter_number.strip(),
        sent_on=sent_on, received_on=received_on, status=Transfer.Status.RECEIVED, sent_by=None,
        received_by=actor.user)
    Membership.objects.filter(member=member).update(transfer=transfer)
    record(actor=actor, action="members.transfer.receive_from_outside", obj=transfer,
           area_path=organisation.area_path, data={"member": member.pk, "from_outside": from_outside})
    return member


# ---------------------------------------------------------------------------------------------
# Leaving (death, expulsion …)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def end_membership(*, actor: Actor, member: Member, ended_on: date, reason: str) -> Member:
    """The member leaves the party on ``ended_on`` (death, expulsion, removal …). Nothing is deleted: the
    membership ends with reason "left" and the member keeps ``left_on`` / ``left_reason``."""
    member = _lock(member)
    membership = _open_membership(member)
    authorise_organisation(actor, caps.MANAGE, membership.organisation, seen_with=caps.VIEW)
    reasons = {value for value in Member.LeftReason.values if value != Member.LeftReason.TRANSFERRED_OUT}
    if reason not in reasons:
        raise ValidationError({"reason": "离开原因应为" + "、".join(
            label for value, label in Member.LeftReason.choices if value in reasons)})
    if _pending_transfer(member) is not None:
        raise Refusal({"member": f"{member.name}有一份尚未接收的转接，请先撤回"})
    if ended_on <= membership.started_on:
        raise ValidationError({"ended_on": f"离开日期 {ended_on} 应晚于{member.name}转入“{membership.organisation}”"
                                           f"的日期 {membership.started_on}"})
    membership.ended_on, membership.end_reason = ended_on, Membership.EndReason.LEFT
    membership.save(update_fields=["ended_on", "end_reason"])
    member.left_on, member.left_reason = ended_on, reason
    member.save(update_fields=["left_on", "left_reason", "updated_at"])
    _close_attachments(member, ended_on)
    _sync_person(member)
    record(actor=actor, action="members.member.end", obj=member, area_path=membership.organisation.area_path,
           data={"organisation": membership.organisation_id, "ended_on": str(ended_on), "reason": reason})
    return member


# ---------------------------------------------------------------------------------------------
# Posts (班子成员)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def appoint_post(*, actor: Actor, organisation: Organisation, member: Member, title: str, started_on: date) -> Post:
    """A seat in ``organisation``'s committee for a member of it (or of the branch a 党小组 belongs to, or of an
    organisation under it). One secretary at a time: the sitting one must be relieved first."""
    authorise_organisation(actor, caps.RECORD, organisation, seen_with=caps.VIEW)
    member = _lock(member)
    if title not in Post.Title.values:
        raise ValidationError({"title": "职务应为" + "、".join(Post.Title.labels)})
    membership = _open_membership(member)
    home = membership.organisation
    if not (home.path.startswith(organisation.path) or organisation.path.startswith(home.path)):
        raise ValidationError({"member": f"{member.name}不是“{organisation}”的党员"})
    if not organisation.exists_on(started_on):
        raise ValidationError({"started_on": f"{started_on} 党组织“{organisation}”尚未成立或已撤销"})
    if Post.objects.filter(organisation=organisation, member=member, title=title, ended_on__isnull=True).exists():
        raise Refusal({"title": f"{member.name}已任“{organisation}”{Post.Title(title).label}"})
    if title == Post.Title.SECRETARY:
        sitting = Post.objects.select_related("member").filter(organisation=organisation, title=title,
                                                               ended_on__isnull=True).first()
        if sitting is not None:
            raise Refusal({"title": f"“{organisation}”现任书记是{sitting.member.name}，请先办理其离任"})
    post = Post.objects.create(organisation=organisation, member=member, title=title, started_on=started_on)
    record(actor=actor, action="members.post.appoint", obj=post, area_path=organisation.area_path,
           data={"member": member.pk, "title": title, "started_on": str(started_on)})
    return post


@transaction.atomic
def end_post(*, actor: Actor, post: Post, ended_on: date) -> Post:
    member = _lock(post.member)
    post = Post.objects.select_related("organisation").get(pk=post.pk)
    authorise_organisation(actor, caps.RECORD, post.organisation, seen_with=caps.VIEW)
    if post.ended_on is not None:
        raise Refusal({"post": f"{member.name}已于 {post.ended_on} 离任"})
    if ended_on < post.started_on:
        raise ValidationError({"ended_on": f"离任日期 {ended_on} 早于任职日期 {post.started_on}"})
    post.ended_on = ended_on
    post.save(update_fields=["ended_on"])
    record(actor=actor, action="members.post.end", obj=post, area_path=post.organisation.area_path,
           data={"member": member.pk, "ended_on": str(ended_on)})
    return post


# ---------------------------------------------------------------------------------------------
# Mobile members (流动党员)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def register_mobile(*, actor: Actor, member: Member, place: str, since: date, contact: str = "",
                    cloud_branch: Organisation | None = None) -> MobileMember:
    """The home organisation records that the member lives away: where, since when, how to reach them and the cloud
    branch they study in. The village member paired with them is a pair of kind ``member_mobile``, set up with
    ``pairing.services.create_pair`` (members does not import pairing)."""
    member = _lock(member)
    home = _open_membership(member).organisation
    authorise_organisation(actor, caps.RECORD, home, seen_with=caps.VIEW)
    place = place.strip()
    if not place:
        raise ValidationError({"place": f"请填写{member.name}的流入地"})
    if MobileMember.objects.filter(member=member, returned_on__isnull=True).exists():
        raise Refusal({"member": f"{member.name}已登记为流动党员"})
    if cloud_branch is not None and not cloud_branch.is_cloud_branch:
        raise ValidationError({"cloud_branch": f"“{cloud_branch}”不是云支部"})
    spell = MobileMember.objects.create(member=member, place=place, since=since, contact=contact.strip(),
                                        cloud_branch=cloud_branch)
    _sync_person(member, mobile=True)
    record(actor=actor, action="members.mobile.register", obj=spell, area_path=home.area_path,
           data={"member": member.pk, "place": place, "since": str(since)})
    return spell


def _lock_spell(mobile: MobileMember) -> tuple[Member, MobileMember, Organisation]:
    member = _lock(mobile.member)
    mobile = MobileMember.objects.get(pk=mobile.pk)
    return member, mobile, _open_membership(member).organisation


@transaction.atomic
def record_contact(*, actor: Actor, mobile: MobileMember, contacted_on: date, method: str,
                   note: str = "") -> MobileContact:
    member, mobile, home = _lock_spell(mobile)
    authorise_organisation(actor, caps.RECORD, home, seen_with=caps.VIEW)
    if method not in MobileContact.Method.values:
        raise ValidationError({"method": "联系方式应为" + "、".join(MobileContact.Method.labels)})
    if contacted_on < mobile.since:
        raise ValidationError({"contacted_on": f"联系日期 {contacted_on} 早于{member.name}外出日期 {mobile.since}"})
    if mobile.returned_on is not None and contacted_on > mobile.returned_on:
        raise Refusal({"contacted_on": f"{member.name}已于 {mobile.returned_on} 返回"})
    contact = MobileContact.objects.create(mobile=mobile, contacted_on=contacted_on, method=method,
                                           note=note.strip()[:300], recorded_by=actor.user)
    record(actor=actor, action="members.mobile.contact", obj=contact, area_path=home.area_path,
           data={"member": member.pk, "contacted_on": str(contacted_on), "method": method})
    return contact


@transaction.atomic
def mobile_returned(*, actor: Actor, mobile: MobileMember, returned_on: date) -> MobileMember:
    member, mobile, home = _lock_spell(mobile)
    authorise_organisation(actor, caps.RECORD, home, seen_with=caps.VIEW)
    if mobile.returned_on is not None:
        raise Refusal({"returned_on": f"{member.name}已于 {mobile.returned_on} 返回"})
    if returned_on < mobile.since:
        raise ValidationError({"returned_on": f"返回日期 {returned_on} 早于外出日期 {mobile.since}"})
    mobile.returned_on = returned_on
    mobile.save(update_fields=["returned_on"])
    _sync_person(member, mobile=False)
    record(actor=actor, action="members.mobile.return", obj=mobile, area_path=home.area_path,
           data={"member": member.pk, "returned_on": str(returned_on)})
    return mobile


# ---------------------------------------------------------------------------------------------
# Home reports (在职党员双报到)
# ---------------------------------------------------------------------------------------------


def _authorise_home_report(actor: Actor, community: Organisation, home: Organisation) -> None:
    """RECORD on the community reported to, or on the member's own organisation."""
    if actor.is_system:
        return
    from_home = reaches_organisation(actor.user, caps.RECORD, home)
    if not from_home:
        require_organisation(actor.user, caps.RECORD, community, seen_with=caps.VIEW)


@transaction.atomic
def start_home_report(*, actor: Actor, member: Member, organisation: Organisation, started_on: date,
                      service: str = "") -> HomeReport:
    """The member reports to the community (or 小区 branch) where they live and takes on ``service`` there. It is
    not a membership: the community's register does not count them."""
    member = _lock(member)
    home = _open_membership(member).organisation
    _authorise_home_report(actor, organisation, home)
    if organisation.pk == home.pk:
        raise Refusal({"organisation": f"{member.name}的组织关系就在“{organisation}”，无需双报到"})
    if organisation.host != Organisation.Host.AREA or organisation.is_cloud_branch:
        raise ValidationError({"organisation": f"“{organisation}”不是社区（小区）党组织"})
    if not organisation.exists_on(started_on):
        raise ValidationError({"started_on": f"{started_on} 党组织“{organisation}”尚未成立或已撤销"})
    if HomeReport.objects.filter(member=member, ended_on__isnull=True).exists():
        raise Refusal({"member": f"{member.name}已在一个社区报到，请先结束"})
    report = HomeReport.objects.create(member=member, organisation=organisation, started_on=started_on,
                                       service=service.strip()[:200])
    record(actor=actor, action="members.home_report.start", obj=report, area_path=organisation.area_path,
           data={"member": member.pk, "organisation": organisation.pk, "started_on": str(started_on)})
    return report


def _lock_report(report: HomeReport) -> tuple[Member, HomeReport]:
    member = _lock(report.member)
    report = HomeReport.objects.select_related("organisation").get(pk=report.pk)
    return member, report


@transaction.atomic
def end_home_report(*, actor: Actor, report: HomeReport, ended_on: date) -> HomeReport:
    member, report = _lock_report(report)
    _authorise_home_report(actor, report.organisation, _open_membership(member).organisation)
    if report.ended_on is not None:
        raise Refusal({"ended_on": f"{member.name}的报到已于 {report.ended_on} 结束"})
    if ended_on < report.started_on:
        raise ValidationError({"ended_on": f"结束日期 {ended_on} 早于报到日期 {report.started_on}"})
    report.ended_on = ended_on
    report.save(update_fields=["ended_on"])
    record(actor=actor, action="members.home_report.end", obj=report, area_path=report.organisation.area_path,
           data={"member": member.pk, "ended_on": str(ended_on)})
    return report


@transaction.atomic
def add_home_report_hours(*, actor: Actor, report: HomeReport, hours: Decimal) -> HomeReport:
    member, report = _lock_report(report)
    _authorise_home_report(actor, report.organisation, _open_membership(member).organisation)
    hours = Decimal(hours)
    if not hours.is_finite() or hours <= 0 or hours > 24 * 31 or hours != hours.quantize(Decimal("0.1")):
        raise ValidationError({"hours": f"{member.name}的服务时长应为大于 0 的数，最多一位小数"})
    if report.ended_on is not None:
        raise Refusal({"hours": f"{member.name}的报到已于 {report.ended_on} 结束"})
    report.hours += hours
    report.save(update_fields=["hours"])
    record(actor=actor, action="members.home_report.hours", obj=report, area_path=report.organisation.area_path,
           data={"member": member.pk, "hours": str(hours), "total": str(report.hours)})
    return report


# ---------------------------------------------------------------------------------------------
# Importing a register typed in Excel: all rows or none (core/table_import.py)
# ---------------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    tables.Column("党组织代码", "organisation", tables.text(40), required=True),
    tables.Column("姓名", "name", tables.text(50), required=True),
    tables.Column("性别", "gender", tables.choice({"男": "M", "女": "F"}), required=True),
    tables.Column("出生日期", "birth_date", tables.a_date, default=None),
    tables.Column("民族", "ethnicity", tables.text(20)),
    tables.Column("手机号", "mobile", tables.mobile),
    tables.Column("入党日期", "joined_on", tables.a_date, required=True, default=None),
    tables.Column("转正日期", "full_on", tables.a_date, default=None),
    tables.Column("组织关系转入日期", "started_on", tables.a_date, default=None),
    tables.Column("身份证号", "id_number", tables.text(18)),
)


def _check_row(actor: Actor, row: dict, organisations: dict[str, Organisation | None], seen_ids: dict[str, int],
               errors: list[tables.RowError]) -> None:
    """Check one row against the database; on success ``row`` gains ``_organisation`` and ``_person``."""
    number, name = row["_row"], row["name"] or "（无姓名）"

    def fail(column: str, message: str) -> None:
        errors.append(tables.RowError(number, column, f"{name}：{message}"))

    code = row["organisation"]
    if code and code not in organisations:
        organisations[code] = Organisation.objects.filter(code=code).first()
    organisation = organisations.get(code)
    started_on = row["started_on"] or row["joined_on"]
    if code and organisation is None:
        fail("党组织代码", f"没有代码为“{code}”的党组织")
    elif organisation is not None:
        if not (actor.is_system or reaches_organisation(actor.user, caps.MANAGE, organisation)):
            fail("党组织代码", f"您无权向“{organisation}”导入党员")
        elif organisation.is_cloud_branch:
            fail("党组织代码", f"“{organisation}”是云支部，不接收组织关系")
        elif started_on and not organisation.exists_on(started_on):
            fail("组织关系转入日期", f"{started_on} 党组织“{organisation}”尚未成立或已撤销")
    joined_on, full_on = row["joined_on"], row["full_on"]
    if joined_on and full_on and full_on < joined_on:
        fail("转正日期", f"转正日期 {full_on} 早于入党日期 {joined_on}")
    if joined_on and row["started_on"] and row["started_on"] < joined_on:
        fail("组织关系转入日期", f"组织关系转入日期 {row['started_on']} 早于入党日期 {joined_on}")
    row["_organisation"], row["_person"] = organisation, None
    if row["id_number"]:
        try:
            digest = id_number_digest(row["id_number"])
        except IdNumberError as e:
            fail("身份证号", str(e))
            return
        if digest in seen_ids:
            fail("身份证号", f"与第{seen_ids[digest]}行的身份证号相同")
            return
        seen_ids[digest] = number
        if organisation is None:
            return
        person = Person.objects.filter(id_number_digest=digest, path__startswith=organisation.area_path).first()
        if person is None:
            fail("身份证号", f"“{organisation}”所在区域没有此身份证号的居民")
        elif Member.objects.filter(person=person).exists():
            fail("身份证号", "已在党员名册中")
        elif person.name != row["name"]:
            fail("姓名", f"身份证号登记的居民是{person.name}")
        elif row["birth_date"] and person.birth_date and row["birth_date"] != person.birth_date:
            fail("出生日期", f"与居民登记的出生日期 {person.birth_date} 不一致")
        elif person.gender and row["gender"] != person.gender:
            fail("性别", "与居民登记的性别不一致")
        else:
            row["_person"] = person
    elif organisation is not None and Membership.objects.filter(
            organisation=organisation, ended_on__isnull=True, member__name=row["name"],
            member__birth_date=row["birth_date"]).exists():
        fail("姓名", f"已在“{organisation}”的名册中")


@transaction.atomic
def import_register(*, actor: Actor, upload) -> list[Member]:
    """Admit every row of an uploaded register to the organisation its 党组织代码 names, or none: every problem is
    reported (``Rejected``) before anything is written. A 身份证号, when given, must match a resident of the
    organisation's area, who then becomes the member."""
    table = read_upload(upload, REGISTER_COLUMNS)
    errors = list(table.errors)
    organisations: dict[str, Organisation | None] = {}
    seen_ids: dict[str, int] = {}
    for row in table.rows:
        _check_row(actor, row, organisations, seen_ids, errors)
    if errors:
        raise Rejected(errors)
    admitted = []
    for row in table.rows:
        try:
            admitted.append(_admit(
                actor=actor, organisation=row["_organisation"], person=row["_person"], name=row["name"],
                gender=row["gender"], birth_date=row["birth_date"], ethnicity=row["ethnicity"],
                mobile=row["mobile"], joined_on=row["joined_on"], full_on=row["full_on"],
                started_on=row["started_on"]))
        except ValidationError as e:  # checked above; a rule _admit adds later still names the row
            raise Rejected([tables.RowError(row["_row"], "", f"{row['name']}：{m}") for m in e.messages]) from None
    record(actor=actor, action="members.register.import", object_type="members.member", object_id="",
           data={"rows": len(admitted), "organisations": sorted(organisations)})
    return admitted
