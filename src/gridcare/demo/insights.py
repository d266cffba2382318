"""Demo safety and savings advice, digital adoption and reading-date agreements (set-based, after bills and payments).

- advice: a draft of the company, one sent to the first team's high users, one to households with a recent
  bill-shock hold, one to the demo household's ward (through the real `advice_publish`: outbox and portal have them);
- adoption: targets of the company and every team for the 2025 Appreciation Month and the current one, and customers
  who moved during each (a first push subscription, an e-mail or Zalo added — their audit entries dated in the period);
  online payments come from the demo's payments;
- reading-date agreements of a few customers per team (the recognition list of the campaigns area reads them).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Concat

from gridcare.core.audit import acting_as
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.models import AuditEntry, User
from gridcare.customers.models import Account
from gridcare.insights import services
from gridcare.insights.models import AdoptionTarget, Advice, Measure, ReadingDateAgreement
from gridcare.metering.models import RouteAccount
from gridcare.notifications.models import PushSubscription
from gridcare.org.models import Unit

from . import places
from .selectors import demo_login_accounts

REASON = "demo: chuyển đổi số"
TARGET_PER_1000 = {
    Measure.APP: 30,
    Measure.EMAIL: 15,
    Measure.ZALO: 20,
    Measure.EBILL: 40,
    Measure.ONLINE_PAYMENT: 60,
}


def campaign_years(today: dt.date) -> list[int]:
    """2025 and the year of the latest Appreciation Month begun by `today` (1 November)."""
    current = today.year if today.month >= 11 else today.year - 1
    return sorted({2025, current})


def _moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BUSINESS_TZ)


def _adoption_moves(*, year: int, today: dt.date) -> None:
    """Customers who moved during `year`'s campaign (1 Nov – 31 Dec): push, e-mail, Zalo; never after `today`."""
    start = dt.date(year, 11, 1)
    days = max(1, min((dt.date(year, 12, 31) - start).days, (today - start).days))
    at = _moment(start + dt.timedelta(days=days // 2))
    open_accounts = Account.objects.exclude(status=Account.Status.CLOSED).filter(
        unit__code__startswith=f"{places.COMPANY_CODE}-"
    )
    salt = year % 7
    pushed = list(
        open_accounts.filter(push_subscriptions__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                account_id=pk,
                endpoint=f"https://fcm.googleapis.com/fcm/send/demo-{year}-{pk}",
                p256dh="demo",
                auth="demo",
                created_at=at,
            )
            for pk in pushed
            if pk % 29 == salt
        ],  # fmt: skip
        batch_size=2000,
    )
    with acting_as(reason=f"{REASON} {year}"):
        open_accounts.filter(email="", pk__in=[pk for pk in pushed if pk % 31 == salt]).update(
            email=Concat(Value("khach"), F("code"), Value("@example.vn"))
        )
        open_accounts.filter(zalo_user_id="").exclude(phone="").filter(
            pk__in=[pk for pk in pushed if pk % 23 == salt]
        ).update(zalo_user_id=Concat(Value("zalo-"), F("code")))
    # The changes happened during the campaign: their audit entries say when.
    AuditEntry.objects.filter(reason=f"{REASON} {year}", object_type="customers.account").update(at=at)


def demo_insights_load(*, today: dt.date, now: dt.datetime) -> int:
    """Build the demo's advice, adoption targets and moves, reading-date agreements (idempotent); returns advice sent."""
    company = Unit.objects.filter(code=places.COMPANY_CODE).first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if company is None or admin is None or Advice.objects.exists():
        return 0
    teams = list(Unit.objects.filter(parent=company).order_by("code", "pk"))
    if not teams:
        return 0
    with transaction.atomic():
        years = campaign_years(today)
        for year in years:
            _adoption_moves(year=year, today=today)
        counts = dict(Account.objects.filter(unit__in=teams).values("unit_id").annotate(n=Count("pk")).order_by()
                      .values_list("unit_id", "n"))  # fmt: skip
        counts = {t.pk: counts.get(t.pk, 0) for t in teams}
        AdoptionTarget.objects.bulk_create([
            AdoptionTarget(unit=team, year=year, measure=m, target=max(1, counts[team.pk] * per // 1000))
            for year in years for team in teams for m, per in TARGET_PER_1000.items()
        ])  # fmt: skip
        # The company sets its own e-bill target above its teams' sum for the latest campaign.
        AdoptionTarget.objects.create(unit=company, year=years[-1], measure=Measure.EBILL,
                                      target=sum(counts.values()) * 50 // 1000 or 1)  # fmt: skip
        services.advice_create(
            user=admin, unit=company, now=now, title_vi="Phòng tránh tai nạn điện mùa mưa bão",
            body_vi="Không trú mưa dưới trạm biến áp, cột điện; thấy dây điện đứt hãy tránh xa và gọi 19001006.",
            title_en="Stay safe from electricity in the storm season",
            body_en="Do not shelter under transformer stations or poles; keep away from fallen wires and call 19001006.",
        )  # fmt: skip
        high = services.advice_create(
            user=admin, unit=teams[0], now=now, title_vi="Mẹo tiết kiệm điện cho hộ dùng nhiều",
            body_vi="Đặt điều hoà 26–28 °C, hẹn giờ bình nóng lạnh, thay bóng đèn cũ bằng đèn LED: hộ dùng nhiều có thể giảm 10–20 % tiền điện.",
            title_en="Saving tips for high-use households",
            body_en="Set air conditioning to 26–28 °C, put the water heater on a timer, switch to LED lamps: 10–20 % less on the bill.",
            title_fr="Conseils d'économie pour les gros consommateurs",
            body_fr="Climatisation à 26–28 °C, chauffe-eau programmé, lampes LED : 10 à 20 % de moins sur la facture.",
            purposes=["residential"], high_users_percent=10, high_users_months=3,
        )  # fmt: skip
        shock = services.advice_create(
            user=admin, unit=company, now=now, title_vi="Vì sao hoá đơn tháng này tăng?",
            body_vi="Kỳ hoá đơn dài hơn, trời nóng, thiết bị mới… Xem giải thích từng dòng trên hoá đơn và so sánh với các hộ tương tự trên cổng khách hàng.",
            title_en="Why is this month's bill higher?",
            body_en="A longer period, hot weather, new appliances… See each line explained on the bill and compare with similar households in the portal.",
            bill_shock_days=45,
        )  # fmt: skip
        services.advice_publish(advice=high, user=admin, now=now)
        services.advice_publish(advice=shock, user=admin, now=now)
        household = demo_login_accounts()["household"]
        if household is not None:  # the demo login's ward gets one too, so its portal shows a received advice
            ward = services.advice_create(
                user=admin, unit=company, now=now, title_vi="An toàn điện dịp Tết",
                body_vi="Không câu móc điện trang trí tuỳ tiện; dùng ổ cắm, dây dẫn đủ tải và có cầu dao chống giật.",
                title_en="Electrical safety for Tet",
                body_en="Do not hook up decorations haphazardly; use sockets and wires rated for the load, with an RCD.",
                title_fr="Sécurité électrique pour le Têt",
                body_fr="Pas de branchements de fortune pour les décorations ; prises et fils adaptés à la charge, avec un différentiel.",
                commune_id=household.premise.commune_id,
            )  # fmt: skip
            services.advice_publish(advice=ward, user=admin, now=now)
        # Reading-date agreements: a few customers of each team agreed to move from their route's day to month-end.
        stops = (
            RouteAccount.objects.filter(route__unit__in=teams)
            .select_related("route")
            .order_by("route__code", "sequence", "pk")
        )
        agreements, per_route = [], {}
        for stop in stops.iterator(chunk_size=2000):
            taken = per_route.get(stop.route_id, 0)
            if taken >= 4 or stop.route.reading_day == 28:
                continue
            per_route[stop.route_id] = taken + 1
            agreements.append(ReadingDateAgreement(account_id=stop.account_id, route=stop.route, from_day=stop.route.reading_day,
                                                   to_day=28, agreed_on=dt.date(2025, 11, 10 + taken),
                                                   note="Đồng ý chuyển ngày ghi về cuối tháng"))  # fmt: skip
        ReadingDateAgreement.objects.bulk_create(agreements, batch_size=2000)
    return 2
