# The paired village member is a pairing.Pair of kind member_mobile now: pairing 0002_cloud_pairs copies every
# paired_with into a dated pair before this migration drops the column.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_membership_covering_index"),
        ("pairing", "0002_cloud_pairs"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="mobilemember",
            name="paired_with",
        ),
    ]
