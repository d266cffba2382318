"""Staff views of notifications: each message (to whom, channel, when, delivered or failed and why), and per
unit the share of customers each channel reaches and the progress of the move to electronic bills."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from gridcare.notifications import services
from gridcare.notifications.models import OutboxMessage, PushSubscription
from gridcare.org.models import StaffRole
from tests.backoffice.builders import staff, superuser, verified_login
from tests.notifications.builders import NOON, contact_account, template

OUTBOX = "/backoffice/notifications/outboxmessage/"
REACHABILITY = "/backoffice/notifications/outboxmessage/reachability/"


@pytest.fixture
def two_teams(world):
    """Team A: three accounts (e-mail; Zalo; phone only), team B: one account with a push subscription."""
    team_a, team_b = world["teams"]
    a_email = contact_account(world, email="an@example.vn", team=team_a)
    a_zalo = contact_account(world, phone="+84901000002", zalo="z-2", team=team_a)
    a_paper = contact_account(world, phone="+84901000003", team=team_a)
    b_push = contact_account(world, phone="+84901000004", team=team_b)
    PushSubscription.objects.create(
        account=b_push, endpoint="https://push.example/b", p256dh="k", auth="a", created_at=NOON
    )
    return {"a": [a_email, a_zalo, a_paper], "b": [b_push], "teams": (team_a, team_b)}


def test_each_message_shows_to_whom_channel_when_and_why_it_failed(client, two_teams):
    a_email, a_zalo, a_paper = two_teams["a"]
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(
        topic="programmes", recipients=[a_paper.pk], template="hello", channels=["sms"], now=timezone.now()
    )
    row = OutboxMessage.objects.get(account=a_paper)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status="failed", address="+84901000003", last_error="HTTP 400: số điện thoại bị từ chối"
    )
    verified_login(client, superuser())
    page = client.get(OUTBOX, {"q": a_paper.code})
    assert page.status_code == 200
    html = page.text
    assert a_paper.code in html and a_paper.customer.name in html
    assert "+84901000003" in html and "HTTP 400: số điện thoại bị từ chối" in html
    assert "thất bại" in html
    detail = client.get(f"{OUTBOX}{row.pk}/change/")
    assert detail.status_code == 200 and f"Xin chao {a_paper.code}" in detail.text


def test_search_finds_a_customers_recent_messages_by_code_phone_or_notice_key(client, two_teams):
    a_email, a_zalo, a_paper = two_teams["a"]
    template(key="hello", channel="sms", body="Xin chao")
    now = timezone.now()
    everyone = [a.pk for a in two_teams["a"] + two_teams["b"]]
    for n in range(3):
        services.notify(
            topic="programmes", recipients=everyone, template="hello", channels=["sms"], honour_preferences=False,
            key=f"chuong-trinh-{n}", now=now,
        )  # fmt: skip
    old = services.notify(
        topic="programmes", recipients=everyone, template="hello", channels=["sms"], honour_preferences=False,
        key="chuong-trinh-cu", now=now - dt.timedelta(days=400),
    )  # fmt: skip
    # A notice to this one customer (as a one-time code is): found through the notice's account.
    single = services.notify(
        topic="programmes", recipients=[a_zalo.pk], template="hello", channels=["sms"], honour_preferences=False,
        key="chi-mot-khach", now=now,
    )  # fmt: skip
    assert single.account_id == a_zalo.pk
    verified_login(client, superuser())

    def listed(term):
        page = client.get(OUTBOX, {"q": term})
        assert page.status_code == 200
        return {
            int(pk)
            for pk in re.findall(r'href="/backoffice/notifications/outboxmessage/(\d+)/change/', page.text)
        }

    recent = set(
        OutboxMessage.objects.filter(account=a_zalo).exclude(notice=old).values_list("pk", flat=True)
    )
    assert len(recent) == 4
    assert listed(a_zalo.code.lower()) == recent
    assert listed("0901000002") == recent  # the contract's phone, written the Vietnamese way
    assert listed("chuong-trinh-1") == set(
        OutboxMessage.objects.filter(notice__key="chuong-trinh-1").values_list("pk", flat=True)
    )
    assert listed("PB00000000") == set()


def test_outbox_has_a_unit_filter_limited_to_the_staff_members_units(client, two_teams):
    team_a, team_b = two_teams["teams"]
    template(key="hello", channel="sms", body="Xin chao")
    everyone = [a.pk for a in two_teams["a"] + two_teams["b"]]
    services.notify(
        topic="programmes",
        recipients=everyone,
        template="hello",
        channels=["sms"],
        honour_preferences=False,
        now=NOON,
    )
    verified_login(client, staff(unit=team_a, role=StaffRole.VIEWER))
    page = client.get(OUTBOX)
    assert page.status_code == 200
    assert two_teams["a"][1].code in page.text and two_teams["b"][0].code not in page.text
    assert f"?unit={team_a.pk}" in page.text and f"?unit={team_b.pk}" not in page.text
    # Asking for another unit's rows through the filter shows nothing of theirs.
    assert two_teams["b"][0].code not in client.get(OUTBOX, {"unit": team_b.pk}).text


def test_notice_page_links_to_its_messages(client, two_teams):
    template(key="hello", channel="sms", body="Xin chao")
    notice = services.notify(
        topic="programmes", recipients=[a.pk for a in two_teams["a"]], template="hello", channels=["sms"],
        honour_preferences=False, now=NOON,
    )  # fmt: skip
    verified_login(client, superuser())
    page = client.get(f"/backoffice/notifications/notice/{notice.pk}/change/")
    assert page.status_code == 200
    assert f"{OUTBOX}?notice__id__exact={notice.pk}" in page.text
    listing = client.get(OUTBOX, {"notice__id__exact": notice.pk})
    assert all(a.code in listing.text for a in two_teams["a"][1:])


def _row(html, unit_name):
    match = re.search(rf"<tr[^>]*>\s*<th scope=\"row\">{re.escape(unit_name)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {unit_name}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)


def test_reachability_page_shows_shares_per_channel_and_ebill_progress_with_charts(client, two_teams):
    team_a, team_b = two_teams["teams"]
    verified_login(client, superuser())
    page = client.get(REACHABILITY)
    assert page.status_code == 200
    html = page.text
    assert 'id="reachability-chart"' in html and 'id="ebill-chart"' in html
    cells = _row(html, team_a.name)
    # total, push, inbox, e-mail, SMS, Zalo, unreachable, e-bill, paper
    assert cells[0].strip() == "3"
    assert cells[3].strip() == "33,3 %"  # e-mail: 1 of 3
    assert cells[4].strip() == "66,7 %"  # SMS: 2 of 3
    assert "66,7 %" in cells[7] and "(2)" in cells[7]  # e-bill: the e-mail and the Zalo account
    assert cells[8].strip() == "1"  # on paper only
    b_cells = _row(html, team_b.name)
    assert b_cells[1].strip() == "100 %" and "100 %" in b_cells[7]
    total = _row(html, "Tổng cộng")
    assert total[0].strip() == "4" and "75 %" in total[7]


def test_reachability_page_is_scoped_to_the_staff_members_units(client, two_teams):
    team_a, team_b = two_teams["teams"]
    verified_login(client, staff(unit=team_a, role=StaffRole.VIEWER))
    html = client.get(REACHABILITY).text
    assert team_a.name in html and team_b.name not in html
    assert _row(html, "Tổng cộng")[0].strip() == "3"


def test_reachability_page_without_accounts_says_so(client, world):
    verified_login(client, superuser())
    page = client.get(REACHABILITY)
    assert (
        page.status_code == 200
        and "Chưa có hợp đồng nào." in page.text
        and 'id="ebill-chart"' not in page.text
    )


def test_outbox_list_links_to_the_reachability_page(client, world):
    verified_login(client, superuser())
    assert f'href="{REACHABILITY}"' in client.get(OUTBOX).text
