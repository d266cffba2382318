from django.db import migrations


def load(apps, schema_editor):
    from gridcare.notifications.defaults import template_rows

    Template = apps.get_model("notifications", "Template")
    for key, topic, channel, language, subject, body, parameters in template_rows():
        if key == "payment_receipt":
            Template.objects.get_or_create(
                key=key, channel=channel, language=language,
                defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters},
            )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("notifications", "0010_outbox_field_labels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
