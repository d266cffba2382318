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
    "outage_changed": (
        "planned_outage",
        {
            "vi": ("Thay đổi lịch ngừng cấp điện", "Lịch ngừng cấp điện tại {place} đã thay đổi: nay từ {start} đến {end}, để {reason}. Mong quý khách thông cảm.",
                   "EVN: Lich ngung cap dien tai {place} da thay doi: tu {start} den {end}, de {reason}."),
            "en": ("Planned outage changed", "The planned power outage at {place} has changed: now from {start} to {end}, for {reason}. We apologise for the inconvenience.",
                   "EVN: Outage at {place} changed: now {start} to {end}, for {reason}."),
            "fr": ("Coupure programmée modifiée", "La coupure de courant programmée à {place} a changé : désormais de {start} à {end}, pour {reason}. Merci de votre compréhension.",
                   "EVN : coupure a {place} modifiee : de {start} a {end}, pour {reason}."),
        },
    ),
    "outage_cancelled": (
        "planned_outage",
        {
            "vi": ("Huỷ lịch ngừng cấp điện", "Lịch ngừng cấp điện tại {place} từ {start} đến {end} đã được huỷ: điện vẫn được cấp bình thường.",
                   "EVN: Da huy lich ngung cap dien tai {place} tu {start} den {end}."),
            "en": ("Planned outage cancelled", "The planned power outage at {place} from {start} to {end} is cancelled: power stays on as usual.",
                   "EVN: Outage at {place} from {start} to {end} is cancelled."),
            "fr": ("Coupure programmée annulée", "La coupure de courant prévue à {place} de {start} à {end} est annulée : le courant reste fourni normalement.",
                   "EVN : coupure a {place} de {start} a {end} annulee."),
        },
    ),
    "outage_reminder": (
        "planned_outage",
        {
            "vi": ("Nhắc lịch ngừng cấp điện ngày mai", "Nhắc lịch: ngừng cấp điện từ {start} đến {end} tại {place} để {reason}. Mong quý khách thông cảm.",
                   "EVN nhac lich: ngung cap dien tu {start} den {end} tai {place} de {reason}."),
            "en": ("Power outage tomorrow", "Reminder: power will be off from {start} to {end} at {place} for {reason}. We apologise for the inconvenience.",
                   "EVN reminder: power off {start} to {end} at {place} for {reason}."),
            "fr": ("Coupure de courant demain", "Rappel : le courant sera coupé de {start} à {end} à {place} pour {reason}. Merci de votre compréhension.",
                   "Rappel EVN : coupure de {start} a {end} a {place} pour {reason}."),
        },
    ),
    "outage_restored": (
        "planned_outage",
        {
            "vi": ("Đã có điện trở lại", "Điện đã được cấp trở lại tại {place} lúc {restored}. Cảm ơn quý khách đã thông cảm.",
                   "EVN: Da co dien tro lai tai {place} luc {restored}."),
            "en": ("Power is back", "Power was restored at {place} at {restored}. Thank you for your patience.",
                   "EVN: Power restored at {place} at {restored}."),
            "fr": ("Le courant est rétabli", "Le courant a été rétabli à {place} à {restored}. Merci de votre patience.",
                   "EVN : courant retabli a {place} a {restored}."),
        },
    ),
    "incident": (
        "incident",
        {
            "vi": ("Sự cố mất điện", "Sự cố mất điện tại {place} từ {start} ({reason}). Dự kiến có điện lại: {end}. Nhân viên đang xử lý, mong quý khách thông cảm.",
                   "EVN: Su co mat dien tai {place} tu {start} ({reason}). Du kien co dien lai: {end}."),
            "en": ("Power outage", "Power outage at {place} since {start} ({reason}). Expected restoration: {end}. Our crew is working on it.",
                   "EVN: Outage at {place} since {start} ({reason}). Expected back: {end}."),
            "fr": ("Panne de courant", "Panne de courant à {place} depuis {start} ({reason}). Rétablissement prévu : {end}. Nos équipes interviennent.",
                   "EVN : panne a {place} depuis {start} ({reason}). Retablissement prevu : {end}."),
        },
    ),
    "incident_update": (
        "incident",
        {
            "vi": ("Cập nhật sự cố mất điện", "Cập nhật sự cố mất điện tại {place} ({reason}): dự kiến có điện lại {end}.",
                   "EVN: Cap nhat su co tai {place} ({reason}): du kien co dien lai {end}."),
            "en": ("Power outage update", "Update on the power outage at {place} ({reason}): expected restoration {end}.",
                   "EVN: Outage update at {place} ({reason}): expected back {end}."),
            "fr": ("Mise à jour de la panne", "Mise à jour de la panne à {place} ({reason}) : rétablissement prévu {end}.",
                   "EVN : panne a {place} ({reason}) : retablissement prevu {end}."),
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
}
# ZNS approves each parameter's length in advance (name 30, address 200, amount 20).
ZNS_LIMITS = {"customer_code": 30, "place": 200, "amount": 20, "code": 10, "reason": 100, "start": 30, "end": 30, "restored": 30}
CHANNELS = ("inbox", "push", "email", "sms", "zalo")


def template_rows():
    """(key, topic, channel, language, subject, body, parameters) of every starter template."""
    for key, (topic, languages) in TEMPLATES.items():
        for language, (subject, body, sms_body) in languages.items():
            for channel in CHANNELS:
                text = sms_body if channel == "sms" else body
                limits = ZNS_LIMITS if channel == "zalo" else {}
                yield key, topic, channel, language, subject, text, limits
