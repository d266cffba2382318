"""Segments, publishing, household comparison, digital adoption and recognition on small hand-built datasets."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.billing.models import Bill
from gridcare.customers.models import Premise
from gridcare.insights import selectors, services
from gridcare.insights.models import AdoptionTarget, Advice, AdviceRecipient, ReadingDateAgreement
from gridcare.metering.models import MeterInstallation
from gridcare.notifications.models import OutboxMessage, Preference, PushSubscription
from gridcare.org.models import StaffRole
from gridcare.org.policy import AccessDenied
from gridcare.payments.models import Payment
from tests import factories
from tests.backoffice.builders import customer_user, staff
from tests.insights.builders import invoice

NOW = dt.datetime(2025, 12, 10, 3, 0, tzinfo=dt.UTC)  # 10:00 in Can Tho
MONTH = dt.date(2025, 12, 1)


@pytest.fixture
def team_a_accounts(world):
    """Ten residential households of team A using 100, 200, … 1000 kWh in December, and two businesses."""
    homes = [factories.account(world, name=f"Hộ {i}", phone=f"+8490000{i:04d}") for i in range(1, 11)]
    for i, acct in enumerate(homes, start=1):
        invoice(acct, period=MONTH, kwh=100 * i)
    shops = [factories.account(world, purpose="business", name=f"Cửa hàng {i}") for i in range(2)]
    for acct in shops:
        invoice(acct, period=MONTH, kwh=5000)
    return homes, shops


def _segment(world, **criteria):
    return selectors.Segment(unit_id=world["teams"][0].pk, **criteria)


def test_segment_by_purpose_high_users_commune_and_bill_shock(world, team_a_accounts):
    homes, shops = team_a_accounts
    other_team = factories.account(world, team=world["teams"][1])
    invoice(other_team, period=MONTH, kwh=9000)
    count = lambda **c: selectors.segment_accounts(segment=_segment(world, **c), now=NOW).count()  # noqa: E731
    assert count() == 12  # the team's open accounts, none of team B
    assert count(purposes=("residential",)) == 10
    # Top 20 % of 10 households: ceil(2.0) = 2, the 1000 and 900 kWh ones.
    top = selectors.segment_accounts(
        segment=_segment(world, purposes=("residential",), high_users_percent=20), now=NOW
    )
    assert set(top.values_list("pk", flat=True)) == {homes[9].pk, homes[8].pk}
    # 25 % of 10 → ceil(2.5) = 3.
    assert count(purposes=("residential",), high_users_percent=25) == 3
    # Ward: move two households to the other commune.
    Premise.objects.filter(pk__in=[homes[0].premise_id, homes[1].premise_id]).update(
        commune=world["communes"][1]
    )
    assert count(commune_id=world["communes"][1].pk) == 2
    # A held bill read 9 days ago (1/12) is recent, one read 100 days ago (1/9) is not.
    invoice(
        homes[2],
        period=dt.date(2025, 11, 1),
        kwh=50,
        hold_reason="Tăng 45%",
        created_at=NOW - dt.timedelta(days=10),
    )
    invoice(
        homes[3],
        period=dt.date(2025, 8, 1),
        kwh=50,
        hold_reason="Tăng 60%",
        created_at=NOW - dt.timedelta(days=100),
    )
    assert count(bill_shock_days=30) == 1
    assert count(bill_shock_days=120) == 2
    assert count(bill_shock_days=30, purposes=("business",)) == 0
    preview = selectors.segment_preview(segment=_segment(world, purposes=("residential",)), now=NOW)
    assert preview["total"] == 10 and preview["with_phone"] == 10 and preview["with_email"] == 0


def test_publishing_sends_once_per_customer_and_channel_and_respects_preferences(world, team_a_accounts):
    homes, _shops = team_a_accounts
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    homes[0].email = "an@example.vn"
    homes[0].save(update_fields=["email"])
    customer_user(homes[1])  # a portal login: the inbox too
    Preference.objects.create(account=homes[2], topic="programmes", channel="sms", enabled=False)
    advice = services.advice_create(user=operator, unit=world["teams"][0], now=NOW, title_vi="Dùng điện an toàn mùa mưa",
                                    body_vi="Kiểm tra dây dẫn, không dùng thiết bị ướt.", purposes=["residential"])  # fmt: skip
    sent = services.advice_publish(advice=advice, user=operator, now=NOW)
    again = services.advice_publish(advice=advice, user=operator, now=NOW + dt.timedelta(minutes=5))
    assert sent.status == again.status == Advice.Status.SENT and sent.recipients == again.recipients == 10
    assert AdviceRecipient.objects.filter(advice=advice).count() == 10
    rows = sorted(
        OutboxMessage.objects.filter(notice__key=f"advice:{advice.pk}").values_list("account_id", "channel")
    )
    expected = sorted(
        [(homes[0].pk, "email")]  # e-mail: no SMS by default
        + [(homes[1].pk, "inbox"), (homes[1].pk, "sms")]
        + [(h.pk, "sms") for h in homes[3:]]  # homes[2] turned programmes off on SMS
    )
    assert rows == expected
    assert not OutboxMessage.objects.filter(account_id=homes[0].pk, channel="sms").exists()


def test_staff_of_another_team_cannot_publish_or_compose_for_it(world, team_a_accounts):
    advice = Advice.objects.create(unit=world["teams"][0], title_vi="T", body_vi="B", created_at=NOW)
    stranger = staff(unit=world["teams"][1], role=StaffRole.ADMINISTRATOR)
    with pytest.raises(AccessDenied):
        services.advice_publish(advice=advice, user=stranger, now=NOW)
    with pytest.raises(AccessDenied):
        services.advice_create(user=stranger, unit=world["teams"][0], now=NOW, title_vi="T", body_vi="B")
    assert Advice.objects.get(pk=advice.pk).status == Advice.Status.DRAFT
    assert not OutboxMessage.objects.exists()


def test_bad_segment_input_is_refused_with_a_message(world):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    with pytest.raises(services.InsightsError) as error:
        services.advice_create(
            user=operator, unit=world["teams"][0], now=NOW, title_vi="T", body_vi="B", purposes=["moon"]
        )
    assert error.value.code == "unknown_purpose"
    with pytest.raises(services.InsightsError):
        services.advice_create(
            user=operator, unit=world["teams"][0], now=NOW, title_vi="T", body_vi="B", high_users_percent=0
        )


def _group(world, kwh_values, *, households=1):
    accounts = []
    for kwh in kwh_values:
        acct = factories.account(world, households=households)
        invoice(acct, period=MONTH, kwh=kwh)
        accounts.append(acct)
    return accounts


def test_comparison_shows_hand_computed_percentiles_and_position(world):
    group = _group(world, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    _group(world, [5000], households=2)  # another household count: not in the group
    result = selectors.household_comparison(account=group[2], today=dt.date(2025, 12, 20))
    assert result.shown
    (month,) = result.months
    # numpy's linear percentiles over 10..100: index 9·p → p25 = 30 + 0.25·10, median = 50 + 0.5·10, p75 = 70 + 0.75·10.
    assert (month.households, month.kwh, month.p25, month.median, month.p75) == (10, 30, 32.5, 55.0, 77.5)
    assert month.position == 20  # two of ten use less
    top = selectors.household_comparison(account=group[9], today=dt.date(2025, 12, 20))
    assert "above_group" in top.tips and "above_group" not in result.tips


def test_comparison_hides_groups_of_fewer_than_ten(world):
    group = _group(world, [10, 20, 30, 40, 50, 60, 70, 80, 90])
    result = selectors.household_comparison(account=group[0], today=dt.date(2025, 12, 20))
    assert not result.shown and result.months == [] and result.tips == []


def test_tip_rules_are_data(world):
    assert selectors.tips_for(
        measures={"change_vs_last_year_percent": 25.0, "evening_share_percent": 50.0}
    ) == ["rising", "evening"]
    assert selectors.tips_for(measures={"change_vs_last_year_percent": 5.0}) == ["general"]


def test_adoption_counts_moves_in_the_period_and_rolls_up_targets(world):
    team_a, team_b = world["teams"]
    now = timezone.now()
    since, until = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    a = [factories.account(world, phone=f"+8491000{i:04d}") for i in range(5)]
    b = [factories.account(world, team=team_b, phone=f"+8492000{i:04d}") for i in range(3)]
    had_email = factories.account(world, email="cu@example.vn")
    # E-mail: two of team A got one, one changed theirs (not a move), one of team B got one.
    for acct, email in (
        (a[0], "a0@example.vn"),
        (a[1], "a1@example.vn"),
        (had_email, "moi@example.vn"),
        (b[0], "b0@example.vn"),
    ):
        acct.email = email
        acct.save(update_fields=["email"])
    Preference.objects.create(
        account=a[1], topic="bills", channel="email", enabled=False
    )  # no e-bill for a[1]
    a[2].zalo_user_id = "zalo-a2"
    a[2].save(update_fields=["zalo_user_id"])
    # Push: a first subscription now counts, one added to an older subscription does not.
    PushSubscription.objects.create(
        account=a[3], endpoint="https://fcm.googleapis.com/fcm/send/a3", p256dh="k", auth="a", created_at=now
    )
    PushSubscription.objects.create(account=a[4], endpoint="https://fcm.googleapis.com/fcm/send/a4old", p256dh="k", auth="a",
                                    created_at=now - dt.timedelta(days=30))  # fmt: skip
    PushSubscription.objects.create(
        account=a[4], endpoint="https://fcm.googleapis.com/fcm/send/a4", p256dh="k", auth="a", created_at=now
    )
    # Online payment: a first one now counts; one after an earlier one, or at the counter, does not.
    pay = lambda acct, channel, at, ref: Payment.objects.create(account=acct, channel=channel, reference=ref, amount=100000,  # noqa: E731
                                                                received_at=at, recorded_at=at)  # fmt: skip
    pay(a[0], "vnpay", now, "p1")
    pay(a[1], "zalopay", now - dt.timedelta(days=40), "p2")
    pay(a[1], "zalopay", now, "p3")
    pay(a[2], "counter", now, "p4")
    AdoptionTarget.objects.create(unit=team_a, year=2025, measure="email", target=4)
    AdoptionTarget.objects.create(unit=team_b, year=2025, measure="email", target=2)
    AdoptionTarget.objects.create(unit=team_b, year=2025, measure="zalo", target=1)
    rows = {
        r.unit.pk: r
        for r in selectors.adoption_by_unit(units=[world["company"]], year=2025, since=since, until=until)
    }
    ra, rb, company = rows[team_a.pk], rows[team_b.pk], rows[world["company"].pk]
    assert ra.moved == {
        "app": 1,
        "email": 2,
        "zalo": 1,
        "ebill": 3,
        "online_payment": 1,
    }  # e-bill: a0, a2, a3
    assert rb.moved["email"] == 1 and rb.moved["ebill"] == 1
    assert company.moved["email"] == 3 and company.accounts == 9
    assert (ra.targets["email"], rb.targets["email"], company.targets["email"]) == (4, 2, 6)
    assert company.targets["zalo"] == 1 and company.targets["app"] is None
    assert ra.share("email") == 50.0
    # Paper or SMS only: none of team A (e-mail, Zalo or push each), team B's b1 and b2.
    assert ra.paper_only == 0 and rb.paper_only == 2


def test_recognition_reading_date_movers_and_top_savers(world):
    since, until = dt.date(2025, 11, 1), dt.date(2026, 1, 1)
    mover = factories.account(world, name="Người đổi ngày ghi")
    ReadingDateAgreement.objects.create(account=mover, from_day=5, to_day=28, agreed_on=dt.date(2025, 11, 15))
    ReadingDateAgreement.objects.create(
        account=factories.account(world), from_day=5, to_day=28, agreed_on=dt.date(2025, 6, 1)
    )
    (row,) = selectors.recognition_candidates(
        "reading_date", since=since, until=until, unit_ids=[world["teams"][0].pk]
    )
    assert (row.account_code, row.figure, row.figure_unit) == (mover.code, 23, "ngày")
    assert (
        selectors.recognition_candidates(
            "reading_date", since=since, until=until, unit_ids=[world["teams"][1].pk]
        )
        == []
    )

    def history(last, this):
        acct = factories.account(world)
        for (p_last, p_this), (k_last, k_this) in zip(((dt.date(2024, 11, 1), dt.date(2025, 11, 1)), (dt.date(2024, 12, 1), dt.date(2025, 12, 1))),
                                                      zip(last, this, strict=True), strict=True):  # fmt: skip
            invoice(acct, period=p_last, kwh=k_last)
            invoice(acct, period=p_this, kwh=k_this)
        return acct

    saver = history((100, 100), (75, 75))  # −25 %
    history((100, 100), (95, 95))  # −5 %: the group's median change, not better than it
    history((100, 100), (110, 110))  # +10 %
    vacant = history((100, 100), (0, 10))  # a month at 0 kWh: a vacancy
    changed = history((200, 200), (20, 20))
    MeterInstallation.objects.filter(account=changed).update(
        installed_on=dt.date(2025, 3, 1)
    )  # meter changed
    rows = selectors.recognition_candidates("top_saver", since=since, until=until)
    assert [(r.account_code, r.figure, r.figure_unit) for r in rows] == [(saver.code, 50, "kWh")]
    assert vacant.code not in {r.account_code for r in rows}
    with pytest.raises(ValueError):
        selectors.recognition_candidates("nope", since=since, until=until)
    assert Bill.objects.count() == 20


def test_the_customers_bill_choice_decides_what_an_ebill_is(world):
    """A chosen app/e-mail/Zalo bill is an e-bill, paper at the counter is not even with an e-mail; no choice: defaults."""
    now = timezone.now()
    paper = factories.account(world, email="giay@example.vn")
    paper.bill_delivery = "paper"
    paper.save(update_fields=["bill_delivery"])
    app = factories.account(
        world, phone="+84910009001"
    )  # no e-mail, Zalo or push: only its choice makes it an e-bill
    unchosen = factories.account(world, email="macdinh@example.vn")
    ebills = set(selectors.accounts_receiving_ebills().values_list("pk", flat=True))
    assert paper.pk not in ebills and unchosen.pk in ebills and app.pk not in ebills
    # The choice made during the period is a move to e-bill (read from the audit log's row entries).
    app.bill_delivery = "app"
    app.save(update_fields=["bill_delivery"])
    moved = selectors.accounts_moved_to_ebill(
        since=now - dt.timedelta(days=1), until=now + dt.timedelta(days=1)
    )
    assert set(moved.values_list("pk", flat=True)) == {
        app.pk
    }  # the unchosen one had its e-mail from the start


def test_an_advice_whose_segment_holds_no_one_is_sent_to_no_one(world, team_a_accounts):
    """High users of months without any invoice: nobody to rank, so nobody staged or messaged (not an error)."""
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    advice = services.advice_create(user=operator, unit=world["teams"][0], now=NOW, title_vi="Mẹo tiết kiệm",
                                    body_vi="Tắt thiết bị khi không dùng.", high_users_percent=10, high_users_months=1)  # fmt: skip
    Bill.objects.filter(account__unit=world["teams"][0]).delete()
    sent = services.advice_publish(advice=advice, user=operator, now=NOW)
    assert sent.status == Advice.Status.SENT and sent.recipients == 0
    assert not OutboxMessage.objects.filter(notice__key=f"advice:{advice.pk}").exists()
