from django.db import migrations

from grassroots.core.append_only import no_truncate


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_alter_auditentry_actor_alter_auditentry_at")]

    operations = [no_truncate("audit_auditentry")]
