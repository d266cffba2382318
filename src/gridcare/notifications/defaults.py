"""Starter templates (vi, en, fr) loaded by a data migration; staff edit them in the back office afterwards.

Zalo rows have no ZNS template id: each utility's Official Account gets its own ids approved by
Zalo, and a Zalo message fails with `zns_template_missing` until staff fill it in.
"""

# key -> topic, {language: (subject, body, sms body)}
TEMPLATES = {
    "otp_code": (
        "security",
        {
            "vi": (
                "Mã xác thực",
                "Mã xác thực của quý khách là {code}, có hiệu lực {minutes} phút. Không chia sẻ mã này.",
                "Ma xac thuc EVN: {code}, hieu luc {minutes} phut. Khong chia se ma nay.",
            ),
            "en": (
                "Verification code",
                "Your verification code is {code}, valid for {minutes} minutes. Do not share it.",
                "EVN code: {code}, valid {minutes} min. Do not share it.",
            ),
            "fr": (
                "Code de vérification",
                "Votre code de vérification est {code}, valable {minutes} minutes. Ne le partagez pas.",
                "Code EVN : {code}, valable {minutes} min. Ne le partagez pas.",
            ),
        },
    ),
    "consumption_alert": (
        "consumption_alert",
        {
            "vi": (
                "Cảnh báo sản lượng điện",
                "Khách hàng {customer_code}: kỳ ghi {read_on} dùng {kwh} (kỳ trước {previous_kwh}), vượt ngưỡng {threshold} quý khách đã đặt.",
                "KH {customer_code}: ky {read_on} dung {kwh} (ky truoc {previous_kwh}), vuot nguong {threshold}.",
            ),
            "en": (
                "Consumption alert",
                "Account {customer_code}: the period read on {read_on} used {kwh} (previous {previous_kwh}), above your threshold {threshold}.",
                "Acct {customer_code}: {kwh} used (previous {previous_kwh}), above your threshold {threshold}.",
            ),
            "fr": (
                "Alerte de consommation",
                "Contrat {customer_code} : la période relevée le {read_on} a consommé {kwh} (précédente {previous_kwh}), au-dessus de votre seuil {threshold}.",
                "Contrat {customer_code} : {kwh} consommes (precedent {previous_kwh}), au-dessus du seuil {threshold}.",
            ),
        },
    ),
    "planned_outage": (
        "planned_outage",
        {
            "vi": (
                "Thông báo ngừng cấp điện",
                "Ngừng cấp điện từ {start} đến {end} tại {place} để {reason}. Mong quý khách thông cảm.",
                "EVN: Ngung cap dien tu {start} den {end} tai {place} de {reason}.",
            ),
            "en": (
                "Planned power outage",
                "Power will be off from {start} to {end} at {place} for {reason}. We apologise for the inconvenience.",
                "EVN: Power off from {start} to {end} at {place} for {reason}.",
            ),
            "fr": (
                "Coupure de courant programmée",
                "Le courant sera coupé de {start} à {end} à {place} pour {reason}. Merci de votre compréhension.",
                "EVN : coupure de {start} a {end} a {place} pour {reason}.",
            ),
        },
    ),
    "outage_changed": (
        "planned_outage",
        {
            "vi": (
                "Thay đổi lịch ngừng cấp điện",
                "Lịch ngừng cấp điện tại {place} đã thay đổi: nay từ {start} đến {end}, để {reason}. Mong quý khách thông cảm.",
                "EVN: Lich ngung cap dien tai {place} da thay doi: tu {start} den {end}, de {reason}.",
            ),
            "en": (
                "Planned outage changed",
                "The planned power outage at {place} has changed: now from {start} to {end}, for {reason}. We apologise for the inconvenience.",
                "EVN: Outage at {place} changed: now {start} to {end}, for {reason}.",
            ),
            "fr": (
                "Coupure programmée modifiée",
                "La coupure de courant programmée à {place} a changé : désormais de {start} à {end}, pour {reason}. Merci de votre compréhension.",
                "EVN : coupure a {place} modifiee : de {start} a {end}, pour {reason}.",
            ),
        },
    ),
    "outage_cancelled": (
        "planned_outage",
        {
            "vi": (
                "Huỷ lịch ngừng cấp điện",
                "Lịch ngừng cấp điện tại {place} từ {start} đến {end} đã được huỷ: điện vẫn được cấp bình thường.",
                "EVN: Da huy lich ngung cap dien tai {place} tu {start} den {end}.",
            ),
            "en": (
                "Planned outage cancelled",
                "The planned power outage at {place} from {start} to {end} is cancelled: power stays on as usual.",
                "EVN: Outage at {place} from {start} to {end} is cancelled.",
            ),
            "fr": (
                "Coupure programmée annulée",
                "La coupure de courant prévue à {place} de {start} à {end} est annulée : le courant reste fourni normalement.",
                "EVN : coupure a {place} de {start} a {end} annulee.",
            ),
        },
    ),
    "outage_reminder": (
        "planned_outage",
        {
            "vi": (
                "Nhắc lịch ngừng cấp điện ngày mai",
                "Nhắc lịch: ngừng cấp điện từ {start} đến {end} tại {place} để {reason}. Mong quý khách thông cảm.",
                "EVN nhac lich: ngung cap dien tu {start} den {end} tai {place} de {reason}.",
            ),
            "en": (
                "Power outage tomorrow",
                "Reminder: power will be off from {start} to {end} at {place} for {reason}. We apologise for the inconvenience.",
                "EVN reminder: power off {start} to {end} at {place} for {reason}.",
            ),
            "fr": (
                "Coupure de courant demain",
                "Rappel : le courant sera coupé de {start} à {end} à {place} pour {reason}. Merci de votre compréhension.",
                "Rappel EVN : coupure de {start} a {end} a {place} pour {reason}.",
            ),
        },
    ),
    "outage_restored": (
        "planned_outage",
        {
            "vi": (
                "Đã có điện trở lại",
                "Điện đã được cấp trở lại tại {place} lúc {restored}. Cảm ơn quý khách đã thông cảm.",
                "EVN: Da co dien tro lai tai {place} luc {restored}.",
            ),
            "en": (
                "Power is back",
                "Power was restored at {place} at {restored}. Thank you for your patience.",
                "EVN: Power restored at {place} at {restored}.",
            ),
            "fr": (
                "Le courant est rétabli",
                "Le courant a été rétabli à {place} à {restored}. Merci de votre patience.",
                "EVN : courant retabli a {place} a {restored}.",
            ),
        },
    ),
    "incident": (
        "incident",
        {
            "vi": (
                "Sự cố mất điện",
                "Sự cố mất điện tại {place} từ {start} ({reason}). Dự kiến có điện lại: {end}. Nhân viên đang xử lý, mong quý khách thông cảm.",
                "EVN: Su co mat dien tai {place} tu {start} ({reason}). Du kien co dien lai: {end}.",
            ),
            "en": (
                "Power outage",
                "Power outage at {place} since {start} ({reason}). Expected restoration: {end}. Our crew is working on it.",
                "EVN: Outage at {place} since {start} ({reason}). Expected back: {end}.",
            ),
            "fr": (
                "Panne de courant",
                "Panne de courant à {place} depuis {start} ({reason}). Rétablissement prévu : {end}. Nos équipes interviennent.",
                "EVN : panne a {place} depuis {start} ({reason}). Retablissement prevu : {end}.",
            ),
        },
    ),
    "incident_update": (
        "incident",
        {
            "vi": (
                "Cập nhật sự cố mất điện",
                "Cập nhật sự cố mất điện tại {place} ({reason}): dự kiến có điện lại {end}.",
                "EVN: Cap nhat su co tai {place} ({reason}): du kien co dien lai {end}.",
            ),
            "en": (
                "Power outage update",
                "Update on the power outage at {place} ({reason}): expected restoration {end}.",
                "EVN: Outage update at {place} ({reason}): expected back {end}.",
            ),
            "fr": (
                "Mise à jour de la panne",
                "Mise à jour de la panne à {place} ({reason}) : rétablissement prévu {end}.",
                "EVN : panne a {place} ({reason}) : retablissement prevu {end}.",
            ),
        },
    ),
    "bill_ready": (
        "bills",
        {
            "vi": (
                "Hoá đơn tiền điện",
                "Khách hàng {customer_code}: tiền điện kỳ {period} là {amount}, hạn thanh toán {due_on}.",
                "EVN: KH {customer_code} tien dien ky {period}: {amount}, han {due_on}.",
            ),
            "en": (
                "Electricity bill",
                "Account {customer_code}: your bill for {period} is {amount}, due on {due_on}.",
                "EVN: acct {customer_code} bill {period}: {amount}, due {due_on}.",
            ),
            "fr": (
                "Facture d'électricité",
                "Contrat {customer_code} : votre facture de {period} est de {amount}, à payer avant le {due_on}.",
                "EVN : contrat {customer_code} facture {period} : {amount}, avant le {due_on}.",
            ),
        },
    ),
    # The service desk (gridcare.servicedesk, loaded by its own data migration).
    "service_request_received": (
        "service_request",
        {
            "vi": (
                "Đã tiếp nhận yêu cầu",
                "Điện lực đã tiếp nhận yêu cầu {number} ({request_type}). Hạn hoàn thành: {due}.",
                "EVN: da tiep nhan yeu cau {number}, han hoan thanh {due}.",
            ),
            "en": (
                "Request received",
                "We have received your request {number} ({request_type}). Due by {due}.",
                "EVN: request {number} received, due by {due}.",
            ),
            "fr": (
                "Demande reçue",
                "Nous avons reçu votre demande {number} ({request_type}). Échéance : {due}.",
                "EVN : demande {number} recue, echeance {due}.",
            ),
        },
    ),
    "service_request_moved": (
        "service_request",
        {
            "vi": (
                "Yêu cầu có tiến triển",
                "Yêu cầu {number} ({request_type}) chuyển sang trạng thái: {state}.",
                "EVN: yeu cau {number}: {state}.",
            ),
            "en": (
                "Your request has moved",
                "Request {number} ({request_type}) is now: {state}.",
                "EVN: request {number}: {state}.",
            ),
            "fr": (
                "Votre demande avance",
                "La demande {number} ({request_type}) est maintenant : {state}.",
                "EVN : demande {number} : {state}.",
            ),
        },
    ),
    "service_request_closed": (
        "service_request",
        {
            "vi": (
                "Yêu cầu đã hoàn thành",
                "Yêu cầu {number} ({request_type}) đã hoàn thành. Quý khách hài lòng đến đâu? Trả lời một câu hỏi: {survey_url}",
                "EVN: yeu cau {number} da hoan thanh. Danh gia: {survey_url}",
            ),
            "en": (
                "Request completed",
                "Request {number} ({request_type}) is completed. How satisfied are you? One question: {survey_url}",
                "EVN: request {number} completed. Rate us: {survey_url}",
            ),
            "fr": (
                "Demande terminée",
                "La demande {number} ({request_type}) est terminée. Êtes-vous satisfait ? Une question : {survey_url}",
                "EVN : demande {number} terminee. Votre avis : {survey_url}",
            ),
        },
    ),
    # Payment reminders (gridcare.payments.reminders): before the due date, after it, and the warning before
    # supply is cut for debt. {amount} is what is still owed on the account's bills of that due date.
    "payment_due_soon": (
        "payments",
        {
            "vi": (
                "Nhắc thanh toán tiền điện",
                "Khách hàng {customer_code}: tiền điện {amount} đến hạn thanh toán ngày {due_on}. Quý khách đã thanh toán thì xin bỏ qua tin này.",
                "EVN: KH {customer_code} tien dien {amount} den han {due_on}. Da thanh toan xin bo qua.",
            ),
            "en": (
                "Electricity bill reminder",
                "Account {customer_code}: {amount} is due on {due_on}. If you have paid already, please ignore this message.",
                "EVN: acct {customer_code} {amount} due {due_on}. Ignore if paid.",
            ),
            "fr": (
                "Rappel de facture d'électricité",
                "Contrat {customer_code} : {amount} sont à payer avant le {due_on}. Si vous avez déjà payé, ne tenez pas compte de ce message.",
                "EVN : contrat {customer_code} {amount} a payer avant le {due_on}. Ignorer si paye.",
            ),
        },
    ),
    "payment_overdue": (
        "payments",
        {
            "vi": (
                "Thông báo nợ tiền điện",
                "Khách hàng {customer_code}: tiền điện {amount} đã quá hạn thanh toán ngày {due_on}. Xin quý khách thanh toán sớm để tránh bị ngừng cấp điện.",
                "EVN: KH {customer_code} no tien dien {amount}, qua han {due_on}. Xin thanh toan som.",
            ),
            "en": (
                "Overdue electricity bill",
                "Account {customer_code}: {amount} was due on {due_on} and is still unpaid. Please pay soon to avoid a disconnection.",
                "EVN: acct {customer_code} {amount} overdue since {due_on}. Please pay soon.",
            ),
            "fr": (
                "Facture d'électricité en retard",
                "Contrat {customer_code} : {amount} étaient à payer avant le {due_on} et restent impayés. Merci de payer rapidement pour éviter une coupure.",
                "EVN : contrat {customer_code} {amount} impaye depuis le {due_on}. Merci de payer.",
            ),
        },
    ),
    "disconnection_warning": (
        "payments",
        {
            "vi": (
                "Thông báo ngừng cấp điện do nợ tiền điện",
                "Khách hàng {customer_code}: sau hai lần thông báo, tiền điện {amount} (hạn {due_on}) vẫn chưa được thanh toán. Điện lực sẽ ngừng cấp điện nếu quý khách không thanh toán. Đã thanh toán xin bỏ qua tin này.",
                "EVN: KH {customer_code} no {amount} (han {due_on}) sau 2 lan bao. Se ngung cap dien neu khong thanh toan.",
            ),
            "en": (
                "Disconnection warning for an unpaid bill",
                "Account {customer_code}: after two notices, {amount} (due {due_on}) is still unpaid. Supply will be disconnected unless you pay. If you have paid, please ignore this message.",
                "EVN: acct {customer_code} {amount} (due {due_on}) unpaid after 2 notices. Supply will be cut unless paid.",
            ),
            "fr": (
                "Avis de coupure pour facture impayée",
                "Contrat {customer_code} : après deux avis, {amount} (échéance {due_on}) restent impayés. L'alimentation sera coupée faute de paiement. Si vous avez payé, ne tenez pas compte de ce message.",
                "EVN : contrat {customer_code} {amount} (echeance {due_on}) impaye apres 2 avis. Coupure sans paiement.",
            ),
        },
    ),
    "payment_receipt": (
        "payments",
        {
            "vi": (
                "Biên lai thanh toán tiền điện",
                "Khách hàng {customer_code}: đã nhận {amount} qua {channel} lúc {paid_at}, biên lai số {receipt}. Cảm ơn quý khách.",
                "EVN: KH {customer_code} da thanh toan {amount} luc {paid_at}, bien lai {receipt}. Cam on quy khach.",
            ),
            "en": (
                "Payment receipt",
                "Account {customer_code}: we received {amount} by {channel} at {paid_at}, receipt {receipt}. Thank you.",
                "EVN: acct {customer_code} paid {amount} at {paid_at}, receipt {receipt}. Thank you.",
            ),
            "fr": (
                "Reçu de paiement",
                "Contrat {customer_code} : nous avons reçu {amount} par {channel} le {paid_at}, reçu n° {receipt}. Merci.",
                "EVN : contrat {customer_code} paye {amount} le {paid_at}, recu {receipt}. Merci.",
            ),
        },
    ),
    "dr_event_called": (
        "demand_response",
        {
            "vi": (
                "Đề nghị điều chỉnh phụ tải",
                "Khách hàng {customer_code}: chương trình {programme} đề nghị giảm phụ tải ngày {day} từ {start} đến {end} (cam kết {commitment_kw} kW). Vui lòng xác nhận hoặc từ chối trên cổng khách hàng.",
                "EVN: KH {customer_code} de nghi giam phu tai ngay {day} tu {start} den {end}. Xac nhan tren cong khach hang.",
            ),
            "en": (
                "Load adjustment request",
                "Account {customer_code}: programme {programme} asks you to reduce load on {day} from {start} to {end} (commitment {commitment_kw} kW). Please acknowledge or opt out in the customer portal.",
                "EVN: acct {customer_code} please reduce load on {day} from {start} to {end}. Answer in the portal.",
            ),
            "fr": (
                "Demande d'effacement",
                "Contrat {customer_code} : le programme {programme} vous demande de réduire votre consommation le {day} de {start} à {end} (engagement {commitment_kw} kW). Merci de confirmer ou de refuser sur le portail client.",
                "EVN : contrat {customer_code}, reduisez votre consommation le {day} de {start} a {end}. Repondez sur le portail.",
            ),
        },
    ),
    # Safety and savings advice (gridcare.insights): the title, and the text cut to `summary` for Zalo and push.
    "advice": (
        "programmes",
        {
            "vi": (
                "{title}",
                "{title}: {summary} Xem đầy đủ trên cổng khách hàng, mục Tư vấn tiết kiệm điện.",
                "EVN: {title}. Xem chi tiet tren cong khach hang hoac goi 19001006.",
            ),
            "en": (
                "{title}",
                "{title}: {summary} Read it in full in the customer portal, under Energy-saving advice.",
                "EVN: {title}. Details in the customer portal or call 19001006.",
            ),
            "fr": (
                "{title}",
                "{title} : {summary} À lire en entier sur le portail client, rubrique Conseils d'économie.",
                "EVN : {title}. Details sur le portail client ou au 19001006.",
            ),
        },
    ),
    # The customer's own portal (docs/portal.md): every change of a password or contact is told on the customer's
    # channels; a new e-mail address is confirmed by a link sent to it.
    "security_notice": (
        "security",
        {
            "vi": (
                "Thay đổi bảo mật tài khoản",
                "Khách hàng {customer_code}: {change}. Nếu không phải quý khách thực hiện, xin gọi ngay tổng đài 19001006.",
                "EVN: KH {customer_code}: {change}. Neu khong phai quy khach, goi ngay 19001006.",
            ),
            "en": (
                "Account security change",
                "Account {customer_code}: {change}. If this was not you, please call 19001006 at once.",
                "EVN: acct {customer_code}: {change}. If this was not you, call 19001006.",
            ),
            "fr": (
                "Modification de sécurité du compte",
                "Contrat {customer_code} : {change}. Si ce n'est pas vous, appelez immédiatement le 19001006.",
                "EVN : contrat {customer_code} : {change}. Si ce n'est pas vous, appelez le 19001006.",
            ),
        },
    ),
    "email_confirm": (
        "security",
        {
            "vi": (
                "Xác nhận địa chỉ e-mail",
                "Để nhận thông báo của khách hàng {customer_code} tại địa chỉ này, xin mở liên kết sau trong {hours} giờ: {link} . Nếu quý khách không yêu cầu, hãy bỏ qua thư này.",
                "EVN: xac nhan e-mail cho KH {customer_code}: {link}",
            ),
            "en": (
                "Confirm your e-mail address",
                "To receive the notices of account {customer_code} at this address, open this link within {hours} hours: {link} . If you did not ask for it, ignore this e-mail.",
                "EVN: confirm e-mail for acct {customer_code}: {link}",
            ),
            "fr": (
                "Confirmez votre adresse e-mail",
                "Pour recevoir les avis du contrat {customer_code} à cette adresse, ouvrez ce lien dans les {hours} heures : {link} . Si vous ne l'avez pas demandé, ignorez ce message.",
                "EVN : confirmez l'e-mail du contrat {customer_code} : {link}",
            ),
        },
    ),
}
# ZNS approves each parameter's length in advance (name 30, address 200, amount 20).
ZNS_LIMITS = {
    "customer_code": 30, "place": 200, "amount": 20, "code": 10, "reason": 100, "start": 30, "end": 30, "restored": 30,
    "number": 20, "request_type": 80, "state": 40, "due": 30, "survey_url": 200, "receipt": 20, "channel": 30, "paid_at": 30,
    "programme": 100, "day": 20, "commitment_kw": 10, "title": 100, "summary": 200,
    "change": 120, "link": 200, "hours": 5,
}  # fmt: skip
CHANNELS = ("inbox", "push", "email", "sms", "zalo")


def template_rows():
    """(key, topic, channel, language, subject, body, parameters) of every starter template."""
    for key, (topic, languages) in TEMPLATES.items():
        for language, (subject, body, sms_body) in languages.items():
            for channel in CHANNELS:
                text = sms_body if channel == "sms" else body
                limits = ZNS_LIMITS if channel == "zalo" else {}
                yield key, topic, channel, language, subject, text, limits
