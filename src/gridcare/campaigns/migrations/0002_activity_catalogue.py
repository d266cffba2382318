"""The catalogue of the month's activities, as EVNSPC and Can Tho Power run them (staff edit it afterwards).

Each kind says which targets apply; free technical services name the service-desk request type of their field work.
"""

from django.db import migrations

C, H, B, K, BL, KM, L = "count", "households", "budget_vnd", "kwh_saved", "blood_units", "road_km", "lamps"
# code, group, vi, en, fr, measures, request type, beneficiaries, special
KINDS = [
    ("free-inspection", "technical", "Kiểm tra miễn phí hệ thống điện của khách hàng", "Free inspection of customers' installations",
     "Inspection gratuite des installations des clients", [C, H, B], "free-inspection", False, ""),
    ("free-meter-installation", "technical", "Lắp đặt công tơ miễn phí", "Free meter installation",
     "Pose gratuite de compteurs", [C, H, B], "", False, ""),
    ("substation-cleaning", "technical", "Vệ sinh trạm biến áp khách hàng miễn phí", "Free cleaning of customers' substations",
     "Nettoyage gratuit des postes des clients", [C, B], "substation-cleaning", False, ""),
    ("transformer-testing", "technical", "Thí nghiệm máy biến áp miễn phí", "Free transformer testing",
     "Essais gratuits de transformateurs", [C, B], "transformer-testing", False, ""),
    ("equipment-check", "technical", "Kiểm tra định kỳ thiết bị điện cho doanh nghiệp", "Periodic equipment checks for enterprises",
     "Contrôles périodiques des équipements des entreprises", [C, B], "", False, ""),
    ("after-meter-advice", "technical", "Tư vấn bảo trì hệ thống điện sau công tơ cho doanh nghiệp",
     "After-meter maintenance advice for enterprises", "Conseils d'entretien après compteur aux entreprises", [C, H],
     "after-meter-advice", False, ""),
    ("poor-household-wiring", "social", "Sửa chữa, lắp mới miễn phí hệ thống điện cho hộ nghèo, gia đình chính sách",
     "Free repair or new wiring for poor and policy households",
     "Réparation ou installation électrique gratuite pour les ménages pauvres et les familles bénéficiaires", [C, H, B], "",
     True, ""),
    ("led-replacement", "social", "Thay đèn cũ bằng đèn LED tiết kiệm điện", "Replacing old lamps with LED",
     "Remplacement des anciennes lampes par des LED", [H, L, B, K], "", True, ""),
    ("visits-gifts", "social", "Thăm hỏi, tặng quà gia đình chính sách, hộ nghèo, người già neo đơn, trẻ mồ côi, Mẹ Việt Nam Anh hùng",
     "Visits and gifts to policy families, poor households, the elderly living alone, orphans and Vietnamese Heroic Mothers",
     "Visites et cadeaux aux familles bénéficiaires, ménages pauvres, personnes âgées seules, orphelins et Mères héroïques",
     [C, H, B], "", True, ""),
    ("load-adjustment-thanks", "recognition", "Tri ân khách hàng điều chỉnh phụ tải, chuyển sản xuất sang giờ thấp điểm",
     "Thanks to customers who adjusted load or shifted production off-peak",
     "Remerciements aux clients qui ont ajusté leur charge ou décalé leur production", [C, H, B, K], "", False, ""),
    ("reading-date-thanks", "recognition", "Tri ân khách hàng phối hợp thay đổi ngày ghi chỉ số",
     "Thanks to customers who cooperated with reading-date changes",
     "Remerciements aux clients qui ont accepté le changement de date de relève", [C, H, B], "", False, ""),
    ("energy-saving-family", "recognition", "Khen thưởng gia đình tiết kiệm điện", "Energy-saving family awards",
     "Prix des familles économes en électricité", [H, B, K], "", False, ""),
    ("blood-drive", "community", "Hiến máu tình nguyện (Tuần lễ hồng EVN)", "Blood-donation drive (EVN Red Week)",
     "Collecte de sang (Semaine rouge EVN)", [C, BL, B], "", False, "blood_drive"),
    ("road-lighting", "community", "Thắp sáng đường quê", "Lighting up rural roads", "Éclairage des routes rurales",
     [KM, L, B], "", False, "road_lighting"),
    ("digital-adoption", "digital", "Vận động khách hàng cài App CSKH, thanh toán trực tuyến, nhận thông báo qua App/Email/Zalo",
     "Digital-adoption drive: customer app, online payment, notices by app, e-mail or Zalo",
     "Campagne numérique : application client, paiement en ligne, avis par application, e-mail ou Zalo", [C, H], "", False, ""),
    ("safety-savings-communication", "communication", "Tuyên truyền sử dụng điện an toàn, tiết kiệm, hiệu quả",
     "Communication on safe and economical use of electricity", "Sensibilisation à l'usage sûr et économe de l'électricité",
     [C, H, B], "", False, ""),
]


def load(apps, schema_editor):
    ActivityKind = apps.get_model("campaigns", "ActivityKind")
    for position, (code, group, vi, en, fr, measures, request_type, beneficiaries, special) in enumerate(KINDS, start=1):
        ActivityKind.objects.update_or_create(code=code, defaults={
            "group": group, "name_vi": vi, "name_en": en, "name_fr": fr, "measures": measures,
            "request_type_code": request_type, "beneficiaries": beneficiaries, "special": special, "position": position * 10,
        })  # fmt: skip


def unload(apps, schema_editor):
    apps.get_model("campaigns", "ActivityKind").objects.filter(code__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
