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
    # Payment reminders (gridcare.payments.reminders): before the due date, after it, and the warning before
    # supply is cut for debt. {amount} is what is still owed on the account's bills of that due date.
    "payment_due_soon": (
        "payments",
        {
            "vi": ("Nhắc thanh toán tiền điện", "Khách hàng {customer_code}: tiền điện {amount} đến hạn thanh toán ngày {due_on}. Quý khách đã thanh toán thì xin bỏ qua tin này.",
                   "EVN: KH {customer_code} tien dien {amount} den han {due_on}. Da thanh toan xin bo qua."),
            "en": ("Electricity bill reminder", "Account {customer_code}: {amount} is due on {due_on}. If you have paid already, please ignore this message.",
                   "EVN: acct {customer_code} {amount} due {due_on}. Ignore if paid."),
            "fr": ("Rappel de facture d'électricité", "Contrat {customer_code} : {amount} sont à payer avant le {due_on}. Si vous avez déjà payé, ne tenez pas compte de ce message.",
                   "EVN : contrat {customer_code} {amount} a payer avant le {due_on}. Ignorer si paye."),
        },
    ),
    "payment_overdue": (
        "payments",
        {
            "vi": ("Thông báo nợ tiền điện", "Khách hàng {customer_code}: tiền điện {amount} đã quá hạn thanh toán ngày {due_on}. Xin quý khách thanh toán sớm để tránh bị ngừng cấp điện.",
                   "EVN: KH {customer_code} no tien dien {amount}, qua han {due_on}. Xin thanh toan som."),
            "en": ("Overdue electricity bill", "Account {customer_code}: {amount} was due on {due_on} and is still unpaid. Please pay soon to avoid a disconnection.",
                   "EVN: acct {customer_code} {amount} overdue since {due_on}. Please pay soon."),
            "fr": ("Facture d'électricité en retard", "Contrat {customer_code} : {amount} étaient à payer avant le {due_on} et restent impayés. Merci de payer rapidement pour éviter une coupure.",
                   "EVN : contrat {customer_code} {amount} impaye depuis le {due_on}. Merci de payer."),
        },
    ),
    "disconnection_warning": (
        "payments",
        {
            "vi": ("Thông báo ngừng cấp điện do nợ tiền điện", "Khách hàng {customer_code}: sau hai lần thông báo, tiền điện {amount} (hạn {due_on}) vẫn chưa được thanh toán. Điện lực sẽ ngừng cấp điện nếu quý khách không thanh toán. Đã thanh toán xin bỏ qua tin này.",
                   "EVN: KH {customer_code} no {amount} (han {due_on}) sau 2 lan bao. Se ngung cap dien neu khong thanh toan."),
            "en": ("Disconnection warning for an unpaid bill", "Account {customer_code}: after two notices, {amount} (due {due_on}) is still unpaid. Supply will be disconnected unless you pay. If you have paid, please ignore this message.",
                   "EVN: acct {customer_code} {amount} (due {due_on}) unpaid after 2 notices. Supply will be cut unless paid."),
            "fr": ("Avis de coupure pour facture impayée", "Contrat {customer_code} : après deux avis, {amount} (échéance {due_on}) restent impayés. L'alimentation sera coupée faute de paiement. Si vous avez payé, ne tenez pas compte de ce message.",
                   "EVN : contrat {customer_code} {amount} (echeance {due_on}) impaye apres 2 avis. Coupure sans paiement."),
        },
    ),
    "payment_receipt": (
        "payments",
        {
            "vi": ("Biên lai thanh toán tiền điện", "Khách hàng {customer_code}: đã nhận {amount} qua {channel} lúc {paid_at}, biên lai số {receipt}. Cảm ơn quý khách.",
                   "EVN: KH {customer_code} da thanh toan {amount} luc {paid_at}, bien lai {receipt}. Cam on quy khach."),
            "en": ("Payment receipt", "Account {customer_code}: we received {amount} by {channel} at {paid_at}, receipt {receipt}. Thank you.",
                   "EVN: acct {customer_code} paid {amount} at {paid_at}, receipt {receipt}. Thank you."),
            "fr": ("Reçu de paiement", "Contrat {customer_code} : nous avons reçu {amount} par {channel} le {paid_at}, reçu n° {receipt}. Merci.",
                   "EVN : contrat {customer_code} paye {amount} le {paid_at}, recu {receipt}. Merci."),
        },
    ),
}
# ZNS approves each parameter's length in advance (name 30, address 200, amount 20).
ZNS_LIMITS = {"customer_code": 30, "place": 200, "amount": 20, "code": 10, "reason": 100, "start": 30, "end": 30,
              "receipt": 20, "channel": 30, "paid_at": 30}  # fmt: skip
CHANNELS = ("inbox", "push", "email", "sms", "zalo")


def template_rows():
    """(key, topic, channel, language, subject, body, parameters) of every starter template."""
    for key, (topic, languages) in TEMPLATES.items():
        for language, (subject, body, sms_body) in languages.items():
            for channel in CHANNELS:
                text = sms_body if channel == "sms" else body
                limits = ZNS_LIMITS if channel == "zalo" else {}
                yield key, topic, channel, language, subject, text, limits
