"""Reads of the insights area: advice segments, household comparison and tips, digital adoption, recognition.

Every selection is one set-based query (or a few grouped ones): the database filters and groups the customers,
Python only works over the rows of one comparison group, or over units (tens), never a loop per customer.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, ExtractHour

from gridcare.billing.models import Bill
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.models import AuditEntry
from gridcare.customers.models import Account, BillDelivery
from gridcare.flexibility import selectors as flexibility_selectors
from gridcare.insights.models import AdoptionTarget, Advice, AdviceRecipient, Measure, ReadingDateAgreement
from gridcare.insights.tips import TIP_RULES, TIP_TEXTS
from gridcare.metering.models import IntervalReading, MeterInstallation
from gridcare.notifications.models import Channel, Preference, PushSubscription, Topic
from gridcare.org.models import Unit
from gridcare.payments.models import Channel as PaymentChannel
from gridcare.payments.models import Payment

# Groups smaller than this are never shown (a household could recognise its neighbours).
MIN_GROUP_SIZE = 10
# Channels that pay without a counter: the gateways and bank transfers.
ONLINE_PAYMENT_CHANNELS = (PaymentChannel.VNPAY, PaymentChannel.ZALOPAY, PaymentChannel.BANK_TRANSFER)
# The bill choices that are electronic bills (digital adoption); paper at the counter is not.
ELECTRONIC_BILL_CHOICES = [BillDelivery.APP, BillDelivery.EMAIL, BillDelivery.ZALO]


def month_add(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _standing_invoices() -> QuerySet[Bill]:
    """Invoices that stand (not cancelled): one per account and period, their kWh is the month's consumption."""
    return Bill.objects.filter(kind=Bill.Kind.INVOICE).exclude(status=Bill.Status.CANCELLED)


# --- advice segments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Who an advice is for, within `unit_id`'s tree; every criterion given must hold."""

    unit_id: int
    purposes: tuple[str, ...] = ()
    commune_id: int | None = None
    high_users_percent: int | None = None
    high_users_months: int = 3
    bill_shock_days: int | None = None

    @classmethod
    def of(cls, advice: Advice) -> "Segment":
        return cls(unit_id=advice.unit_id, purposes=tuple(advice.purposes or ()), commune_id=advice.commune_id,
                   high_users_percent=advice.high_users_percent, high_users_months=advice.high_users_months or 3,
                   bill_shock_days=advice.bill_shock_days)  # fmt: skip


def segment_accounts(*, segment: Segment, now: dt.datetime) -> QuerySet[Account]:
    """The open accounts of the segment, as one queryset (the database selects them; nothing is loaded here).

    High users are the `high_users_percent` % of the accounts matching the other criteria with the most kWh
    on their standing invoices of the last `high_users_months` months (this month included); accounts tied
    with the last one are in too. Bill shock: an invoice held for review (`hold_reason`, kept after its release)
    whose period ended (the reading date) in the last `bill_shock_days` days.
    """
    unit = Unit.objects.get(pk=segment.unit_id)
    accounts = Account.objects.exclude(status=Account.Status.CLOSED).filter(unit__path__startswith=unit.path)
    if segment.purposes:
        accounts = accounts.filter(purpose__in=list(segment.purposes))
    if segment.commune_id is not None:
        accounts = accounts.filter(premise__commune_id=segment.commune_id)
    today = now.astimezone(BUSINESS_TZ).date()
    if segment.bill_shock_days:
        since = today - dt.timedelta(days=segment.bill_shock_days)
        held = (
            _standing_invoices().filter(account=OuterRef("pk"), end_date__gte=since).exclude(hold_reason="")
        )
        accounts = accounts.filter(Exists(held))
    if segment.high_users_percent:
        first = month_add(today, -(segment.high_users_months - 1))
        totals = (
            _standing_invoices().filter(account__in=accounts.values("pk"), period__gte=first, period__lte=month_add(today, 0))
            .values("account_id").annotate(total=Sum("kwh")).order_by()
        )  # fmt: skip
        ranked = totals.count()
        if not ranked:
            return accounts.none()
        keep = max(1, math.ceil(ranked * segment.high_users_percent / 100))
        threshold = totals.order_by("-total", "account_id").values_list("total", flat=True)[keep - 1]
        accounts = accounts.filter(pk__in=totals.filter(total__gte=threshold).values("account_id"))
    return accounts.order_by("pk")


def segment_preview(*, segment: Segment, now: dt.datetime) -> dict[str, int]:
    """How many customers the segment holds now, and how many of them have a phone, e-mail or Zalo (one query)."""
    accounts = segment_accounts(segment=segment, now=now)
    return accounts.aggregate(
        total=Count("pk"), with_phone=Count("pk", filter=Q(phone__gt="")), with_email=Count("pk", filter=Q(email__gt="")),
        with_zalo=Count("pk", filter=Q(zalo_user_id__gt="", phone__gt="")),
    )  # fmt: skip


def advices_for_account(*, account: Account, limit: int = 50) -> QuerySet[Advice]:
    """The advice published to this account, newest first."""
    received = AdviceRecipient.objects.filter(account=account).values("advice_id")
    return Advice.objects.filter(pk__in=received, status=Advice.Status.SENT).order_by("-sent_at", "-pk")[
        :limit
    ]


def advice_for_account(*, account: Account, advice_id: int) -> Advice | None:
    """One advice this account received (None otherwise: another customer's is not found either)."""
    received = AdviceRecipient.objects.filter(account=account, advice_id=advice_id)
    return Advice.objects.filter(pk=advice_id, status=Advice.Status.SENT).filter(Exists(received)).first()


# --- household comparison ------------------------------------------------------------------------------------


@dataclass
class ComparisonMonth:
    period: dt.date
    households: int  # households of the group with an invoice that month
    kwh: int | None  # this account's
    p25: float
    median: float
    p75: float
    position: int | None  # share of the group using less than this account, in % (None: no invoice)


@dataclass
class Comparison:
    account_id: int
    purpose: str
    commune_id: int
    households_on_meter: int
    months: list[ComparisonMonth] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)  # tip codes, see `tips.TIP_TEXTS`
    measures: dict[str, float | None] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return bool(self.months)


def household_comparison(
    *, account: Account, today: dt.date, months: int = 12, min_group: int = MIN_GROUP_SIZE
) -> Comparison:
    """This account's monthly kWh against similar households: same purpose, commune/ward and households on the meter.

    One grouped query reads the group's standing invoices of the `months` months up to `today`'s month; the
    percentiles are numpy's (linear interpolation, as PostgreSQL's percentile_cont). A month where fewer than
    `min_group` households of the group have an invoice is left out (privacy), so a small group shows nothing.
    """
    commune_id = account.premise.commune_id
    result = Comparison(account_id=account.pk, purpose=account.purpose, commune_id=commune_id,
                        households_on_meter=account.households)  # fmt: skip
    first, last = month_add(today, -(months - 1)), month_add(today, 0)
    group = Account.objects.exclude(status=Account.Status.CLOSED).filter(
        purpose=account.purpose, premise__commune_id=commune_id, households=account.households
    )
    rows = list(
        _standing_invoices().filter(account__in=group.values("pk"), period__gte=first, period__lte=last)
        .values_list("period", "account_id", "kwh").order_by("period", "account_id")
    )  # fmt: skip
    if not rows:
        return result
    periods = np.array([r[0].toordinal() for r in rows], dtype=np.int64)
    ids = np.array([r[1] for r in rows], dtype=np.int64)
    kwh = np.array([r[2] for r in rows], dtype=np.float64)
    for ordinal in np.unique(periods).tolist():
        mine = periods == ordinal
        if int(mine.sum()) < min_group:
            continue
        values = kwh[mine]
        own = values[ids[mine] == account.pk]
        p25, median, p75 = np.percentile(values, [25, 50, 75]).tolist()
        result.months.append(ComparisonMonth(
            period=dt.date.fromordinal(ordinal), households=int(mine.sum()),
            kwh=int(own[0]) if len(own) else None, p25=p25, median=median, p75=p75,
            position=round(100 * float((values < own[0]).sum()) / len(values)) if len(own) else None,
        ))  # fmt: skip
    if result.months:
        result.measures = _tip_measures(account=account, today=today, comparison=result)
        result.tips = tips_for(measures=result.measures)
    return result


def _tip_measures(*, account: Account, today: dt.date, comparison: Comparison) -> dict[str, float | None]:
    """The figures the tip rules test: change against last year, place in the group, summer peak, evening share."""
    # The same months a year before, from the account's own invoices (one query).
    own = dict(
        _standing_invoices().filter(account=account, period__gte=month_add(today, -24), period__lte=month_add(today, 0))
        .values_list("period", "kwh")
    )  # fmt: skip
    recent = sorted(own)[-3:]
    this_year = sum(own[p] for p in recent)
    last_year = [own.get(month_add(p, -12)) for p in recent]
    change = None
    if recent and all(v is not None for v in last_year) and sum(last_year) > 0:
        change = 100.0 * (this_year - sum(last_year)) / sum(last_year)
    latest = comparison.months[-1]
    above_p75 = (
        None
        if latest.kwh is None
        else (100.0 * (latest.kwh - latest.p75) / latest.p75 if latest.p75 else None)
    )
    year = [own[p] for p in sorted(own)[-12:]]
    summer = [own[p] for p in sorted(own)[-12:] if p.month in (4, 5, 6, 7)]
    summer_peak = None
    if len(year) >= 12 and summer and sum(year) > 0:
        summer_peak = 100.0 * (max(summer) - sum(year) / len(year)) / (sum(year) / len(year))
    return {
        "change_vs_last_year_percent": change,
        "above_group_p75_percent": above_p75,
        "summer_peak_above_average_percent": summer_peak,
        "evening_share_percent": evening_share(account=account, today=today),
    }


def evening_share(*, account: Account, today: dt.date, days: int = 30) -> float | None:
    """Share (%) of the last `days` days' interval energy used 17:00–22:00 local time (None without interval data)."""
    meter = (
        MeterInstallation.objects.filter(account=account, installed_on__lte=today).exclude(removed_on__lte=today)
        .order_by("-installed_on", "-pk").values_list("meter_id", flat=True).first()
    )  # fmt: skip
    if meter is None:
        return None
    since = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(0), tzinfo=BUSINESS_TZ)
    totals = (
        IntervalReading.objects.filter(meter_id=meter, start__gte=since)
        .annotate(hour=ExtractHour("start", tzinfo=BUSINESS_TZ))
        .aggregate(total=Sum("energy_wh"), evening=Sum("energy_wh", filter=Q(hour__gte=17, hour__lt=22)))
    )
    if not totals["total"]:
        return None
    return 100.0 * (totals["evening"] or 0) / totals["total"]


def tips_for(*, measures: dict[str, float | None], limit: int = 3) -> list[str]:
    """The codes of the tips whose rule holds for these measures (rules as data, `tips.TIP_RULES`), in rule order."""
    chosen = [rule.code for rule in TIP_RULES if rule.holds(measures)]
    if not chosen:
        chosen = ["general"]
    return chosen[:limit]


def tip_text(code: str) -> str:
    return str(TIP_TEXTS[code])


# --- digital adoption ----------------------------------------------------------------------------------------


def _moved_by_audit(*, column: str, since: dt.datetime, until: dt.datetime) -> QuerySet:
    """Ids of accounts whose `column` went from empty to set in [since, until), from the audit log's row entries."""
    entries = AuditEntry.objects.filter(
        object_type="customers.account", action=AuditEntry.Action.UPDATE, at__gte=since, at__lt=until,
        **{f"before__{column}": ""},
    ).exclude(**{f"after__{column}": ""}).filter(**{f"after__{column}__isnull": False})  # fmt: skip
    return entries.annotate(account_pk=Cast("object_id", IntegerField())).values("account_pk")


def _first_push_in(*, since: dt.datetime, until: dt.datetime) -> Q:
    new = PushSubscription.objects.filter(account=OuterRef("pk"), created_at__gte=since, created_at__lt=until)
    old = PushSubscription.objects.filter(account=OuterRef("pk"), created_at__lt=since)
    return Q(Exists(new)) & ~Q(Exists(old))


def accounts_moved_to_app(*, since: dt.datetime, until: dt.datetime) -> QuerySet[Account]:
    """Accounts whose customer got a portal login that was used, or whose first push subscription, in [since, until)."""
    portal = Q(customer__user__date_joined__gte=since, customer__user__date_joined__lt=until,
               customer__user__last_login__isnull=False)  # fmt: skip
    return Account.objects.filter(portal | _first_push_in(since=since, until=until))


def accounts_moved_to_email(*, since: dt.datetime, until: dt.datetime) -> QuerySet[Account]:
    """Accounts that were given an e-mail address in [since, until) (they had none before)."""
    return Account.objects.filter(pk__in=_moved_by_audit(column="email", since=since, until=until))


def accounts_moved_to_zalo(*, since: dt.datetime, until: dt.datetime) -> QuerySet[Account]:
    """Accounts that were linked to Zalo in [since, until) (they had no Zalo user before)."""
    return Account.objects.filter(pk__in=_moved_by_audit(column="zalo_user_id", since=since, until=until))


def _bills_off(channel: str) -> Exists:
    return Exists(
        Preference.objects.filter(account=OuterRef("pk"), topic=Topic.BILLS, channel=channel, enabled=False)
    )


def accounts_receiving_ebills() -> QuerySet[Account]:
    """Accounts that receive their bills electronically today.

    THE ONE PLACE that says what "e-bill" means. The customer's own choice of how bills arrive
    (`Account.bill_delivery`, chosen in the portal, docs/portal.md) decides: app, e-mail or Zalo is an e-bill,
    paper at the counter is not. An account that has not chosen follows the notification defaults: bills reach it
    on at least one electronic channel (app push, e-mail, Zalo) that it has and has not switched off for the bills
    topic (`notifications.Preference`), as the reachability report counts it.
    """
    push = Exists(PushSubscription.objects.filter(account=OuterRef("pk"), active=True))
    by_default = (
        (Q(push) & ~Q(_bills_off(Channel.PUSH)))
        | (Q(email__gt="") & ~Q(_bills_off(Channel.EMAIL)))
        | (Q(zalo_user_id__gt="", phone__gt="") & ~Q(_bills_off(Channel.ZALO)))
    )
    return Account.objects.filter(
        Q(bill_delivery__in=ELECTRONIC_BILL_CHOICES) | (Q(bill_delivery="") & by_default)
    )


def _chose_ebill_in(*, since: dt.datetime, until: dt.datetime) -> QuerySet:
    """Ids of accounts whose bill choice went from paper or none to app, e-mail or Zalo in [since, until)."""
    entries = AuditEntry.objects.filter(
        object_type="customers.account", action=AuditEntry.Action.UPDATE, at__gte=since, at__lt=until,
        after__bill_delivery__in=ELECTRONIC_BILL_CHOICES,
    ).exclude(before__bill_delivery__in=ELECTRONIC_BILL_CHOICES)  # fmt: skip
    return entries.annotate(account_pk=Cast("object_id", IntegerField())).values("account_pk")


def accounts_moved_to_ebill(*, since: dt.datetime, until: dt.datetime) -> QuerySet[Account]:
    """Accounts receiving e-bills now that gained their electronic channel (e-mail, Zalo, first push) in the period.

    Preferences carry no history, so a customer who switched bills back on without a new channel is not counted.
    """
    gained = (
        Q(pk__in=_moved_by_audit(column="email", since=since, until=until))
        | Q(pk__in=_moved_by_audit(column="zalo_user_id", since=since, until=until))
        | _first_push_in(since=since, until=until)
        | Q(pk__in=_chose_ebill_in(since=since, until=until))
    )
    return accounts_receiving_ebills().filter(gained)


def accounts_moved_to_online_payment(*, since: dt.datetime, until: dt.datetime) -> QuerySet[Account]:
    """Accounts whose first online payment (gateway or bank transfer) was received in [since, until)."""
    online = Payment.objects.filter(account=OuterRef("pk"), channel__in=list(ONLINE_PAYMENT_CHANNELS))
    return Account.objects.filter(
        Exists(online.filter(received_at__gte=since, received_at__lt=until))
        & ~Exists(online.filter(received_at__lt=since))
    )


MOVED = {
    Measure.APP: accounts_moved_to_app,
    Measure.EMAIL: accounts_moved_to_email,
    Measure.ZALO: accounts_moved_to_zalo,
    Measure.EBILL: accounts_moved_to_ebill,
    Measure.ONLINE_PAYMENT: accounts_moved_to_online_payment,
}


def paper_or_sms_only() -> Q:
    """Open accounts reachable only on paper or by SMS: no e-mail, no Zalo, no active push, no portal login."""
    push = Exists(PushSubscription.objects.filter(account=OuterRef("pk"), active=True))
    return (
        ~Q(status=Account.Status.CLOSED) & Q(email="") & (Q(zalo_user_id="") | Q(phone=""))
        & ~Q(push) & Q(customer__user__isnull=True)
    )  # fmt: skip


@dataclass
class AdoptionRow:
    unit: Unit
    depth: int
    accounts: int
    paper_only: int
    moved: dict[str, int]
    targets: dict[str, int | None]

    def share(self, measure: str) -> float | None:
        target = self.targets.get(measure)
        return None if not target else round(100.0 * self.moved.get(measure, 0) / target, 1)


def adoption_by_unit(
    *, units: list[Unit], year: int, since: dt.datetime, until: dt.datetime
) -> list[AdoptionRow]:
    """Per unit of `units` (and rolled up its tree): customers moved to each measure in [since, until), targets.

    One grouped query per measure counts the moved accounts by managing unit; the roll-up sums those counts
    over each unit's descendants (by the materialised path). A unit's target is its own, or else the sum of its
    children's (rolled up the same way).
    """
    if not units:
        return []
    tree = list(
        Unit.objects.filter(Q(*[Q(path__startswith=u.path) for u in units], _connector=Q.OR)).order_by(
            "path", "pk"
        )
    )
    ids = [u.pk for u in tree]
    base = Account.objects.filter(unit_id__in=ids)

    def by_unit(queryset) -> dict[int, int]:
        return dict(queryset.values("unit_id").annotate(n=Count("pk")).order_by().values_list("unit_id", "n"))

    direct_accounts = by_unit(base.exclude(status=Account.Status.CLOSED))
    direct_paper = by_unit(base.filter(paper_or_sms_only()))
    direct_moved = {
        m: by_unit(base.filter(pk__in=MOVED[m](since=since, until=until).values("pk")))
        for m in Measure.values
    }
    own_targets: dict[tuple[int, str], int] = {
        (t.unit_id, t.measure): t.target
        for t in AdoptionTarget.objects.filter(unit_id__in=ids, year=year).order_by("pk")
    }
    children: dict[int, list[Unit]] = {}
    for u in tree:
        if u.parent_id in ids:
            children.setdefault(u.parent_id, []).append(u)

    def rolled_target(unit: Unit, measure: str) -> int | None:
        if (unit.pk, measure) in own_targets:
            return own_targets[(unit.pk, measure)]
        parts = [t for c in children.get(unit.pk, []) if (t := rolled_target(c, measure)) is not None]
        return sum(parts) if parts else None

    def below(unit: Unit, counts: dict[int, int]) -> int:
        return sum(n for u in tree if u.path.startswith(unit.path) for n in [counts.get(u.pk, 0)])

    top_depth = min(u.path.count("/") for u in units)
    return [
        AdoptionRow(
            unit=u,
            depth=u.path.count("/") - top_depth,
            accounts=below(u, direct_accounts),
            paper_only=below(u, direct_paper),
            moved={m: below(u, direct_moved[m]) for m in Measure.values},
            targets={m: rolled_target(u, m) for m in Measure.values},
        )  # fmt: skip
        for u in tree
    ]


def visit_list(*, accounts: QuerySet[Account]) -> QuerySet[Account]:
    """Of `accounts` (already scoped by the access policy), those reachable only on paper or SMS, by route order."""
    return (
        accounts.filter(paper_or_sms_only())
        .select_related("customer", "premise__commune", "unit", "route_stop__route")
        .order_by("unit__path", "route_stop__route__code", "route_stop__sequence", "code", "pk")
    )


# --- recognition sources (read by gridcare.campaigns) -----------------------------------------------------------


@dataclass(frozen=True)
class RecognitionCandidate:
    """A customer to thank, with the figure that earns it and the figure's unit of measure."""

    account_id: int
    account_code: str
    customer_name: str
    unit_id: int
    unit_name: str
    figure: int
    figure_unit: str  # "kWh", "ngày"


RECOGNITION_KINDS = ("demand_response", "reading_date", "top_saver")


def reading_date_movers(
    *, since: dt.date, until: dt.date, unit_ids: list[int] | None = None
) -> list[RecognitionCandidate]:
    """Customers who agreed in [since, until) to move their reading date; the figure is how many days it moved."""
    rows = ReadingDateAgreement.objects.filter(agreed_on__gte=since, agreed_on__lt=until)
    if unit_ids is not None:
        rows = rows.filter(account__unit_id__in=unit_ids)
    rows = rows.values_list("account_id", "account__code", "account__customer__name", "account__unit_id",
                            "account__unit__name", "from_day", "to_day").order_by("account__code", "agreed_on", "pk")  # fmt: skip
    seen: dict[int, RecognitionCandidate] = {}
    for account_id, code, name, unit_id, unit_name, from_day, to_day in rows:
        seen[account_id] = RecognitionCandidate(account_id=account_id, account_code=code, customer_name=name, unit_id=unit_id,
                                                unit_name=unit_name, figure=abs(to_day - from_day), figure_unit="ngày")  # fmt: skip
    return list(seen.values())


def top_savers(
    *, since: dt.date, until: dt.date, unit_ids: list[int] | None = None, limit: int = 50
) -> list[RecognitionCandidate]:
    """Households that used the most fewer kWh in the months [since, until) than in the same months a year before,
    and did better than their comparable households (same purpose, commune/ward, households on the meter).

    Left out: accounts without a standing invoice in every one of those months in both years, any month at 0 kWh
    (a vacancy), and any meter installed or changed from a year before `since` on (the index restarted). One grouped
    query gives each account's two totals; the comparison with its group's median change is numpy over those rows.
    """
    first, stop = month_add(since, 0), month_add(until - dt.timedelta(days=1), 1)
    n_months = (stop.year * 12 + stop.month) - (first.year * 12 + first.month)
    first_ly, stop_ly = month_add(first, -12), month_add(stop, -12)
    this = Q(period__gte=first, period__lt=stop)
    last = Q(period__gte=first_ly, period__lt=stop_ly)
    bills = _standing_invoices().filter(this | last).exclude(account__status=Account.Status.CLOSED)
    if unit_ids is not None:
        bills = bills.filter(account__unit_id__in=unit_ids)
    changed = MeterInstallation.objects.filter(
        account=OuterRef("account_id"), installed_on__gte=first_ly, installed_on__lt=stop
    )
    rows = list(
        bills.exclude(Exists(changed)).values("account_id")
        .annotate(kwh_this=Sum("kwh", filter=this), kwh_last=Sum("kwh", filter=last), n_this=Count("pk", filter=this),
                  n_last=Count("pk", filter=last), zeros=Count("pk", filter=Q(kwh__lte=0)))
        .filter(n_this=n_months, n_last=n_months, zeros=0)
        .values_list("account_id", "account__purpose", "account__premise__commune_id", "account__households",
                     "kwh_this", "kwh_last")
        .order_by("account_id")
    )  # fmt: skip
    if not rows:
        return []
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    groups = [(r[1], r[2], r[3]) for r in rows]
    this_kwh = np.array([r[4] for r in rows], dtype=np.float64)
    last_kwh = np.array([r[5] for r in rows], dtype=np.float64)
    change = (this_kwh - last_kwh) / last_kwh
    keys = {g: i for i, g in enumerate(sorted(set(groups)))}
    group_of = np.array([keys[g] for g in groups], dtype=np.int64)
    medians = np.array([np.median(change[group_of == k]) for k in range(len(keys))])
    better = (this_kwh < last_kwh) & (change < medians[group_of])
    reduction = (last_kwh - this_kwh).astype(np.int64)
    order = [int(i) for i in np.flatnonzero(better)[np.argsort(-reduction[better], kind="stable")][:limit]]
    chosen = ids[order].tolist()
    facts = {a.pk: a for a in Account.objects.filter(pk__in=chosen).select_related("customer", "unit")}
    return [
        RecognitionCandidate(
            account_id=facts[a].pk,
            account_code=facts[a].code,
            customer_name=facts[a].customer.name,
            unit_id=facts[a].unit_id,
            unit_name=facts[a].unit.name,
            figure=int(reduction[i]),
            figure_unit="kWh",
        )  # fmt: skip
        for a, i in zip(chosen, order, strict=True)
    ]


def demand_response_participants(
    *, since: dt.date, until: dt.date, unit_ids: list[int] | None = None
) -> list[RecognitionCandidate]:
    """`flexibility.selectors.recognition_list` as candidates (the figure: kWh delivered in its events)."""
    rows = flexibility_selectors.recognition_list(since=since, until=until, unit_ids=unit_ids)
    units = dict(Account.objects.filter(pk__in=[r.account_id for r in rows]).values_list("pk", "unit_id"))
    names = dict(Unit.objects.filter(pk__in=set(units.values())).values_list("pk", "name"))
    return [
        RecognitionCandidate(
            account_id=r.account_id,
            account_code=r.account_code,
            customer_name=r.customer_name,
            unit_id=units[r.account_id],
            unit_name=names[units[r.account_id]],
            figure=r.delivered_kwh,
            figure_unit="kWh",
        )  # fmt: skip
        for r in rows
    ]


recognition_list = flexibility_selectors.recognition_list  # re-exported for gridcare.campaigns


def recognition_candidates(
    kind: str, *, since: dt.date, until: dt.date, unit_ids: list[int] | None = None
) -> list[RecognitionCandidate]:
    """Customers to thank of one `kind` ("demand_response", "reading_date", "top_saver") over [since, until)."""
    if kind == "demand_response":
        return demand_response_participants(since=since, until=until, unit_ids=unit_ids)
    if kind == "reading_date":
        return reading_date_movers(since=since, until=until, unit_ids=unit_ids)
    if kind == "top_saver":
        return top_savers(since=since, until=until, unit_ids=unit_ids)
    raise ValueError(f"unknown recognition kind {kind!r}; one of {', '.join(RECOGNITION_KINDS)}")
