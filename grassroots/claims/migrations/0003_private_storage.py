import grassroots.claims.models
import grassroots.core.storage
from django.db import migrations, models


def move_files(apps, schema_editor):
    """Claim photos kept under MEDIA_ROOT by earlier versions: moved to private storage under the same name
    (core.storage.move_to_private; idempotent, a row whose file is missing is left as it is)."""
    grassroots.core.storage.move_to_private(apps.get_model("claims", "Claim").objects.all(), "photo")


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0002_objection_reference'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claim',
            name='photo',
            field=models.FileField(blank=True, storage=grassroots.core.storage.private_storage, upload_to=grassroots.claims.models.claim_photo_path, verbose_name='照片'),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop, elidable=True),
    ]
