"""Starter templates (vi, en, fr) loaded by a data migration; staff edit them in the back office afterwards.

Zalo rows have no ZNS template id: each utility's Official Account gets its own ids approved by
Zalo, and a Zalo message fails with `zns_template_missing` until staff fill it in.
"""

# key -> topic, {language: (subject, body, sms body)}
TEMPLATES = {
    "otp_code": (
        "security",
        {
            "vi": ("Mã xác thực", "Mã xác thực của quý khách là {code}, có hiệu lực {minutes} phút. Không chia sẻ mã này.",
                   "Ma xac thuc EVN: {code}, hieu luc {minutes} phut. Khong chia se ma nay."),
            "en": ("Verification code", "Your verification code is {code}, valid for {minutes} minutes. Do not share it.",
                   "EVN code: {code}, valid {minutes} min. Do not share it."),
            "fr": ("Code de vérification", "Votre code de vérification est {code}, valable {minutes} minutes. Ne le partagez pas.",
                   "Code EVN : {code}, valable {minutes} min. Ne le partagez pas."),
        },
    ),
    "consumption_alert": (
        "consumption_alert",
        {
            "vi": ("Cảnh báo sản lượng điện", "Khách hàng {customer_code}: kỳ ghi {read_on} dùng {kwh} (kỳ trước {previous_kwh}), vượt ngưỡng {threshold} quý khách đã đặt.",
                   "KH {customer_code}: ky {read_on} dung {kwh} (ky truoc {previous_kwh}), vuot nguong {threshold}."),
            "en": ("Consumption alert", "Account {customer_code}: the period read on {read_on} used {kwh} (previous {previous_kwh}), above your threshold {threshold}.",
                   "Acct {customer_code}: {kwh} used (previous {previous_kwh}), above your threshold {threshold}."),
            "fr": ("Alerte de consommation", "Contrat {customer_code} : la période relevée le {read_on} a consommé {kwh} (précédente {previous_kwh}), au-dessus de votre seuil {threshold}.",
                   "Contrat {customer_code} : {kwh} consommes (precedent {previous_kwh}), au-dessus du seuil {threshold}."),
        },
    ),
    "planned_outage": (
        "planned_outage",
        {
            "vi": ("Thông báo ngừng cấp điện", "Ngừng cấp điện từ {start} đến {end} tại {place} để {reason}. Mong quý khách thông cảm.",
                   "EVN: Ngung cap dien tu {start} den {end} tai {place} de {reason}."),
            "en": ("Planned power outage", "Power will be off from {start} to {end} at {place} for {reason}. We apologise for the inconvenience.",
                   "EVN: Power off from {start} to {end} at {place} for {reason}."),
            "fr": ("Coupure de courant programmée", "Le courant sera coupé de {start} à {end} à {place} pour {reason}. Merci de votre compréhension.",
                   "EVN : coupure de {start} a {end} a {place} pour {reason}."),
        },
    ),
    "bill_ready": (
        "bills",
        {
            "vi": ("Hoá đơn tiền điện", "Khách hàng {customer_code}: tiền điện kỳ {period} là {amount}, hạn thanh toán {due_on}.",
                   "EVN: KH {customer_code} tien dien ky {period}: {amount}, han {due_on}."),
            "en": ("Electricity bill", "Account {customer_code}: your bill for {period} is {amount}, due on {due_on}.",
                   "EVN: acct {customer_code} bill {period}: {amount}, due {due_on}."),
            "fr": ("Facture d'électricité", "Contrat {customer_code} : votre facture de {period} est de {amount}, à payer avant le {due_on}.",
                   "EVN : contrat {customer_code} facture {period} : {amount}, avant le {due_on}."),
        },
    ),
    "dr_event_called": (
        "demand_response",
        {
            "vi": ("Đề nghị điều chỉnh phụ tải", "Khách hàng {customer_code}: chương trình {programme} đề nghị giảm phụ tải ngày {day} từ {start} đến {end} (cam kết {commitment_kw} kW). Vui lòng xác nhận hoặc từ chối trên cổng khách hàng.",
                   "EVN: KH {customer_code} de nghi giam phu tai ngay {day} tu {start} den {end}. Xac nhan tren cong khach hang."),
            "en": ("Load adjustment request", "Account {customer_code}: programme {programme} asks you to reduce load on {day} from {start} to {end} (commitment {commitment_kw} kW). Please acknowledge or opt out in the customer portal.",
                   "EVN: acct {customer_code} please reduce load on {day} from {start} to {end}. Answer in the portal."),
            "fr": ("Demande d'effacement", "Contrat {customer_code} : le programme {programme} vous demande de réduire votre consommation le {day} de {start} à {end} (engagement {commitment_kw} kW). Merci de confirmer ou de refuser sur le portail client.",
                   "EVN : contrat {customer_code}, reduisez votre consommation le {day} de {start} a {end}. Repondez sur le portail."),
        },
    ),
}
# ZNS approves each parameter's length in advance (name 30, address 200, amount 20).
ZNS_LIMITS = {"customer_code": 30, "programme": 100, "day": 20, "commitment_kw": 10, "place": 200, "amount": 20, "code": 10, "reason": 100, "start": 30, "end": 30}
CHANNELS = ("inbox", "push", "email", "sms", "zalo")


def template_rows():
    """(key, topic, channel, language, subject, body, parameters) of every starter template."""
    for key, (topic, languages) in TEMPLATES.items():
        for language, (subject, body, sms_body) in languages.items():
            for channel in CHANNELS:
                text = sms_body if channel == "sms" else body
                limits = ZNS_LIMITS if channel == "zalo" else {}
                yield key, topic, channel, language, subject, text, limits
