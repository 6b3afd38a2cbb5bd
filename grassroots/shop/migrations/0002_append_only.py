from django.db import migrations

from grassroots.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [append_only("shop_stockmovement")]
