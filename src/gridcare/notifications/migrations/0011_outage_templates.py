from django.db import migrations

KEYS = ("outage_changed", "outage_cancelled", "outage_reminder", "outage_restored", "incident", "incident_update")


def load(apps, schema_editor):
    from gridcare.notifications.defaults import template_rows

    Template = apps.get_model("notifications", "Template")
    for key, topic, channel, language, subject, body, parameters in template_rows():
        if key in KEYS:
            Template.objects.get_or_create(
                key=key, channel=channel, language=language,
                defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters},
            )


def unload(apps, schema_editor):
    apps.get_model("notifications", "Template").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0010_outbox_field_labels")]
    operations = [migrations.RunPython(load, unload)]
