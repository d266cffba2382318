"""Who may do what: gridcare's one access policy.

Every service, selector, back-office page, API endpoint, export and task asks this module; none
re-derives scope. Deny by default: an action that is not in `RULES`, or a kind of record that is not in
`RECORDS`, is for superusers only.

- `visible_unit_ids(user=...)`: the units a staff member sees (their unit and everything below it);
  `None` means every unit (superusers), `[]` nothing.
- `records(queryset, user=...)`: the rows of `queryset` the user may see: the model's view permission, and its
  entry in `RECORDS` (its unit path, or a filter its own app registers); `reach(...)` the same rows without the
  permission (form choices); `may_record(...)`: may the user view, add, change or delete records of that model
  (or that one record)?
- `may(user=..., action=..., unit_id=...)` / `require(...)`: may the user do `action` (optionally on a
  record of unit `unit_id`)? `require` raises `AccessDenied`, which interfaces turn into 403/404.

Actions are dotted names `<area>.<verb>` (`billing.run_all_routes`, `catalogue.manage`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from gridcare.org.models import Commune, StaffMembership, StaffRole, Unit


class AccessDenied(PermissionDenied):
    """The user may not do this; `message` says why in the user's language."""

    code = "forbidden"

    def __init__(self, message=None):
        self.message = message or _("Bạn không có quyền thực hiện thao tác này.")
        super().__init__(self.message)


@dataclass(frozen=True)
class Rule:
    """Who may do an action: a Django permission (from the role's group), and how far their unit reaches.

    `unit_kinds`: the kinds of unit whose staff may do it (a company-wide job is not for a team);
    `roles`: the staff roles that may do it (None: any role holding `permission`).
    """

    permission: str | None = None
    roles: tuple[str, ...] | None = None
    unit_kinds: tuple[str, ...] | None = None


RULES: dict[str, Rule] = {
    # The national catalogue (tariffs, VAT, time-of-use hours), the unit tree and message templates belong to
    # the corporation's catalogue role, never to a team's operator. Model permissions come from the role group.
    "catalogue.manage": Rule(roles=(StaffRole.CATALOGUE,), unit_kinds=(Unit.Kind.CORPORATION,)),
    # One route's run: staff who may add runs, for a route of their units (checked with `unit_id`).
    "billing.run_route": Rule(permission="billing.add_billrun"),
    # A run over every route bills every company: only the corporation's staff (and superusers).
    "billing.run_all_routes": Rule(permission="billing.add_billrun", unit_kinds=(Unit.Kind.CORPORATION,)),
    # Managing the staff of one's units (their logins, roles, two-factor devices) and reading the audit log.
    "staff.administer": Rule(roles=(StaffRole.ADMINISTRATOR,)),
    # Importing readings (for meters installed at accounts of the importer's units).
    "metering.import_readings": Rule(permission="metering.add_reading"),
    # Correct a register reading (through metering.services.reading_correct; the admin never edits one).
    "metering.correct_reading": Rule(permission="metering.change_reading"),
}

UnitFilter = Callable[..., QuerySet]


@dataclass(frozen=True)
class Records:
    """How far one model's rows reach, and how they may change.

    `unit_path`: the lookup path from a row to its unit (`"account__unit"`); or `within(queryset, user=...,
    unit_ids=...)` when the link is not a plain path (customers through their accounts). `read_by_all_staff`:
    national data every staff member reads (the tariff catalogue). `manage_action`: a `RULES` action needed
    on top of the model permission to add, change or delete. `deletable=False`: never hard-deleted, by
    anyone (contracts are closed, readings corrected).
    """

    unit_path: str | None = None
    within: UnitFilter | None = None
    read_by_all_staff: bool = False
    manage_action: str | None = None
    deletable: bool = True


CATALOGUE = Records(read_by_all_staff=True, manage_action="catalogue.manage")


def _communes_within(queryset, *, user, unit_ids):
    return queryset.filter(pk__in=Commune.objects.filter(units__in=unit_ids).values("pk"))


def _audit_entries_within(queryset, *, user, unit_ids):
    """Entries about records the user may see (by the entry's object); social categories need their permission."""
    visible = Q()
    for label, rule in RECORDS.items():
        if label == "core.auditentry":
            continue
        if label == "customers.socialcategoryassignment" and not user.has_perm(
            "customers.access_social_category"
        ):
            continue
        model = _model(label)
        if model is None:
            continue
        if rule.read_by_all_staff:
            visible |= Q(object_type=label)
            continue
        rows = _within(model._default_manager.all(), rule, user=user, unit_ids=unit_ids)
        visible |= Q(
            object_type=label,
            object_id__in=rows.annotate(_pk_text=Cast("pk", CharField())).values("_pk_text"),
        )
    return queryset.filter(visible)


RECORDS: dict[str, Records] = {
    # org
    "org.unit": Records(unit_path="pk", manage_action="catalogue.manage", deletable=False),
    "org.province": CATALOGUE,
    "org.commune": Records(within=_communes_within, manage_action="catalogue.manage"),
    "org.staffmembership": Records(unit_path="unit"),
    # network
    "network.substation": Records(unit_path="unit"),
    "network.feeder": Records(unit_path="unit"),
    "network.transformerstation": Records(unit_path="unit"),
    # customers (customer, premise, social category and user filters are registered by gridcare.customers)
    "customers.account": Records(unit_path="unit", deletable=False),
    "customers.servicepoint": Records(unit_path="account__unit"),
    # metering (meter and interval filters are registered by gridcare.metering)
    "metering.meterinstallation": Records(unit_path="account__unit"),
    "metering.readingroute": Records(unit_path="unit"),
    "metering.routeaccount": Records(unit_path="route__unit"),
    "metering.reading": Records(unit_path="account__unit", deletable=False),
    # An import belongs to the unit of the staff member who sent it; system imports (head-end, command) to nobody.
    "metering.readingimport": Records(unit_path="unit", deletable=False),
    # tariffs: the national catalogue
    "tariffs.tariffversion": CATALOGUE,
    "tariffs.tierprice": CATALOGUE,
    "tariffs.timeofuseprice": CATALOGUE,
    "tariffs.timeofuseschedule": CATALOGUE,
    "tariffs.timeofusewindow": CATALOGUE,
    "tariffs.vatrate": CATALOGUE,
    # billing: a run over every route has no unit, so only those who see every unit see it
    "billing.billrun": Records(unit_path="route__unit", deletable=False),
    "billing.billrunskip": Records(unit_path="run__route__unit"),
    "billing.billrunchunk": Records(unit_path="run__route__unit"),
    "billing.bill": Records(unit_path="account__unit", deletable=False),
    "billing.billline": Records(unit_path="bill__account__unit"),
    # notifications: a notice to many customers (no single account) is for superusers
    "notifications.template": CATALOGUE,
    "notifications.outboxmessage": Records(unit_path="account__unit"),
    "notifications.notice": Records(unit_path="account__unit"),
    "notifications.preference": Records(unit_path="account__unit"),
    "notifications.pushsubscription": Records(unit_path="account__unit"),
    "notifications.consumptionalert": Records(unit_path="account__unit"),
    # two-factor devices of the units' staff (administrators manage them)
    "otp_totp.totpdevice": Records(unit_path="user__staff_membership__unit"),
    "otp_static.staticdevice": Records(unit_path="user__staff_membership__unit"),
    # one-time two-factor enrolment links of the units' staff (API tokens have no entry: superusers only)
    "core.enrolmentlink": Records(unit_path="user__staff_membership__unit"),
    # core: the audit log, by the record each entry is about
    "core.auditentry": Records(within=_audit_entries_within, deletable=False),
}


def records_register(label: str, rule: Records) -> None:
    """Declare how far the rows of model `label` (`app_label.model_name`) reach (called by the model's app)."""
    RECORDS[label] = rule


def rules_register(action: str, rule: Rule) -> None:
    """Declare who may do `action` (`<area>.<verb>`), called by the app that owns the action in its `ready()`."""
    if action in RULES and RULES[action] != rule:
        raise ValueError(f"policy action {action!r} is already declared differently")
    RULES[action] = rule


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _membership(user) -> StaffMembership | None:
    if not user.pk:
        return None
    cached = getattr(user, "_gridcare_membership", False)
    if cached is False:
        cached = StaffMembership.objects.filter(user=user).select_related("unit").first()
        user._gridcare_membership = cached
    return cached


def unit_of(user) -> Unit | None:
    """The unit a staff member belongs to (None: no membership)."""
    membership = _membership(user) if user is not None and user.is_authenticated else None
    return membership.unit if membership is not None else None


def is_active_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def visible_unit_ids(*, user) -> list[int] | None:
    """Unit ids a staff user may see; None means every unit (superusers), [] nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if not user.is_staff:
        return []
    cached = getattr(user, "_gridcare_unit_ids", None)
    if cached is not None:
        return list(cached)
    membership = _membership(user)
    ids = (
        []
        if membership is None
        else list(Unit.objects.filter(path__startswith=membership.unit.path).values_list("pk", flat=True))
    )
    user._gridcare_unit_ids = tuple(ids)
    return ids


def _within(queryset: QuerySet, rule: Records, *, user, unit_ids: list[int]) -> QuerySet:
    if rule.within is not None:
        return rule.within(queryset, user=user, unit_ids=unit_ids)
    if rule.unit_path is None:
        return queryset.none()
    return queryset.filter(**{f"{rule.unit_path}__in": unit_ids})


def records_rule(model) -> Records | None:
    """The `RECORDS` entry of a model (class or instance), None when it has none (superusers only)."""
    return RECORDS.get(model._meta.label_lower)


def reach(queryset: QuerySet, *, user) -> QuerySet:
    """The rows of `queryset` within the user's reach by the model's `RECORDS` entry (nothing without one).

    Reach only, whatever the user's model permissions: for the choices of a form the user may already edit
    (the portal login of a customer). To show rows, use `records`.
    """
    if not is_active_staff(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    rule = records_rule(queryset.model)
    if rule is None:
        return queryset.none()
    if rule.read_by_all_staff:
        return queryset
    ids = visible_unit_ids(user=user)
    if not ids:
        return queryset.none()
    return _within(queryset, rule, user=user, unit_ids=ids)


def records(queryset: QuerySet, *, user) -> QuerySet:
    """The rows of `queryset` the user may see: they may view the model, and the rows are within their reach."""
    if not may_record(user=user, model=queryset.model, verb="view"):
        return queryset.none()
    return reach(queryset, user=user)


def records_in_units(queryset: QuerySet, *, user, unit_ids: list[int]) -> QuerySet:
    """The rows of `queryset` the user may see that belong to `unit_ids` (a "unit" filter of a list)."""
    rule = records_rule(queryset.model)
    visible = visible_unit_ids(user=user)
    if rule is None or rule.read_by_all_staff:
        return reach(queryset, user=user)
    ids = [pk for pk in unit_ids if visible is None or pk in visible]
    return _within(queryset, rule, user=user, unit_ids=ids) if ids else queryset.none()


def may_record(*, user, model, verb: str, obj=None) -> bool:
    """May `user` `verb` ("view", "add", "change", "delete") records of `model` (or the record `obj`)?

    Superusers may do anything but delete what is never deleted; staff need the model's entry in `RECORDS`,
    the model permission of their role, the entry's `manage_action` to write, and `obj` within their reach.
    """
    rule = records_rule(model)
    if verb == "delete" and rule is not None and not rule.deletable:
        return False
    if not is_active_staff(user):
        return False
    if user.is_superuser:
        return True
    if rule is None:
        return False
    opts = model._meta
    perms = [f"{opts.app_label}.{verb}_{opts.model_name}"]
    if verb == "view":
        perms.append(f"{opts.app_label}.change_{opts.model_name}")
    if not any(user.has_perm(perm) for perm in perms):
        return False
    if verb != "view" and rule.manage_action is not None and not may(user=user, action=rule.manage_action):
        return False
    if obj is not None and obj.pk is not None:
        return reach(type(obj)._default_manager.filter(pk=obj.pk), user=user).exists()
    return True


def may(*, user, action: str, unit_id: int | None = None) -> bool:
    """May `user` do `action` (on a record of unit `unit_id`, when given)? Unknown actions: superusers only."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    rule = RULES.get(action)
    if rule is None or not user.is_staff:
        return False
    membership = _membership(user)
    if membership is None:
        return False
    if rule.roles is not None and membership.role not in rule.roles:
        return False
    if rule.unit_kinds is not None and membership.unit.kind not in rule.unit_kinds:
        return False
    if rule.permission is not None and not user.has_perm(rule.permission):
        return False
    if unit_id is not None:
        ids = visible_unit_ids(user=user)
        return ids is None or unit_id in ids
    return True


def require(*, user, action: str, unit_id: int | None = None, message=None) -> None:
    """Raise `AccessDenied` unless `may(...)`."""
    if not may(user=user, action=action, unit_id=unit_id):
        raise AccessDenied(message)


__all__ = [
    "RECORDS", "RULES", "AccessDenied", "Records", "Rule", "StaffRole", "may", "may_record", "records",
    "reach", "records_in_units", "records_register", "records_rule", "require", "rules_register", "unit_of", "visible_unit_ids",
]  # fmt: skip
