from django.db import migrations


def load(apps, schema_editor):
    from gridcare.notifications.defaults import template_rows

    Template = apps.get_model("notifications", "Template")
    for key, topic, channel, language, subject, body, parameters in template_rows():
        Template.objects.get_or_create(
            key=key, channel=channel, language=language,
            defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters},
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
