"""Reads of the appreciation month: what a staff member may see, the roll-ups up the unit tree, the public results.

Roll-ups are one query: every unit of the subtree, each with correlated sums over the activities and records of
the units below it (`Unit.path` prefix), so a company's figure is its teams' and its own, and the corporation's
the sum of every company's. Cancelled activities count neither in targets nor in results; a record linked to a
service request counts once that request is closed (the field work is tracked there).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Beneficiary,
    BloodDrive,
    BloodRegistration,
    Campaign,
    LightingProject,
    Measure,
    Photo,
    RecognitionList,
    UnitPeriod,
)
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import SocialCategoryAssignment
from gridcare.org import policy
from gridcare.org.models import Unit

SOCIAL_CATEGORY_PERMISSION = "customers.access_social_category"
# The column of each measure on an activity (target) and on a record (result): the budget is planned, the cost spent.
TARGET_COLUMNS = {m: ("budget_vnd" if m == Measure.BUDGET_VND else m) for m in MEASURES}
RESULT_COLUMNS = {m: ("cost_vnd" if m == Measure.BUDGET_VND else m) for m in MEASURES}


# --- scope (registered with the access policy by CampaignsConfig) -----------------------------------------------


def may_see_social_categories(*, user) -> bool:
    """Only roles that need them (managers, administrators: org.services) see customers' social categories."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.has_perm(SOCIAL_CATEGORY_PERMISSION))
    )


def beneficiaries_within_units(queryset, *, user, unit_ids: list[int]):
    """Beneficiaries of the units' activities; those taken from a social category only with its permission."""
    rows = queryset.filter(record__activity__unit__in=unit_ids)
    if not may_see_social_categories(user=user):
        rows = rows.exclude(source=Beneficiary.Source.SOCIAL_CATEGORY)
    return rows


def photos_within_units(queryset, *, user, unit_ids: list[int]):
    """Photos of the units' records and lighting projects."""
    return queryset.filter(
        Q(record__activity__unit__in=unit_ids) | Q(lighting_project__activity__unit__in=unit_ids)
    )


# --- lists ---------------------------------------------------------------------------------------------------------


def campaign_for_year(*, year: int) -> Campaign | None:
    return Campaign.objects.filter(year=year).select_related("unit").first()


def campaigns_all() -> QuerySet[Campaign]:
    """Every year's campaign, newest first (campaigns are read by every staff member)."""
    return Campaign.objects.order_by("-year", "pk")


def activity_kinds() -> QuerySet[ActivityKind]:
    return ActivityKind.objects.order_by("position", "code", "pk")


def activities_visible(*, user, campaign: Campaign | None = None) -> QuerySet[Activity]:
    """Activities the staff member may see (their units'), optionally of one campaign."""
    rows = policy.records(Activity.objects.select_related("campaign", "unit", "kind"), user=user)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    return rows.order_by("campaign__year", "unit__path", "starts_on", "pk")


def activity_visible(*, user, pk: int) -> Activity | None:
    return activities_visible(user=user).filter(pk=pk).first()


def record_visible(*, user, pk: int) -> ActivityRecord | None:
    """A record of the staff member's units (None for another unit's, like one that does not exist)."""
    return policy.records(ActivityRecord.objects.select_related("activity__unit", "activity__campaign", "activity__kind"),
                          user=user).filter(pk=pk).first()  # fmt: skip


def records_of(*, activity: Activity) -> QuerySet[ActivityRecord]:
    return activity.records.select_related("service_request").order_by("done_on", "pk")


def beneficiaries_visible(*, user, record: ActivityRecord | None = None) -> QuerySet[Beneficiary]:
    """Beneficiaries the staff member may see (their units'; social-category ones only with the permission).

    Reading them is audited: interfaces call `services.beneficiaries_read_record` with the rows they show.
    """
    rows = policy.records(Beneficiary.objects.select_related("record__activity", "customer", "account", "social_category"),
                          user=user)  # fmt: skip
    if record is not None:
        rows = rows.filter(record=record)
    return rows.order_by("record_id", "pk")


def social_categories_choosable(*, user) -> QuerySet[SocialCategoryAssignment]:
    """The social categories a staff member may pick a beneficiary from: their units' customers', with the permission."""
    if not may_see_social_categories(user=user):
        return SocialCategoryAssignment.objects.none()
    return policy.reach(SocialCategoryAssignment.objects.all(), user=user)


def account_within_units(*, user, code: str):
    """The contract `code` if it belongs to the staff member's units (a free service is opened for it), else None."""
    from gridcare.customers.models import Account

    return policy.reach(Account.objects.filter(code=(code or "").strip().upper()), user=user).first()


def service_request_within_units(*, user, number: str):
    """The service request `number` if it belongs to the staff member's units (to count it in an activity), else None."""
    from gridcare.servicedesk.models import ServiceRequest

    return policy.reach(ServiceRequest.objects.filter(number=(number or "").strip()), user=user).first()


def photo_visible(*, user, pk: int) -> Photo | None:
    return policy.records(Photo.objects.all(), user=user).filter(pk=pk).first()


def social_categories_for_beneficiary(
    *, user, customer_id: int, on: dt.date
) -> QuerySet[SocialCategoryAssignment]:
    """A customer's social categories valid on `on`, for a staff member allowed to see them (else none)."""
    if not may_see_social_categories(user=user):
        return SocialCategoryAssignment.objects.none()
    return (
        policy.reach(
            SocialCategoryAssignment.objects.filter(customer_id=customer_id, active_from__lte=on), user=user
        )
        .filter(Q(active_to__isnull=True) | Q(active_to__gt=on))
        .order_by("category", "pk")
    )


def unit_period_end(*, campaign: Campaign, unit: Unit) -> dt.date:
    """The first day after the unit's part of the campaign: its own (or an ancestor's) extension, else the campaign's."""
    ancestors = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    extended = UnitPeriod.objects.filter(campaign=campaign, unit_id__in=ancestors).order_by("-active_to").values_list(
        "active_to", flat=True
    ).first()  # fmt: skip
    return max(extended or campaign.active_to, campaign.active_to)


def blood_drive_open(*, pk: int, today: dt.date) -> BloodDrive | None:
    """A drive the public may register for (not yet held, not closed)."""
    return (
        BloodDrive.objects.select_related("activity__unit", "activity__campaign")
        .filter(pk=pk, public_registration=True, closed_at__isnull=True, held_on__gte=today)
        .exclude(activity__state=ActivityState.CANCELLED)
        .first()
    )


def blood_drives_open(*, today: dt.date) -> QuerySet[BloodDrive]:
    return (
        BloodDrive.objects.select_related("activity__unit")
        .filter(public_registration=True, closed_at__isnull=True, held_on__gte=today)
        .exclude(activity__state=ActivityState.CANCELLED)
        .order_by("held_on", "pk")
    )


def blood_drive_counts(*, drive: BloodDrive) -> dict[str, int]:
    return drive.registrations.aggregate(
        registered=Count("pk"), staff=Count("pk", filter=Q(kind=BloodRegistration.Kind.STAFF)),
        turned_up=Count("pk", filter=Q(turned_up=True)), units=Coalesce(Sum("units"), 0),
    )  # fmt: skip


def recognition_lists_visible(*, user) -> QuerySet[RecognitionList]:
    return policy.records(RecognitionList.objects.select_related("campaign", "unit"), user=user).order_by(
        "-built_at", "-pk"
    )


def photos_of(
    *, record: ActivityRecord | None = None, project: LightingProject | None = None
) -> QuerySet[Photo]:
    rows = (
        Photo.objects.filter(record=record)
        if record is not None
        else Photo.objects.filter(lighting_project=project)
    )
    return rows.order_by("moment", "uploaded_at", "pk")


# --- roll-ups -------------------------------------------------------------------------------------------------------


@dataclass
class RollupRow:
    unit_id: int
    unit_name: str
    unit_kind: str
    depth: int
    activities: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    targets: dict[str, Decimal] = field(default_factory=dict)
    results: dict[str, Decimal] = field(default_factory=dict)

    def share(self, measure: str) -> int | None:
        """Result against target, in whole percent (None without a target)."""
        target = self.targets.get(measure) or 0
        return None if not target else round(100 * (self.results.get(measure) or 0) / target)


def _sum_below(model, *, campaign: Campaign, column: str, unit_path: str, extra: Q):
    output = DecimalField(max_digits=20, decimal_places=2)
    rows = (
        model.objects.filter(
            **{f"{unit_path}__path__startswith": OuterRef("path")},
            **{f"{unit_path.rsplit('unit', 1)[0]}campaign": campaign},
        )
        .filter(extra)
        .order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(total=Sum(column, output_field=output))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=output), Value(Decimal(0)), output_field=output)


def _count_below(*, campaign: Campaign, state: str | None):
    rows = Activity.objects.filter(unit__path__startswith=OuterRef("path"), campaign=campaign)
    rows = rows.filter(state=state) if state else rows.exclude(state=ActivityState.CANCELLED)
    counted = rows.order_by().annotate(_one=Value(1)).values("_one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def rollup(*, campaign: Campaign, root: Unit, user=None) -> list[RollupRow]:
    """Targets and results of `root` and every unit below it (each summed over its own subtree), tree order.

    With `user`, only the units the staff member may see (their unit and below); one query whatever the size.
    """
    units = Unit.objects.filter(path__startswith=root.path)
    if user is not None:
        ids = policy.visible_unit_ids(user=user)
        if ids is not None:
            units = units.filter(pk__in=ids)
    live = ~Q(state=ActivityState.CANCELLED)
    counted = ~Q(activity__state=ActivityState.CANCELLED) & (
        Q(service_request__isnull=True) | Q(service_request__state="closed")
    )
    annotations = {}
    for measure in MEASURES:
        annotations[f"t_{measure}"] = _sum_below(
            Activity, campaign=campaign, column=TARGET_COLUMNS[measure], unit_path="unit", extra=live
        )
        annotations[f"r_{measure}"] = _sum_below(ActivityRecord, campaign=campaign, column=RESULT_COLUMNS[measure],
                                                 unit_path="activity__unit", extra=counted)  # fmt: skip
    annotations["n_all"] = _count_below(campaign=campaign, state=None)
    for state in ActivityState.values:
        annotations[f"n_{state}"] = _count_below(campaign=campaign, state=state)
    root_depth = root.path.count("/")
    rows = []
    for unit in units.annotate(**annotations).order_by("path", "pk"):
        rows.append(RollupRow(
            unit_id=unit.pk, unit_name=unit.name, unit_kind=unit.kind, depth=unit.path.count("/") - root_depth,
            activities=unit.n_all, by_state={s: getattr(unit, f"n_{s}") for s in ActivityState.values},
            targets={m: _plain(getattr(unit, f"t_{m}"), m) for m in MEASURES},
            results={m: _plain(getattr(unit, f"r_{m}"), m) for m in MEASURES},
        ))  # fmt: skip
    return rows


def _plain(value, measure: str) -> Decimal:
    value = Decimal(value or 0)
    return value.quantize(Decimal("0.01")) if measure == Measure.ROAD_KM else value.quantize(Decimal(1))


def rollup_by_kind(*, campaign: Campaign, root: Unit) -> list[dict]:
    """Per kind of activity under `root`: activities, done, households reached and cost (one grouped query)."""
    counted = Q(service_request__isnull=True) | Q(service_request__state="closed")
    results = (
        ActivityRecord.objects.filter(activity__campaign=campaign, activity__unit__path__startswith=root.path)
        .exclude(activity__state=ActivityState.CANCELLED)
        .filter(counted)
        .values("activity__kind_id")
        .annotate(count=Sum("count"), households=Sum("households"), cost=Sum("cost_vnd"))
    )
    by_kind = {r["activity__kind_id"]: r for r in results}
    planned = (
        Activity.objects.filter(campaign=campaign, unit__path__startswith=root.path)
        .exclude(state=ActivityState.CANCELLED)
        .values("kind_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(state=ActivityState.DONE)))
    )
    counts = {r["kind_id"]: r for r in planned}
    rows = []
    for kind in activity_kinds():
        if kind.pk not in counts and kind.pk not in by_kind:
            continue
        result = by_kind.get(kind.pk, {})
        rows.append({
            "kind": kind, "activities": counts.get(kind.pk, {}).get("n", 0), "done": counts.get(kind.pk, {}).get("done", 0),
            "count": result.get("count") or 0, "households": result.get("households") or 0, "cost": result.get("cost") or 0,
        })  # fmt: skip
    return rows


def public_results(*, campaign: Campaign) -> dict:
    """The year's results for the public "thank you" page: totals and per kind, no names, no customer, no unit below
    the companies (a team's few households could be recognised)."""
    corporation = campaign.unit
    total = rollup(campaign=campaign, root=corporation)[0]
    companies = [
        row for row in rollup(campaign=campaign, root=corporation) if row.unit_kind == Unit.Kind.COMPANY
    ]
    kinds = [{"name": r["kind"].name_vi, "kind": r["kind"], "count": r["count"], "households": r["households"]}
             for r in rollup_by_kind(campaign=campaign, root=corporation) if r["count"] or r["households"]]  # fmt: skip
    donors = BloodRegistration.objects.filter(drive__activity__campaign=campaign, turned_up=True).count()
    return {"total": total, "companies": companies, "kinds": kinds, "donors": donors}


def adoption_for_report(*, campaign: Campaign, root: Unit, user=None) -> list:
    """Digital adoption during the campaign's period for `root` and every unit below it (tree order): customers moved
    to the app, e-mail, Zalo, e-bills and online payment against the year's targets, and those still reachable only
    on paper or SMS (`insights.selectors.adoption_by_unit`, a fixed number of grouped queries).

    With `user`, only the units the staff member may see, like `rollup`.
    """
    from gridcare.insights import selectors as insights

    rows = insights.adoption_by_unit(units=[root], year=campaign.year, since=_local_midnight(campaign.active_from),
                                     until=_local_midnight(campaign.active_to))  # fmt: skip
    ids = policy.visible_unit_ids(user=user) if user is not None else None
    return rows if ids is None else [r for r in rows if r.unit.pk in ids]


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=BUSINESS_TZ)


def units_for_reports(*, user) -> QuerySet[Unit]:
    """The units whose roll-up a staff member may open (their unit and those below it)."""
    ids = policy.visible_unit_ids(user=user)
    units = Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)
    return units.order_by("path", "pk")


# --- the workday page's queues (backoffice.workday) ------------------------------------------------------------------

# What a team lead acts on while a campaign runs (from its first day to the last day units may extend to).
QUEUE_DUE = "due"  # planned, and the start date has come: start it, or cancel it with a reason
QUEUE_LATE = "late"  # under way past its end date: record the results and close it
QUEUE_DRIVE_TO_CLOSE = "drive_to_close"  # a blood drive held, not yet summed up (who came, units collected)
QUEUE_NO_PHOTO = "no_photo"  # a result typed by staff without any photo
QUEUES = (QUEUE_DUE, QUEUE_LATE, QUEUE_DRIVE_TO_CLOSE, QUEUE_NO_PHOTO)


def campaigns_running(*, today: dt.date) -> QuerySet[Campaign]:
    """Campaigns under way on `today`: from their first day to the latest end a unit may extend to (exclusive)."""
    return Campaign.objects.filter(active_from__lte=today, latest_end__gt=today)


def _running(prefix: str, today: dt.date) -> Q:
    return Q(**{f"{prefix}campaign__active_from__lte": today, f"{prefix}campaign__latest_end__gt": today})


def queue_condition(queue: str, *, today: dt.date) -> Q:
    """The filter of one queue on `today`, over activities (due, late), blood drives or records (no photo)."""
    if queue == QUEUE_DUE:
        return _running("", today) & Q(state=ActivityState.PLANNED, starts_on__lte=today)
    if queue == QUEUE_LATE:
        return _running("", today) & Q(state=ActivityState.IN_PROGRESS, ends_on__lt=today)
    if queue == QUEUE_DRIVE_TO_CLOSE:
        return (
            _running("activity__", today)
            & Q(closed_at__isnull=True, held_on__lt=today)
            & ~Q(activity__state=ActivityState.CANCELLED)
        )
    if (
        queue == QUEUE_NO_PHOTO
    ):  # typed results only: free services are documented in the service desk, drives and roads by their own rows
        return (_running("activity__", today) & Q(service_request__isnull=True, source_key__isnull=True)
                & ~Q(activity__state=ActivityState.CANCELLED) & ~Q(Exists(Photo.objects.filter(record=OuterRef("pk")))))  # fmt: skip
    raise ValueError(queue)


def queue_counts(*, user, today: dt.date) -> dict[str, int] | None:
    """The queues' counts for the staff member's units (None when no campaign is running): four queries at most,
    whatever the number of rows; a queue of records the user may not view is left out."""
    if not campaigns_running(today=today).exists():
        return None
    counts: dict[str, int] = {}
    if policy.may_record(user=user, model=Activity, verb="view"):
        counts.update(policy.records(Activity.objects.all(), user=user).aggregate(
            **{q: Count("pk", filter=queue_condition(q, today=today)) for q in (QUEUE_DUE, QUEUE_LATE)}))  # fmt: skip
    if policy.may_record(user=user, model=BloodDrive, verb="view"):
        drives = policy.records(BloodDrive.objects.all(), user=user)
        counts[QUEUE_DRIVE_TO_CLOSE] = drives.filter(
            queue_condition(QUEUE_DRIVE_TO_CLOSE, today=today)
        ).count()
    if policy.may_record(user=user, model=ActivityRecord, verb="view"):
        records = policy.records(ActivityRecord.objects.all(), user=user)
        counts[QUEUE_NO_PHOTO] = records.filter(queue_condition(QUEUE_NO_PHOTO, today=today)).count()
    return counts
