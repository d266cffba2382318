"""Writes for units and staff."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from gridcare.org.models import StaffMembership, StaffRole, Unit

GRIDCARE_APPS = (
    "org", "network", "customers", "metering", "tariffs", "billing", "notifications", "outages", "core", "servicedesk",
    "payments", "flexibility", "insights", "campaigns",
)  # fmt: skip
# Sensitive permissions that only some roles hold, on top of the action-based ones.
SENSITIVE_BY_ROLE = {
    StaffRole.CATALOGUE: (),
    StaffRole.VIEWER: (),
    StaffRole.OPERATOR: (),
    StaffRole.MANAGER: ("customers.access_social_category",),
    StaffRole.ADMINISTRATOR: ("customers.access_social_category",),
}
# Administrators also manage staff members' two-factor devices (create, reset, remove).
TWO_FACTOR_APPS = ("otp_totp", "otp_static")
# The national catalogue, the unit tree and message templates: every role reads them, only the catalogue
# role changes them (and `org.policy`'s "catalogue.manage" rule limits that role to the corporation).
CATALOGUE_MODELS = (
    ("tariffs", None), ("org", "unit"), ("org", "province"), ("org", "commune"), ("notifications", "template"),
    ("servicedesk", "requesttype"), ("servicedesk", "dayoff"), ("campaigns", "activitykind"),
)  # fmt: skip
ACTIONS_BY_ROLE = {
    StaffRole.CATALOGUE: ("view", "add", "change", "delete"),
    StaffRole.VIEWER: ("view",),
    StaffRole.OPERATOR: ("view", "add", "change"),
    StaffRole.MANAGER: ("view", "add", "change", "delete"),
    StaffRole.ADMINISTRATOR: ("view", "add", "change", "delete"),
}


def role_group_name(role: str) -> str:
    return f"gridcare:{role}"


def _catalogue_q() -> Q:
    catalogue = Q(pk__in=[])
    for app_label, model in CATALOGUE_MODELS:
        catalogue |= Q(content_type__app_label=app_label, **({"content_type__model": model} if model else {}))
    return catalogue


def role_groups_sync() -> None:
    """Create or refresh one permission group per staff role (run after every migrate)."""
    for role in StaffRole:
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        actions = ACTIONS_BY_ROLE[role]
        action_filter = Q()
        for action in actions:
            action_filter |= Q(codename__startswith=f"{action}_")
        perms = Permission.objects.filter(content_type__app_label__in=GRIDCARE_APPS).filter(action_filter)
        if role == StaffRole.CATALOGUE:
            group.permissions.set(perms.filter(_catalogue_q()))
            continue
        # Everyone reads the catalogue; only the catalogue role changes it.
        perms = perms.exclude(_catalogue_q() & ~Q(codename__startswith="view_"))
        if role != StaffRole.ADMINISTRATOR:
            perms = (
                perms.exclude(content_type__app_label="core", codename__endswith="_user")
                .exclude(content_type__model="staffmembership")
                .exclude(codename__in=["change_auditentry", "delete_auditentry", "add_auditentry"])
            )
            # The audit log holds before/after values of sensitive records: administrators only.
            perms = perms.exclude(codename="view_auditentry")
        else:
            perms = perms.exclude(codename__in=["change_auditentry", "delete_auditentry", "add_auditentry"])
            perms = perms | Permission.objects.filter(content_type__app_label__in=TWO_FACTOR_APPS).filter(
                action_filter
            )
        sensitive = []
        for dotted in SENSITIVE_BY_ROLE[role]:
            app_label, codename = dotted.split(".")
            sensitive.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        # Social categories are only reachable through the sensitive permission.
        perms = perms.exclude(content_type__model="socialcategoryassignment")
        if sensitive:
            perms = (
                list(perms)
                + sensitive
                + list(
                    Permission.objects.filter(
                        content_type__model="socialcategoryassignment",
                        codename__regex=r"^(" + "|".join(actions) + ")_",
                    )
                )
            )
        group.permissions.set(perms)


@transaction.atomic
def unit_create(
    *, kind: str, code: str, name: str, parent: Unit | None = None, customer_code_prefix: str = ""
) -> Unit:
    """Create a unit under `parent` and give it its materialised path."""
    unit = Unit.objects.create(
        kind=kind, code=code, name=name, parent=parent, customer_code_prefix=customer_code_prefix
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def staff_membership_set(*, user, unit: Unit, role: str) -> StaffMembership:
    """Put a staff user in a unit with a role, and give them exactly that role's permissions."""
    membership, _ = StaffMembership.objects.update_or_create(user=user, defaults={"unit": unit, "role": role})
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.remove(*Group.objects.filter(name__startswith="gridcare:"))
    user.groups.add(Group.objects.get_or_create(name=role_group_name(role))[0])
    for cached in (
        "_perm_cache",
        "_group_perm_cache",
        "_user_perm_cache",
        "_gridcare_membership",
        "_gridcare_unit_ids",
    ):
        user.__dict__.pop(cached, None)
    return membership


@transaction.atomic
def unit_save(*, unit: Unit) -> Unit:
    """Save a unit; a new one gets its materialised path, an existing one keeps its place in the tree."""
    if unit.pk is None:
        unit.save()
        unit.path = f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        return unit
    current = Unit.objects.only("parent_id").get(pk=unit.pk)
    if current.parent_id != unit.parent_id:
        raise ValueError("A unit's parent cannot change: its path names every ancestor.")
    unit.save()
    return unit
