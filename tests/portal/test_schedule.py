"""The public outage schedule: no sign-in, by place or customer code, cached, and its iCalendar feeds."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from gridcare.outages.models import OutageKind, OutageStatus
from tests import factories
from tests.outages.schedule_builders import outage

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(days, hour, minute=0):
    """A local time `days` from today at hour:minute (Asia/Ho_Chi_Minh)."""
    today = timezone.now().astimezone(HCM).date() + dt.timedelta(days=days)
    return dt.datetime(today.year, today.month, today.day, hour, minute, tzinfo=HCM)


@pytest.fixture
def places(world):
    """Ninh Kiều: a planned outage on its station and an incident in progress; Phong Điền: one planned outage;
    plus a draft and a cancelled one in Ninh Kiều that the page must not show."""
    ninh_kieu, phong_dien = world["communes"]
    station_a, station_b = world["stations"][world["teams"][0]], world["stations"][world["teams"][1]]
    acct = factories.account(world, name="Lê Thị Riêng Tư")
    other = factories.account(world, team=world["teams"][1], name="Phạm Văn Khác")
    return {
        "acct": acct, "other": other, "ninh_kieu": ninh_kieu, "phong_dien": phong_dien,
        "planned": outage(world, start=local(3, 8), end=local(3, 11, 30), place="khu vực chợ Ninh Kiều",
                          stations=[station_a]),
        "incident": outage(world, kind=OutageKind.INCIDENT, status=OutageStatus.IN_PROGRESS, start=local(0, 0, 5),
                           end=None, place="hẻm 51 đường 3/2", communes=[ninh_kieu], reason="Sự cố cáp ngầm"),
        "far": outage(world, start=local(5, 7), end=local(5, 16), place="ấp Nhơn Lộc", stations=[station_b],
                      unit=world["teams"][1]),
        "draft": outage(world, status=OutageStatus.DRAFT, start=local(4, 8), end=local(4, 9), place="BẢN NHÁP",
                        communes=[ninh_kieu]),
        "cancelled": outage(world, status=OutageStatus.CANCELLED, start=local(6, 8), end=local(6, 10),
                            place="lịch đã huỷ", communes=[ninh_kieu], revision=1),
    }  # fmt: skip


def page(client, **query):
    return client.get(reverse("portal:schedule"), query)


def test_anyone_looks_up_a_commune_without_signing_in(client, places):
    response = page(client, commune=places["ninh_kieu"].code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "khu vực chợ Ninh Kiều" in html and "hẻm 51 đường 3/2" in html
    assert "ấp Nhơn Lộc" not in html  # Phong Điền's
    assert "BẢN NHÁP" not in html and "lịch đã huỷ" not in html
    assert "Sự cố mất điện: hẻm 51 đường 3/2" in html and "chưa xác định" in html
    start = places["planned"].scheduled_start.astimezone(HCM)
    assert f"{start:%H:%M} {start:%d/%m/%Y}" in html
    assert reverse("portal:schedule_commune_feed", kwargs={"code": places["ninh_kieu"].code}) in html
    assert "csrfmiddlewaretoken" not in html and "<script>" not in html


def test_a_province_lists_its_communes_and_all_its_outages(client, places, world):
    html = page(client, province=world["province"].code).content.decode()
    assert 'name="commune"' in html and "Phường Ninh Kiều" in html
    assert "khu vực chợ Ninh Kiều" in html and "ấp Nhơn Lộc" in html


def test_a_customer_code_shows_only_its_areas_outages_and_nothing_personal(client, places):
    acct = places["acct"]
    response = page(client, customer=acct.code.lower() + " ")
    html = response.content.decode()
    assert response.status_code == 200
    assert "khu vực chợ Ninh Kiều" in html and "hẻm 51 đường 3/2" in html
    assert "ấp Nhơn Lộc" not in html
    for personal in ("Lê Thị Riêng Tư", acct.premise.street, "Phạm Văn Khác", places["other"].code):
        assert personal not in html
    assert response["Cache-Control"] == "private, max-age=300"


def test_unknown_and_malformed_codes_get_a_clear_message_not_an_error(client, places):
    unknown = page(client, customer="PB9999999999999")
    assert unknown.status_code == 404
    assert "Không tìm thấy mã khách hàng PB9999999999999" in unknown.content.decode()
    malformed = page(client, customer="<script>")
    assert malformed.status_code == 400
    assert "Mã khách hàng gồm chữ và số" in malformed.content.decode()
    assert page(client, commune="00-000").status_code == 404
    assert page(client, province="nope").status_code == 404
    assert page(client).status_code == 200


def test_the_page_is_cached_with_an_etag_and_answers_304(client, places):
    first = page(client, commune=places["ninh_kieu"].code)
    assert first["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in first["Vary"]
    again = client.get(
        reverse("portal:schedule"), {"commune": places["ninh_kieu"].code}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again.content == b""
    # A change of the schedule changes the page, so the old ETag no longer matches.
    places["planned"].place = "khu vực chợ Ninh Kiều (mở rộng)"
    places["planned"].save()
    changed = client.get(
        reverse("portal:schedule"), {"commune": places["ninh_kieu"].code}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert changed.status_code == 200


def test_a_signed_in_visitor_gets_a_private_page(client, places):
    from tests.portal.builders import portal_login

    client.force_login(portal_login(places["acct"]))
    assert page(client, commune=places["ninh_kieu"].code)["Cache-Control"] == "private, max-age=300"


@pytest.mark.parametrize(
    ("lang", "title"),
    [("vi", "Lịch ngừng cấp điện"), ("en", "Outage schedule"), ("fr", "Calendrier des coupures")],
)
def test_the_page_speaks_the_chosen_language(client, places, lang, title):
    response = page(client, commune=places["ninh_kieu"].code, lang=lang)
    assert f"<h1>{title}</h1>" in response.content.decode()
    assert response["Content-Language"] == lang


def feed(client, name, code, **query):
    response = client.get(reverse(f"portal:{name}", kwargs={"code": code}), query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response, icalendar.Calendar.from_ical(response.content)


def events(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_commune_feed_parses_back_with_times_in_ho_chi_minh(client, places):
    _, calendar = feed(client, "schedule_commune_feed", places["ninh_kieu"].code)
    found = events(calendar)
    planned, incident, cancelled = places["planned"], places["incident"], places["cancelled"]
    assert set(found) == {f"outage-{o.pk}@gridcare.invalid" for o in (planned, incident, cancelled)}
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    for event in found.values():
        for name in ("DTSTART", "DTEND"):
            assert event[name].params["TZID"] == "Asia/Ho_Chi_Minh"
            assert event.decoded(name).utcoffset() == dt.timedelta(hours=7)
            assert str(event.decoded(name).tzinfo) == "Asia/Ho_Chi_Minh"
    event = found[f"outage-{planned.pk}@gridcare.invalid"]
    assert event.decoded("DTSTART") == local(3, 8) and event.decoded("DTEND") == local(3, 11, 30)
    assert event.decoded("DTSTART").hour == 8 and event.decoded("DTEND").minute == 30
    assert str(event["SUMMARY"]) == "Ngừng cấp điện có kế hoạch: khu vực chợ Ninh Kiều"
    assert str(event["LOCATION"]) == "khu vực chợ Ninh Kiều"
    assert "Lý do: Bảo trì lưới điện" in str(event["DESCRIPTION"])
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")
    # An incident without an estimate lasts two hours in the calendar, and says the end is not known.
    event = found[f"outage-{incident.pk}@gridcare.invalid"]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(hours=2)
    assert "Chưa có giờ dự kiến có điện lại." in str(event["DESCRIPTION"])
    # A cancelled outage stays in the feed, cancelled, one sequence above its last revision.
    event = found[f"outage-{cancelled.pk}@gridcare.invalid"]
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 2)


def test_a_change_keeps_the_uid_and_bumps_the_sequence(client, places):
    planned = places["planned"]
    code = places["ninh_kieu"].code
    _, before = feed(client, "schedule_commune_feed", code)
    planned.scheduled_end = local(3, 12)
    planned.status, planned.revision = OutageStatus.CHANGED, 1
    planned.save()
    _, after = feed(client, "schedule_commune_feed", code)
    uid = f"outage-{planned.pk}@gridcare.invalid"
    assert events(before)[uid]["SEQUENCE"] == 0
    assert events(after)[uid]["SEQUENCE"] == 1
    assert events(after)[uid].decoded("DTEND") == local(3, 12)
    planned.status, planned.started_at, planned.restored_at = OutageStatus.RESTORED, local(3, 8), local(3, 11)
    planned.save()
    _, restored = feed(client, "schedule_commune_feed", code)
    event = events(restored)[uid]
    assert event["SEQUENCE"] == 2 and event.decoded("DTEND") == local(3, 11)
    assert "Đã có điện lại lúc 11:00" in str(event["DESCRIPTION"])


def test_the_customer_feed_holds_its_areas_outages_only_and_nothing_personal(client, places):
    response, calendar = feed(client, "schedule_customer_feed", places["acct"].code)
    assert set(events(calendar)) == {
        f"outage-{o.pk}@gridcare.invalid"
        for o in (places["planned"], places["incident"], places["cancelled"])
    }
    text = response.content.decode()
    assert "Lê Thị Riêng Tư" not in text and places["acct"].premise.street not in text
    assert response["Cache-Control"] == "private, max-age=300"
    _, other = feed(client, "schedule_customer_feed", places["other"].code)
    assert set(events(other)) == {f"outage-{places['far'].pk}@gridcare.invalid"}


def test_a_feed_in_english_and_a_304(client, places):
    response, calendar = feed(client, "schedule_commune_feed", places["ninh_kieu"].code, lang="en")
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Planned outage: khu vực chợ Ninh Kiều" in summaries
    url = reverse("portal:schedule_commune_feed", kwargs={"code": places["ninh_kieu"].code})
    assert client.get(url, {"lang": "en"}, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_unknown_feeds_are_a_plain_404(client, places):
    for name, code in (("schedule_customer_feed", "PB0000000000000"), ("schedule_commune_feed", "00-000"),
                       ("schedule_customer_feed", "x%3Cy")):  # fmt: skip
        response = client.get(reverse(f"portal:{name}", kwargs={"code": code}))
        assert response.status_code == 404
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "Không tìm thấy" in response.content.decode()
