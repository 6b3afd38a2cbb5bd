from django.db import migrations

from grassroots.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [append_only("points_ledgerentry"), append_only("points_reviewdecision")]
