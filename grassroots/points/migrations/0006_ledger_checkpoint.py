import django.db.models.deletion
from django.db import migrations, models

from grassroots.core.append_only import append_only, forward_only_head, no_truncate


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('points', '0005_claim_cancelled'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('place', models.CharField(choices=[('notice', '积分公示'), ('board', '网格积分榜'), ('check', '核验页')], max_length=8)),
                ('shown_at', models.DateTimeField()),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
            ],
            options={
                'verbose_name': '台账校验点',
                'verbose_name_plural': '台账校验点',
                'ordering': ['village_id', 'seq'],
                'constraints': [models.UniqueConstraint(fields=('village', 'seq', 'place'), name='checkpoint_once_per_place')],
            },
        ),
        append_only('points_ledgercheckpoint'),
        no_truncate('points_ledgercheckpoint'),
        no_truncate('points_ledgerentry'),
        no_truncate('points_reviewdecision'),
        *forward_only_head('points_ledgerhead', 'points_ledgerentry'),
    ]
