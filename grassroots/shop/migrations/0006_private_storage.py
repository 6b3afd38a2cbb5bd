import grassroots.core.storage
import grassroots.shop.models
from django.db import migrations, models


def move_files(apps, schema_editor):
    """Product photos kept under MEDIA_ROOT by earlier versions: moved to private storage under the same name
    (core.storage.move_to_private; idempotent, a row whose file is missing is left as it is)."""
    grassroots.core.storage.move_to_private(apps.get_model("shop", "Product").objects.all(), "photo")


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0005_no_receipt_counter'),
    ]

    operations = [
        migrations.AlterField(
            model_name='product',
            name='photo',
            field=models.ImageField(blank=True, storage=grassroots.core.storage.private_storage, upload_to=grassroots.shop.models.product_photo_path, verbose_name='照片'),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop, elidable=True),
    ]
