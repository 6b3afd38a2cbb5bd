"""Receipt numbers are counted, not drawn from a locked row (docs/locking.md): a sale numbers itself after the
shop's receipts to its village that day, counted while it holds the village's ledger head. The per-shop counter
row, which serialised every sale of a shop (a township shop's villages too), goes; its figures were the count of
the day's receipts, so a village shop's numbering carries on the same day unchanged."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0004_redemption_entry_in_ledger_app"),
    ]

    operations = [
        migrations.DeleteModel(name="ReceiptCounter"),
    ]
