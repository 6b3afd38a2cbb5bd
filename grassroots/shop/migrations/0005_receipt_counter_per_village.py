"""Receipt counters per shop, village and day (docs/locking.md): a township shop's villages no longer share one
row. A village shop's counters of earlier days are given its village, so that today's numbering carries on."""

import django.db.models.deletion
from django.db import migrations, models


def village_shops_own_their_counters(apps, schema_editor):
    ReceiptCounter = apps.get_model("shop", "ReceiptCounter")
    Shop = apps.get_model("shop", "Shop")
    for shop in Shop.objects.filter(area__level="village").only("pk", "area_id"):
        ReceiptCounter.objects.filter(shop_id=shop.pk, village__isnull=True).update(village_id=shop.area_id)


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0003_alter_person_id_number_digest_alter_person_mobile_and_more"),
        ("shop", "0004_redemption_entry_in_ledger_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="receiptcounter",
            name="village",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="areas.area"),
        ),
        migrations.RunPython(village_shops_own_their_counters, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="receiptcounter", name="receipt_counter_unique"),
        migrations.AddConstraint(
            model_name="receiptcounter",
            constraint=models.UniqueConstraint(fields=("shop", "village", "day"),
                                               name="receipt_counter_unique_per_village"),
        ),
    ]
