"""BRIN indexes on the ledger's posted_at and a claim's created_at (PostgreSQL only).

The points section reads a span of local days of these rows as a timestamp range (``sections.common.local_days``)
and groups them by local day; no index served the range, so every scheduled refresh (today and yesterday) read the
whole ledger. Measured by bench/bench_dashboard.py on 10 M entries (bench/README.md, issue #17): the two-day ledger
flows went from 4.4 s (parallel sequential scan) to about 0.2 s with a BRIN index of under 100 kB. BRIN fits: both
tables are appended in time order, and a BRIN index costs next to nothing on each insert.
"""

from django.db import migrations

INDEXES = (
    ("dash_ledger_posted_brin", "points_ledgerentry", "posted_at"),
    ("dash_claim_created_brin", "points_claim", "created_at"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING brin ({column})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0001_initial"),
        ("ledger", "0002_initial"),
        ("claims", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
