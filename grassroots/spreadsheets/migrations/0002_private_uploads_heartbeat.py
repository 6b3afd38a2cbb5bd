import os

import grassroots.core.storage
import grassroots.spreadsheets.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def move_out_of_media(apps, schema_editor):
    """Uploads kept under MEDIA_ROOT by earlier versions: delete them (they hold ID numbers in the clear);
    a job left running by a crash is failed, as the sweep would."""
    ImportJob = apps.get_model("spreadsheets", "ImportJob")
    for job in ImportJob.objects.exclude(upload=""):
        try:
            os.remove(os.path.join(settings.MEDIA_ROOT, job.upload.name))
        except OSError:
            pass
    ImportJob.objects.exclude(upload="").update(upload="")
    ImportJob.objects.filter(status__in=["pending", "validating", "importing"]).update(
        status="failed", message="导入因服务器重启而中断，未写入任何数据，请重新上传", finished_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('spreadsheets', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='worker',
            field=models.CharField(blank=True, help_text='host:pid:token of the process running it', max_length=100, verbose_name='处理进程'),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='upload',
            field=models.FileField(blank=True, storage=grassroots.core.storage.private_storage, upload_to=grassroots.spreadsheets.models._upload_path, verbose_name='上传文件'),
        ),
        migrations.RemoveConstraint(
            model_name='importjob',
            name='import_job_key_once_per_user',
        ),
        migrations.AddConstraint(
            model_name='importjob',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'failed'), _negated=True), fields=('user', 'idempotency_key'), name='import_job_key_once_per_user'),
        ),
        migrations.RunPython(move_out_of_media, migrations.RunPython.noop),
    ]
