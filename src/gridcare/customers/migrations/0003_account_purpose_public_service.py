"""Accounts may have the purpose `public_service` (hospitals, nurseries, kindergartens, general schools).

They have their own, lower price (tariffs 0005); the check constraint still refuses any other value. Accounts
already marked `administrative` are not moved: which ones are schools or hospitals is a contract fact that
staff confirm, not a guess from a name.
"""

from django.db import migrations, models

PURPOSES = ["residential", "business", "production", "administrative", "public_service"]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_account_purpose_voltage_known"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="account", name="account_purpose_known"),
        migrations.AlterField(
            model_name="account",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("residential", "sinh hoạt"),
                    ("business", "kinh doanh"),
                    ("production", "sản xuất"),
                    ("administrative", "hành chính sự nghiệp"),
                    ("public_service", "bệnh viện, nhà trẻ, mẫu giáo, trường phổ thông"),
                ],
                default="residential",
                max_length=20,
                verbose_name="mục đích sử dụng",
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(condition=models.Q(purpose__in=PURPOSES), name="account_purpose_known"),
        ),
    ]
