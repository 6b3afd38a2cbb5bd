from django.db import models

from grassroots.areas.models import Area


class AreaDay(models.Model):
    """One area's figures for one day: the roll-up every dashboard, big screen, briefing and home reads.

    ``figures`` maps a metric key (``points.recorded``) to an integer. A flow metric counts what happened that day
    (the builder sums the raw rows of the area's whole subtree for the day); a state metric
    (``dashboards.sections.STATE_METRICS``) is what stood at the last build of that day (open demands, balances
    that may be redeemed). Rows exist for villages and the levels above them, and only where a figure is not zero.
    """

    class Span(models.TextChoices):
        DAY = "day", "日"
        MONTH = "month", "月"  # ``day`` is the month's first day: flows of the month, states of its last built day

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    span = models.CharField(max_length=5, choices=Span.choices, default=Span.DAY)
    day = models.DateField()
    figures = models.JSONField(default=dict)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = "看板日汇总"
        verbose_name_plural = "看板日汇总"
        constraints = [models.UniqueConstraint(fields=["area", "span", "day"], name="areaday_once_per_area_span_day")]
        indexes = [models.Index(fields=["span", "day"], name="areaday_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"


class RollupRun(models.Model):
    """One build of the roll-ups: which days it rebuilt and when it finished. The latest finished run that
    covered a day is how fresh that day's figures are (each tile says so)."""

    class Kind(models.TextChoices):
        REFRESH = "refresh", "定时刷新"
        REBUILD = "rebuild", "全部重算"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "看板汇总批次"
        verbose_name_plural = "看板汇总批次"
        indexes = [models.Index(fields=["last_day", "finished_at"], name="rollup_run_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_day}–{self.last_day}"
