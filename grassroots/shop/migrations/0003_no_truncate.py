from django.db import migrations

from grassroots.core.append_only import no_truncate


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_append_only")]

    operations = [no_truncate("shop_stockmovement")]
