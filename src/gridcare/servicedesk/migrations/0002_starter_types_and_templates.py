"""Starter request types (staff edit them afterwards) and the service desk's message templates (vi, en, fr)."""

from django.db import migrations

# code, vi, en, fr, amount, unit, extended amount, required fields, campaign, no power
STARTER_TYPES = [
    ("no-power", "Mất điện / sửa chữa tại nhà", "No power / repair at my house", "Pas de courant / réparation à domicile",
     2, "working_hours", None, ["contact_phone"], False, True),
    ("new-connection-lv", "Cấp điện mới hạ áp", "New low-voltage connection", "Nouveau raccordement basse tension",
     5, "working_days", 7, ["contact_phone", "requested_kw"], False, False),
    ("customer-fault", "Sự cố tại nhà khách hàng", "Fault at the customer's premises", "Panne chez le client",
     2, "working_hours", None, ["contact_phone"], False, True),
    ("meter-check", "Kiểm tra hoặc di dời công tơ", "Meter check or relocation", "Vérification ou déplacement du compteur",
     5, "working_days", None, ["contact_phone"], False, False),
    ("contract-change", "Thay đổi hợp đồng mua bán điện", "Contract change", "Modification du contrat",
     3, "working_days", None, ["contract_change"], False, False),
    ("free-inspection", "Kiểm tra miễn phí hệ thống điện trong nhà", "Free inspection of my installation",
     "Inspection gratuite de mon installation", 5, "working_days", None, ["contact_phone", "preferred_date"], True, False),
    ("substation-cleaning", "Vệ sinh trạm biến áp của khách hàng", "Substation / transformer-station cleaning",
     "Nettoyage du poste de transformation", 10, "working_days", None, ["contact_phone", "transformer_kva"], True, False),
    ("transformer-testing", "Thí nghiệm máy biến áp", "Transformer testing", "Essais du transformateur",
     10, "working_days", None, ["contact_phone", "transformer_kva"], True, False),
    ("after-meter-advice", "Tư vấn bảo trì hệ thống điện sau công tơ", "After-meter maintenance advice",
     "Conseils d'entretien après compteur", 5, "working_days", None, ["contact_phone"], True, False),
    ("other", "Yêu cầu khác", "Other request", "Autre demande", 5, "working_days", None, [], False, False),
]

SERVICEDESK_TEMPLATES = ("service_request_received", "service_request_moved", "service_request_closed")


def load(apps, schema_editor):
    from gridcare.notifications.defaults import template_rows

    RequestType = apps.get_model("servicedesk", "RequestType")
    for position, (code, vi, en, fr, amount, unit, extended, fields, campaign, no_power) in enumerate(STARTER_TYPES):
        RequestType.objects.get_or_create(
            code=code,
            defaults={
                "name_vi": vi, "name_en": en, "name_fr": fr, "promise_amount": amount, "promise_unit": unit,
                "extended_promise_amount": extended, "required_fields": fields, "campaign": campaign,
                "no_power": no_power, "position": (position + 1) * 10,
            },
        )  # fmt: skip
    Template = apps.get_model("notifications", "Template")
    for key, topic, channel, language, subject, body, parameters in template_rows():
        if key in SERVICEDESK_TEMPLATES:
            Template.objects.get_or_create(
                key=key, channel=channel, language=language,
                defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters},
            )  # fmt: skip


def unload(apps, schema_editor):
    apps.get_model("notifications", "Template").objects.filter(key__in=SERVICEDESK_TEMPLATES).delete()


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial"), ("notifications", "0010_outbox_field_labels")]
    operations = [migrations.RunPython(load, unload)]
