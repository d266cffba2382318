from django.db import migrations

KEYS = ("dr_event_called",)


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
    dependencies = [("flexibility", "0001_initial"), ("notifications", "0010_outbox_field_labels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
