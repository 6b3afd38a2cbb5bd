"""API keys of the systems that file demands through Open311 (a 12345 hotline system, a partner app)."""

from django.db import models


class Open311Client(models.Model):
    """A client system allowed to POST service requests into one area subtree.

    Only a SHA-256 digest of the key is stored: keys are 256-bit random strings (secrets.token_urlsafe),
    so a fast digest is as good as a slow password hash and lets a request find its client by index.
    """

    name = models.CharField("名称", max_length=100)
    key_prefix = models.CharField("密钥前缀", max_length=8, help_text="the first characters of the key, to tell keys apart")
    key_digest = models.CharField(max_length=64, unique=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name="可提交区域",
                             help_text="the client may file demands in this area and below")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Explicit, so that importing this module never attaches the model to the demands app (which contains
        # this package) when the open311 app is not in INSTALLED_APPS.
        app_label = "open311"
        verbose_name = "Open311 接入方"
        verbose_name_plural = "Open311 接入方"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"


class Open311Filing(models.Model):
    """What an Open311 POST carried beyond the demand itself: the client that filed it and its media_url.

    GeoReport v2 returns media_url with the request; a demand has no such field (its photos are uploaded files
    behind sign-in), so the URL the client sent is kept here, one row per demand filed through Open311.
    """

    demand = models.OneToOneField("demands.Demand", on_delete=models.CASCADE, related_name="open311_filing")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="filings",
                               verbose_name="接入方")
    media_url = models.URLField("媒体链接", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "open311"
        verbose_name = "Open311 提交记录"
        verbose_name_plural = "Open311 提交记录"

    def __str__(self) -> str:
        return f"{self.client_id} → {self.demand_id}"
