"""Objection.reference: the short reference a resident keeps to look up the decision ("YY-XXXXXX").

Added nullable, filled for the objections already filed (the year each was filed), then made unique."""

import secrets

from django.db import migrations, models

import grassroots.claims.models

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def fill(apps, schema_editor):
    Objection = apps.get_model("claims", "Objection")
    taken = set()
    for objection in Objection.objects.filter(reference__isnull=True).only("pk", "created_at").iterator():
        while True:
            reference = f"{objection.created_at.year % 100:02d}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
            if reference not in taken:
                break
        taken.add(reference)
        Objection.objects.filter(pk=objection.pk).update(reference=reference)


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="objection",
            name="reference",
            field=models.CharField(max_length=12, null=True, verbose_name="受理编号"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="objection",
            name="reference",
            field=models.CharField(default=grassroots.claims.models.objection_reference,
                                   help_text="给提出异议的群众的查询编号，如 26-7KQ3PX", max_length=12, unique=True,
                                   verbose_name="受理编号"),
        ),
    ]
