from django.db import migrations

from gridcare.core.partitions import PartitionByMonth


class Migration(migrations.Migration):
    """PostgreSQL only: the audit log in monthly partitions of `at` (docs/scaling.md); SQLite keeps the plain table."""

    dependencies = [
        ('core', '0002_enrolment_links_and_api_tokens'),
    ]

    operations = [
        PartitionByMonth('core_auditentry'),
    ]
