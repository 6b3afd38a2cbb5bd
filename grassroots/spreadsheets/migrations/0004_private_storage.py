import grassroots.core.storage
import grassroots.spreadsheets.models
from django.db import migrations, models


def move_files(apps, schema_editor):
    """Import error reports (they name residents' rows) kept under MEDIA_ROOT by earlier versions: moved to private storage under the same name
    (core.storage.move_to_private; idempotent, a row whose file is missing is left as it is)."""
    grassroots.core.storage.move_to_private(apps.get_model("spreadsheets", "ImportJob").objects.all(), "error_report")


class Migration(migrations.Migration):

    dependencies = [
        ('spreadsheets', '0003_export_jobs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='importjob',
            name='error_report',
            field=models.FileField(blank=True, storage=grassroots.core.storage.private_storage, upload_to=grassroots.spreadsheets.models._report_path, verbose_name='问题报告'),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop, elidable=True),
    ]
