"""What the meetings tests share (a plain module, see docs/conventions.md "Tests")."""

from datetime import date

from grassroots.audit.context import Actor
from grassroots.meetings import services
from grassroots.meetings.services import Line

PRESENT, EXCUSED, ABSENT = "present", "excused", "absent"


def actor(user) -> Actor:
    return Actor(user=user, name=user.username, ip="127.0.0.1")


def everyone_present(world, *, but=()) -> list[Line]:
    """乌云毕力格 and 巴特尔 of 赛沁塔拉嘎查's branch, present unless named in ``but`` (then excused)."""
    return [Line(m.pk, EXCUSED if name in but else PRESENT)
            for name, m in world.members.items() if name in ("乌云毕力格", "巴特尔")]


def record(actor, world, *, kind="branch_assembly", held_on=date(2026, 4, 10), organisation=None, lines=None,
           today=date(2026, 6, 1), **kwargs):
    return services.record_meeting(
        actor=actor, organisation=organisation or world.saiqin, kind=kind, held_on=held_on,
        place=kwargs.pop("place", "嘎查党群服务中心"), topic=kwargs.pop("topic", "学习贯彻全会精神"),
        attendance=everyone_present(world) if lines is None else lines, today=today, **kwargs)
