from django.db import migrations

from gridcare.core.partitions import PartitionByMonth


class Migration(migrations.Migration):
    """PostgreSQL only: readings and interval readings in monthly partitions (docs/scaling.md); SQLite keeps plain tables."""

    dependencies = [
        ('core', '0003_audit_partitioned_by_month'),
        ('metering', '0004_reading_import_unit_of_its_sender'),
    ]

    operations = [
        PartitionByMonth('metering_reading'),
        PartitionByMonth('metering_intervalreading'),
    ]
