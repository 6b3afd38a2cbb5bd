"""BRIN indexes on the local day of the ledger's posted_at and of a claim's created_at (PostgreSQL only).

The points section groups and filters these rows by ``TruncDate(field, tzinfo=site zone)``, which PostgreSQL writes
as ``(field AT TIME ZONE '<zone>')::date``; no index served it, so every scheduled refresh (today and yesterday) read
the whole ledger. Measured by bench/bench_dashboard.py on 10 M entries (bench/README.md, issue #17): the two-day
ledger flows went from 4.4 s (parallel seq scan) to 0.17 s with this 96 kB index. BRIN fits: both tables are
appended in time order. The expression must match the query's literally, so the zone is the site's TIME_ZONE.
"""

import re

from django.conf import settings
from django.db import migrations

INDEXES = (
    ("dash_ledger_posted_day_brin", "points_ledgerentry", "posted_at"),
    ("dash_claim_created_day_brin", "points_claim", "created_at"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", zone):
        raise ValueError(f"unexpected TIME_ZONE {zone!r}")
    for name, table, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING brin '
                              f"((({column} AT TIME ZONE '{zone}')::date))")


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
