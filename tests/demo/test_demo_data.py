"""`gridcare demo-data` and `gridcare demo-welcome` against a real database."""

import datetime as dt
import hashlib
import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.core.models import User
from gridcare.customers.models import (
    Account,
    ContactChange,
    Customer,
    Premise,
    ServicePoint,
    SocialCategoryAssignment,
)
from gridcare.demo import generator
from gridcare.demo.selectors import demo_login_accounts
from gridcare.flexibility.models import (
    Enrolment,
    Event,
    EventParticipant,
    EventResponse,
    IntervalResult,
    Programme,
    Ven,
    VenReport,
)
from gridcare.metering.models import (
    IntervalReading,
    Meter,
    MeterInstallation,
    Reading,
    ReadingRoute,
    RouteAccount,
)
from gridcare.network.models import Feeder, Substation, TransformerStation
from gridcare.org.models import StaffMembership, Unit
from gridcare.outages.models import Outage, OutageReport

ARGS = ["--customers", "300", "--today", "2026-11-25", "--interval-days", "2", "--bill-months", "0"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _demo_data(*args):
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def _digest() -> str:
    h = hashlib.sha256()
    accounts = Account.objects.order_by("code").values_list(
        "code", "customer__name", "purpose", "households", "voltage", "phone", "email", "premise__street",
        "premise__commune__name", "unit__code", "route_stop__sequence", "route_stop__route__reading_day",
        "service_points__transformer_station__code",
    )  # fmt: skip
    readings = Reading.objects.order_by("account__code", "read_on").values_list(
        "account__code", "read_on", "total", "peak", "normal", "offpeak", "rollover", "source"
    )
    intervals = IntervalReading.objects.order_by("meter__installations__account__code", "start").values_list(
        "meter__installations__account__code", "start", "energy_wh"
    )
    for rows in (accounts, readings, intervals):
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def _wipe_apps(*labels):
    """Every row of the apps' models but their catalogues seeded by migrations, whatever the order their protected
    foreign keys need (a few passes)."""
    from django.apps import apps
    from django.db.models import ProtectedError, RestrictedError

    models = [
        m for label in labels for m in apps.get_app_config(label).get_models() if m.__name__ != "ActivityKind"
    ]
    for _ in range(len(models)):
        left = []
        for model in models:
            try:
                model.objects.all().delete()
            except (ProtectedError, RestrictedError):
                left.append(model)
        if not left:
            return
        models = left
    raise AssertionError(f"could not empty {models}")


def _wipe():
    from gridcare.servicedesk.models import ServiceRequest

    for model in (
        IntervalResult,
        EventResponse,
        VenReport,
        EventParticipant,
        Event,
        Enrolment,
        Ven,
        Programme,
    ):
        model.objects.all().delete()
    _wipe_apps("campaigns", "insights")
    for model in (ServiceRequest, OutageReport, Outage, ContactChange, Reading, IntervalReading, RouteAccount, MeterInstallation, SocialCategoryAssignment, ServicePoint,
                  Meter, ReadingRoute, Account, Premise, Customer, TransformerStation, Feeder, Substation,
                  TOTPDevice, StaffMembership):  # fmt: skip
        model.objects.all().delete()
    User.objects.all().delete()
    Unit.communes.through.objects.all().delete()
    for kind in (Unit.Kind.TEAM, Unit.Kind.COMPANY, Unit.Kind.CORPORATION):
        Unit.objects.filter(kind=kind).delete()


@pytest.mark.django_db
def test_same_seed_gives_the_same_rows():
    # (that another seed gives other data is checked without a database in test_generator.py)
    _demo_data(*ARGS, "--seed", "7")
    first = _digest()
    assert Reading.objects.count() == 300 * 24
    _wipe()
    _demo_data(*ARGS, "--seed", "7")
    assert _digest() == first


@pytest.mark.django_db
def test_counts_and_mix_for_300_customers():
    _demo_data(*ARGS, "--seed", "1")
    assert Unit.objects.filter(kind=Unit.Kind.TEAM).count() == 28
    assert Unit.objects.get(kind=Unit.Kind.COMPANY).customer_code_prefix == "PB13"
    assert Unit.communes.through.objects.count() == 87
    assert Account.objects.count() == Customer.objects.count() == 300
    mix = dict(Account.objects.values_list("purpose").annotate(n=Count("pk")))
    # Of the 3 administrative accounts drawn, the general hospital is public service (its own, lower price).
    assert mix == {
        "residential": 264,
        "business": 24,
        "production": 9,
        "administrative": 2,
        "public_service": 1,
    }
    assert Account.objects.get(purpose="public_service").customer.name == "Bệnh viện Đa khoa Kế Sách"
    assert TransformerStation.objects.filter(customer_owned=True).count() == 20
    # The 20 large customers' time-of-use meters, and the portal's demo household (a smart meter, not time-of-use).
    household = MeterInstallation.objects.get(
        account=demo_login_accounts()["household"], removed_on__isnull=True
    ).meter
    assert household.kind == Meter.Kind.SMART and not household.time_of_use
    # The last 2 days for 21 meters, and the 2025 demand-response event's 46 days (45 before it, the event day)
    # for the 20 large customers (demo.campaigns_history).
    recent = IntervalReading.objects.filter(start__gte=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert recent.filter(meter=household).count() == 2 * 48
    assert recent.exclude(meter=household).values("meter").distinct().count() == 20
    assert recent.count() == 21 * 2 * 48
    assert IntervalReading.objects.count() - recent.count() == 20 * 46 * 48
    assert not IntervalReading.objects.exclude(meter__time_of_use=True).exclude(meter=household).exists()
    poor = SocialCategoryAssignment.objects.filter(category="poor")
    assert poor.exists() and {str(p.active_to) for p in poor} == {"2027-01-01"}
    assert SocialCategoryAssignment.objects.filter(active_to__isnull=True).exists()
    for account in Account.objects.all():
        account.full_clean()  # codes, phones and e-mails pass the model validators
    team_of_station = ServicePoint.objects.values_list("account__unit", "transformer_station__unit")
    assert all(a == b for a, b in team_of_station)
    commune_of_station = ServicePoint.objects.values_list("premise__commune", "transformer_station__commune")
    assert all(a == b for a, b in commune_of_station)


@pytest.mark.django_db
def test_every_account_has_a_meter_a_route_stop_and_24_readings_that_only_fall_at_a_rollover():
    _demo_data(*ARGS, "--seed", "2")
    assert (
        MeterInstallation.objects.filter(removed_on__isnull=True).values("account").distinct().count() == 300
    )
    assert RouteAccount.objects.values("account").distinct().count() == 300
    per_account = Reading.objects.values("account").annotate(n=Count("pk"))
    assert sorted({row["n"] for row in per_account}) == [24] and len(per_account) == 300
    for route in ReadingRoute.objects.all():
        assert 1 <= route.reading_day <= 28
        if not route.stops.exists():
            continue  # a team without customers in a tiny demo still has its route
        assert set(
            Reading.objects.filter(account__route_stop__route=route).values_list("read_on__day", flat=True)
        ) == {route.reading_day}
    previous = {}
    falls = rollovers = 0
    for account_id, total, rollover, peak, normal, offpeak in Reading.objects.order_by(
        "account", "read_on"
    ).values_list("account", "total", "rollover", "peak", "normal", "offpeak"):
        if account_id in previous:
            falls += total < previous[account_id]
            assert (total < previous[account_id]) == rollover
        rollovers += rollover
        if peak is not None:
            assert peak + normal + offpeak == total
        previous[account_id] = total
    assert falls == rollovers


@pytest.mark.django_db
def test_if_empty_leaves_a_populated_database_alone(world):
    units = Unit.objects.count()
    out = _demo_data(*ARGS, "--if-empty")
    assert "bỏ qua" in out
    assert Unit.objects.count() == units
    assert not Account.objects.filter(code__startswith="PB13").exists()


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database():
    _demo_data(*ARGS, "--if-empty")
    assert Account.objects.count() == 300


@pytest.mark.django_db
def test_the_logins_printed_by_demo_welcome_sign_in():
    _demo_data(*ARGS, "--seed", "3")
    out = io.StringIO()
    call_command("demo_welcome", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/backoffice/" in text and "http://127.0.0.1:8123/" in text
    logins = re.findall(r"^  - (\S+)  /  (\S+)", text, flags=re.MULTILINE)
    codes = re.findall(r"current code: (\d{6})", text)
    secrets = re.findall(r"secret=([A-Z2-7]+)", text)
    assert len(logins) == 6 and len(codes) == 3 and len(secrets) == 3
    (
        (admin, admin_pw),
        (operator, operator_pw),
        (catalogue, catalogue_pw),
        (home, home_pw),
        (shop, shop_pw),
        landlord,
    ) = logins

    staff_logins = [(admin, admin_pw), (operator, operator_pw), (catalogue, catalogue_pw)]
    for (username, password), code in zip(staff_logins, codes, strict=True):
        user = authenticate(username=username, password=password)
        assert user is not None and user.is_staff
        device = TOTPDevice.objects.get(user=user)
        assert device.verify_token(code)
    assert User.objects.get(username=admin).is_superuser
    membership = StaffMembership.objects.get(user__username=operator)
    assert membership.role == "operator" and membership.unit.kind == Unit.Kind.TEAM
    # The national catalogue is kept by its own role at the corporation.
    membership = StaffMembership.objects.get(user__username=catalogue)
    assert membership.role == "catalogue" and membership.unit.kind == Unit.Kind.CORPORATION

    household = authenticate(customer_code=home, password=home_pw)
    assert household is not None and household.customer.accounts.get().purpose == "residential"
    business = authenticate(customer_code=shop, password=shop_pw)
    account = business.customer.accounts.get()
    assert account.purpose == "business"
    assert account.meter_installations.get(removed_on__isnull=True).meter.time_of_use
    assert authenticate(customer_code=home, password="wrong") is None
    # The landlord's one sign-in uses two contracts: their own and a tenant's, linked to it.
    from gridcare.customers.selectors import accounts_for_user

    owner = authenticate(customer_code=landlord[0], password=landlord[1])
    assert owner is not None and accounts_for_user(user=owner).count() == 2

    # Running it again keeps the same logins and secrets.
    again = io.StringIO()
    call_command("demo_welcome", stdout=again)
    assert re.findall(r"secret=([A-Z2-7]+)", again.getvalue()) == secrets
    assert User.objects.filter(username__in=[admin, operator, catalogue, home, shop]).count() == 5


@pytest.mark.django_db
def test_demo_welcome_says_no_provider_is_connected_and_where_codes_and_held_bills_are(settings):
    from gridcare.billing.models import Bill

    _demo_data("--customers", "300", "--today", "2026-11-25", "--interval-days", "1", "--bill-months", "2")
    for name in ("GRIDCARE_SMS_URL", "GRIDCARE_ZNS_APP_ID"):
        if hasattr(settings, name):
            delattr(settings, name)
    settings.EMAIL_BACKEND, settings.EMAIL_HOST = "django.core.mail.backends.smtp.EmailBackend", "127.0.0.1"
    out = io.StringIO()
    call_command("demo_welcome", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "Chưa kết nối nhà cung cấp SMS, Zalo, e-mail" in text
    assert "No SMS, Zalo, e-mail provider is connected" in text
    assert "Văn phòng › Thông báo › Tin trong hàng đợi" in text
    assert "http://127.0.0.1:8123/backoffice/notifications/outboxmessage/" in text
    held = Bill.objects.filter(status="held").count()
    assert held >= 3
    assert (
        f"bills held for review: {held} — http://127.0.0.1:8123/backoffice/billing/bill/?status__exact=held"
        in text
    )

    # With an SMS gateway configured, SMS is no longer said to be missing.
    settings.GRIDCARE_SMS_URL = "https://sms.example.com/send"
    again = io.StringIO()
    call_command("demo_welcome", stdout=again)
    assert "Chưa kết nối nhà cung cấp Zalo, e-mail" in again.getvalue()


@pytest.mark.django_db
def test_demo_welcome_without_demo_data_says_so_and_does_not_fail(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_welcome", stdout=out, stderr=err)
    assert "demo-data" in err.getvalue() and out.getvalue() == ""
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_demo_is_billed_by_real_bill_runs_for_the_last_months():
    from gridcare.billing.models import Bill, BillRun, BillRunSkip

    _demo_data("--customers", "300", "--today", "2026-11-25", "--interval-days", "1", "--bill-months", "3")
    # One failed run of a route (the workday page's queue, demo.workday) besides the real, finished runs.
    assert list(BillRun.objects.filter(status="failed").values_list("period", flat=True)) == [
        dt.date(2026, 11, 1)
    ]
    runs = list(BillRun.objects.exclude(status="failed").order_by("period").values_list("period", "status"))
    assert [str(p) for p, _ in runs] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert {s for _, s in runs} == {"done"}
    # Past months were reviewed: only the latest month may keep bills held for review.
    assert not Bill.objects.filter(status="held").exclude(period="2026-11-01").exists()
    # Every account billed once per past month, whatever its purpose: schools and hospitals too.
    assert Bill.objects.filter(period="2026-10-01").count() == Account.objects.count()
    assert not BillRunSkip.objects.filter(reason="no_tariff").exists()
    billed = set(Bill.objects.values_list("account__purpose", flat=True).distinct())
    assert billed == {"residential", "business", "production", "administrative", "public_service"}
    # Its school (Trường THPT Mỹ Xuyên, at 6–22 kV) pays the public-service price of 1279 for every kWh,
    # 1,940 đồng, not the administrative 2,138.
    school = Bill.objects.get(period="2026-10-01", account__purpose="public_service")
    assert school.account.customer.name == "Trường THPT Mỹ Xuyên" and school.account.voltage == "6to22kv"
    assert {line.unit_price for line in school.lines.all()} == {1940}
    assert school.subtotal == 1940 * school.kwh > 0
    # The latest month has bills to review, each with the reason it was held: at least the homes whose
    # latest month the demo makes jump (×2.5) are among them.
    held = list(Bill.objects.filter(status="held").values_list("period", "hold_reason"))
    assert {str(p) for p, _ in held} == {"2026-11-01"}
    pop = generator.population(
        seed=2025, customers=300, today=dt.date(2026, 11, 25), company=generator.company_plan()
    )
    jumped = [code for code, shock in zip(pop.code, pop.bill_shock.tolist(), strict=True) if shock]
    assert len(jumped) == 3
    assert set(jumped) <= set(Bill.objects.filter(status="held").values_list("account__code", flat=True))
    assert all(
        re.fullmatch(r"Tăng \d+% \(.+\) — từ 30% phải kiểm tra trước khi phát hành\.", r) for _, r in held
    )


@pytest.mark.django_db
def test_on_the_first_of_a_month_before_any_route_is_read_the_demo_still_has_bills_to_review():
    from gridcare.billing.models import Bill, BillRun, BillRunSkip

    # 1 December: routes are read on days 1–28, and seed 7's 300 customers have no route read on the 1st.
    _demo_data(
        "--customers",
        "300",
        "--seed",
        "7",
        "--today",
        "2026-12-01",
        "--interval-days",
        "1",
        "--bill-months",
        "2",
    )
    assert not ReadingRoute.objects.filter(reading_day=1).exists()
    # No run for December that would skip every account "without a reading": the latest run is November's.
    runs = [
        str(p)
        for p in BillRun.objects.exclude(status="failed").order_by("period").values_list("period", flat=True)
    ]
    assert runs == ["2026-10-01", "2026-11-01"]
    assert not BillRunSkip.objects.filter(reason="no_reading").exists()
    # November is the latest month, so its jumped homes stay held for review.
    pop = generator.population(
        seed=7, customers=300, today=dt.date(2026, 12, 1), company=generator.company_plan()
    )
    jumped = {code for code, shock in zip(pop.code, pop.bill_shock.tolist(), strict=True) if shock}
    assert len(jumped) == 3
    held = set(
        Bill.objects.filter(status="held", period="2026-11-01").values_list("account__code", flat=True)
    )
    assert jumped <= held


@pytest.mark.django_db
def test_the_demo_shows_outages_in_every_state():
    from gridcare.outages import selectors as outage_selectors

    _demo_data(*ARGS, "--seed", "1")
    states = set(Outage.objects.values_list("kind", "status"))
    assert states == {("planned", "published"), ("planned", "draft"), ("planned", "cancelled"), ("planned", "restored"),
                      ("planned", "in_progress"), ("incident", "in_progress"), ("incident", "restored")}  # fmt: skip
    # Two announced a week ago were started by the clock at their planned time; one is past its expected end.
    started = Outage.objects.filter(kind="planned", status="in_progress")
    assert started.count() == 2 and all(o.started_at == o.scheduled_start for o in started)
    assert outage_selectors.overdue_outages(now=timezone.now()).filter(kind="planned").count() == 1
    assert Outage.objects.filter(emergency=True, status="published").count() == 1
    incident = Outage.objects.get(kind="incident", status="in_progress")
    assert incident.reports.count() >= 1 and incident.customers_at_publish >= 1
    assert OutageReport.objects.filter(outage__isnull=True).exists()  # a suggested incident waits for staff
    assert Account.objects.exclude(sensitive="").exists()
    household = (
        Account.objects.filter(customer__user__isnull=False, purpose="residential", links__isnull=True)
        .exclude(customer__user__account_links__isnull=False)
        .get()
    )
    known = outage_selectors.known_outage_for_account(account=household, now=incident.published_at)
    assert known == incident
