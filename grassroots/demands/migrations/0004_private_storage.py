import grassroots.core.storage
import grassroots.demands.models
from django.db import migrations, models


def move_files(apps, schema_editor):
    """Demand photos kept under MEDIA_ROOT by earlier versions: moved to private storage under the same name
    (core.storage.move_to_private; idempotent, a row whose file is missing is left as it is)."""
    grassroots.core.storage.move_to_private(apps.get_model("demands", "DemandPhoto").objects.all(), "image")


class Migration(migrations.Migration):

    dependencies = [
        ('demands', '0003_dp_dashboard_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='demandphoto',
            name='image',
            field=models.FileField(max_length=200, storage=grassroots.core.storage.private_storage, upload_to=grassroots.demands.models.demand_photo_path, verbose_name='照片'),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop, elidable=True),
    ]
