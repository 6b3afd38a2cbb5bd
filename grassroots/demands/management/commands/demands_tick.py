"""The scheduled job of demands, by hand: `grassroots worker` runs it every five minutes (core/tasks.py).

It reminds claimants whose micro-wish claim lapses within a day, lapses claims past their hold, escalates
overdue demands (township, then county, in working days of the official calendar) and closes resolved
demands nobody rated within a week. Each step is a DemandEvent and, where someone must act, a Notification.
Safe to run twice or concurrently: every item is re-read under a row lock before it changes.
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from grassroots.demands.tasks import tick


class Command(BaseCommand):
    help = "微心愿认领提醒与过期、超期需求升级督办、逾期未评价自动关闭"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="run as if it were this time (ISO 8601, for tests and catch-up)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now 须为 ISO 8601 时间，如 2026-10-16T09:00+08:00") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = tick(now=now)
        self.stdout.write("提醒 {reminded} · 认领过期 {lapsed} · 升级督办 {escalated} · 自动关闭 {closed} · "
                          "清理限频计数 {forgotten} · 清理幂等记录 {replies}".format(**result))
