"""The payment reminder templates (before the due date, overdue, disconnection warning) in vi, en and fr."""

from django.db import migrations

KEYS = ("payment_due_soon", "payment_overdue", "disconnection_warning")


def load(apps, schema_editor):
    from gridcare.notifications.defaults import template_rows

    Template = apps.get_model("notifications", "Template")
    for key, topic, channel, language, subject, body, parameters in template_rows():
        if key in KEYS:
            Template.objects.get_or_create(
                key=key, channel=channel, language=language,
                defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters},
            )


class Migration(migrations.Migration):
    dependencies = [("payments", "0004_reminders"), ("notifications", "0010_outbox_field_labels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
