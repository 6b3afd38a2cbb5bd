import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from grassroots.core.storage import private_storage


def _upload_path(job, filename: str) -> str:
    # The village's file name stays in ``filename``; on disk a random name, so two uploads of
    # "户籍.xlsx" never meet and a path guessed from a name leads nowhere.
    return f"imports/{uuid.uuid4().hex}.xlsx"


def _report_path(job, filename: str) -> str:
    return f"imports/reports/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One upload of the household register into one village, from the file to the result."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        VALIDATING = "validating", "正在检查"
        REJECTED = "rejected", "未通过检查"
        IMPORTING = "importing", "正在导入"
        DONE = "done", "已完成"
        FAILED = "failed", "导入失败"

    FINISHED = (Status.REJECTED, Status.DONE, Status.FAILED)
    RUNNING = (Status.PENDING, Status.VALIDATING, Status.IMPORTING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs",
                             verbose_name="上传人")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="import_jobs",
                             verbose_name="导入到")
    filename = models.CharField("文件名", max_length=255)
    # The register as uploaded, ID numbers in the clear: private storage (0600, never served), deleted
    # when the job ends however it ends.
    upload = models.FileField("上传文件", upload_to=_upload_path, storage=private_storage, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    message = models.CharField("说明", max_length=500, blank=True)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    error_count = models.PositiveIntegerField("问题数", default=0)
    error_report = models.FileField("问题报告", upload_to=_report_path, storage=private_storage, blank=True)
    households_created = models.PositiveIntegerField("新增户数", default=0)
    people_created = models.PositiveIntegerField("新增人数", default=0)
    idempotency_key = models.CharField(max_length=100)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    worker = models.CharField("处理进程", max_length=100, blank=True, help_text="host:pid:token of the process running it")
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A failed job (a crash, a system error) frees its key: sending the same form again retries.
            models.UniqueConstraint(fields=["user", "idempotency_key"], condition=~Q(status="failed"),
                                    name="import_job_key_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("spreadsheets:job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


def _export_path(job, filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}.xlsx"


class ExportJob(models.Model):
    """An export of a large area's register, built by the worker rather than in the request: a township or a
    county takes longer than a request may. Only the person who asked may download it, and only while they
    may still export that area; the file is deleted EXPORT_KEEP_HOURS after it is built."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "正在生成"
        DONE = "done", "已生成"
        FAILED = "failed", "生成失败"
        EXPIRED = "expired", "已过期删除"

    FINISHED = (Status.DONE, Status.FAILED, Status.EXPIRED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs",
                             verbose_name="导出人")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="export_jobs",
                             verbose_name="导出范围")
    # Names, mobiles and tags (ID numbers masked): private storage, never served without the check.
    file = models.FileField("导出文件", upload_to=_export_path, storage=private_storage, blank=True)
    filename = models.CharField("文件名", max_length=255)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    message = models.CharField("说明", max_length=500, blank=True)
    households = models.PositiveIntegerField("户数", default=0)
    people = models.PositiveIntegerField("人数", default=0)
    idempotency_key = models.CharField(max_length=100)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="export_job_key_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("spreadsheets:export_job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
