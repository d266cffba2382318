from django.db import migrations

KEYS = ("advice",)


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
    dependencies = [("insights", "0001_initial"), ("notifications", "0011_outage_templates")]
    operations = [migrations.RunPython(load, unload)]
