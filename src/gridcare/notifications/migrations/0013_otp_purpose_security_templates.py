"""One-time codes name their purpose (and the new number a code went to); starter security templates."""

from django.db import migrations, models

KEYS = ("security_notice", "email_confirm")


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

    dependencies = [
        ('notifications', '0012_outbox_partitioned_by_month'),
    ]

    operations = [
        migrations.AddField(
            model_name='otpchallenge',
            name='destination',
            field=models.CharField(blank=True, db_default='', max_length=254, verbose_name='gửi tới'),
        ),
        migrations.AddField(
            model_name='otpchallenge',
            name='purpose',
            field=models.CharField(choices=[('signin', 'đăng nhập'), ('password_reset', 'đặt lại mật khẩu'), ('account_link', 'thêm hợp đồng dùng chung'), ('phone_change', 'đổi số điện thoại'), ('zalo_link', 'liên kết Zalo')], db_default='signin', max_length=20, verbose_name='mục đích'),
        ),
        migrations.RunPython(load, unload),
    ]
