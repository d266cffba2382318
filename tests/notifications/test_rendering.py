"""Templates: parameters checked before sending; SMS transliterated to GSM-7 within its budget."""

import pytest
from django.test import override_settings

from gridcare.notifications.models import Template
from gridcare.notifications.rendering import (
    TemplateError,
    placeholders,
    render,
    sms_segments,
    sms_text,
    template_find,
)
from tests.notifications.builders import template


def test_sms_text_strips_vietnamese_diacritics_predictably():
    assert sms_text("Điện lực Cần Thơ: tiền điện 1.234.567 ₫") == "Dien luc Can Tho: tien dien 1.234.567 d"
    assert sms_text("Ngừng cấp điện – ấp Mỹ Khánh") == "Ngung cap dien - ap My Khanh"


def test_sms_segments():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3


def test_placeholders_refuse_attribute_access():
    assert placeholders("{a} và {b}") == {"a", "b"}
    with pytest.raises(TemplateError) as err:
        placeholders("{account.customer.tax_code}")
    assert err.value.code == "bad_placeholder"


def test_missing_parameter_is_refused(db):
    t = template(body="Tiền điện {amount} hạn {due_on}")
    with pytest.raises(TemplateError) as err:
        render(template=t, context={"amount": 1}, language="vi")
    assert err.value.code == "parameter_missing" and err.value.details["names"] == ["due_on"]


def test_zns_parameter_length_limit(db):
    t = template(
        channel="zalo", body="{customer_name}", parameters={"customer_name": 30}, zns_template_id="231"
    )
    assert render(template=t, context={"customer_name": "Nguyễn Văn An"}, language="vi").params == {
        "customer_name": "Nguyễn Văn An"
    }
    with pytest.raises(TemplateError) as err:
        render(template=t, context={"customer_name": "X" * 31}, language="vi")
    assert err.value.code == "parameter_too_long" and err.value.details["limit"] == 30


def test_zalo_template_needs_an_approved_id(db):
    t = template(channel="zalo", body="{customer_code}")
    with pytest.raises(TemplateError) as err:
        render(template=t, context={"customer_code": "PB13"}, language="vi")
    assert err.value.code == "zns_template_missing"


@override_settings(GRIDCARE_SMS_MAX_SEGMENTS=1)
def test_sms_budget_is_checked_on_the_text_actually_sent(db):
    t = template(body="Thông báo: {text}")
    ok = render(template=t, context={"text": "đ" * 149}, language="vi")
    assert ok.body == "Thong bao: " + "d" * 149 and len(ok.body) == 160
    with pytest.raises(TemplateError) as err:
        render(template=t, context={"text": "đ" * 150}, language="vi")
    assert err.value.code == "sms_too_long"


def test_sms_refuses_characters_outside_gsm7(db):
    t = template(body="Chúc mừng {x}")
    with pytest.raises(TemplateError) as err:
        render(template=t, context={"x": "năm mới 🎉"}, language="vi")
    assert err.value.code == "sms_charset"


def test_typed_values_are_formatted_for_the_readers_language(db):
    t = template(channel="email", body="{amount} / {day} / {energy} / {label}")
    ctx = {
        "amount": {"vnd": 1234567},
        "day": {"date": "2026-03-05"},
        "energy": {"kwh": 1250},
        "label": {"vi": "tháng", "en": "month"},
    }
    assert (
        render(template=t, context=ctx, language="vi").body == "1.234.567 ₫ / 05/03/2026 / 1.250 kWh / tháng"
    )
    assert (
        render(template=t, context=ctx, language="en").body == "1,234,567 ₫ / 05/03/2026 / 1,250 kWh / month"
    )


def test_template_falls_back_to_vietnamese_and_starter_templates_exist(db):
    assert Template.objects.filter(key="planned_outage", language="fr", channel="email").exists()
    template(key="only_vi", channel="email", body="chỉ tiếng Việt")
    assert template_find(key="only_vi", channel="email", language="fr").language == "vi"
    with pytest.raises(TemplateError):
        template_find(key="nope", channel="email", language="vi")


def test_starter_sms_templates_fit_gsm7(db):
    ctx = {"code": "123456", "minutes": 5, "customer_code": "PB13000000001", "read_on": {"date": "2026-03-05"},
           "kwh": {"kwh": 512}, "previous_kwh": {"kwh": 300}, "threshold": 400, "start": "08:00 12/03/2026",
           "end": "16:00 12/03/2026", "place": "ấp Mỹ Khánh", "reason": "bảo trì lưới điện", "period": "03/2026",
           "amount": {"vnd": 345000}, "due_on": {"date": "2026-03-20"}, "restored": "10:30 12/03/2026",
           # the service desk's (gridcare.servicedesk)
           "number": "YC251201ABCDEF", "request_type": "Kiểm tra hoặc di dời công tơ", "state": "đang xử lý",
           "due": "16:30 08/12/2025", "survey_url": "https://cskh.example.vn/requests/survey/123:1tXyZa:" + "s" * 43 + "/",
           # payments' and demand response's
           "receipt": "BL2512010001", "channel": "VNPAY", "paid_at": "09:15 01/12/2025",
           "programme": "Điều chỉnh phụ tải Cần Thơ 2026", "day": "15/06/2026", "commitment_kw": 300,
           # safety and savings advice (gridcare.insights): a title of the longest length the form allows
           "title": "Tiết kiệm điện " + "ư" * 86, "summary": "Tắt thiết bị khi không dùng.",
           # the customer's own portal: security notices and the e-mail confirmation link
           "change": {"vi": "số điện thoại của hợp đồng vừa được đổi", "en": "the contract's phone number was just changed",
                      "fr": "le numéro de téléphone du contrat vient d'être modifié"},
           "link": "https://cskh.example.vn/profile/email/confirm/" + "x" * 60 + "/", "hours": 24}  # fmt: skip
    for t in Template.objects.filter(channel="sms").order_by("pk"):
        rendered = render(template=t, context=ctx, language=t.language)
        assert rendered.body.isascii(), t
