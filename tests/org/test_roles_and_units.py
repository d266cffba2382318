"""Roles map to permission groups; staff see their unit and everything below it."""

import pytest
from django.contrib.auth import get_user_model

from gridcare.org import selectors, services
from gridcare.org.models import StaffRole, Unit


@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        (StaffRole.VIEWER, {"customers.view_account"}, {"customers.change_account", "customers.access_social_category",
                                                         "customers.view_socialcategoryassignment", "core.view_auditentry"}),
        (StaffRole.OPERATOR, {"customers.change_account", "customers.add_customer"},
         {"customers.delete_account", "customers.access_social_category", "core.change_user", "core.view_auditentry"}),
        (StaffRole.MANAGER, {"customers.delete_account", "customers.access_social_category",
                             "customers.change_socialcategoryassignment"}, {"core.change_user", "org.add_staffmembership"}),
        (StaffRole.ADMINISTRATOR, {"core.change_user", "org.add_staffmembership", "core.view_auditentry",
                                   "otp_totp.add_totpdevice", "customers.access_social_category"},
         {"core.change_auditentry", "core.delete_auditentry"}),
    ],
)  # fmt: skip
def test_role_permissions(world, role, allowed, refused):
    services.role_groups_sync()
    user = get_user_model().objects.create_user(username=f"u-{role}")
    services.staff_membership_set(user=user, unit=world["teams"][0], role=role)
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    assert all(user.has_perm(p) for p in allowed), [p for p in allowed if not user.has_perm(p)]
    assert not any(user.has_perm(p) for p in refused), [p for p in refused if user.has_perm(p)]


def test_changing_role_replaces_the_group(world):
    services.role_groups_sync()
    user = get_user_model().objects.create_user(username="u")
    services.staff_membership_set(user=user, unit=world["teams"][0], role=StaffRole.MANAGER)
    services.staff_membership_set(user=user, unit=world["teams"][0], role=StaffRole.VIEWER)
    assert list(user.groups.values_list("name", flat=True)) == ["gridcare:viewer"]


def test_visible_units_are_the_unit_and_its_descendants(world):
    user = get_user_model().objects.create_user(username="u")
    services.staff_membership_set(user=user, unit=world["company"], role=StaffRole.VIEWER)
    assert set(selectors.visible_unit_ids(user=user)) == {
        world["company"].pk,
        *(t.pk for t in world["teams"]),
    }
    services.staff_membership_set(user=user, unit=world["teams"][1], role=StaffRole.VIEWER)
    assert selectors.visible_unit_ids(user=user) == [world["teams"][1].pk]
    assert selectors.visible_commune_ids(user=user) == [world["communes"][1].pk]


def test_user_without_membership_sees_nothing_and_superuser_everything(world):
    assert selectors.visible_unit_ids(user=get_user_model().objects.create_user(username="u")) == []
    assert (
        selectors.visible_unit_ids(user=get_user_model().objects.create_superuser(username="r", password="x"))
        is None
    )


def test_unit_save_gives_a_path_and_keeps_the_parent(world):
    unit = services.unit_save(
        unit=Unit(kind=Unit.Kind.TEAM, code="PCCT-CR", name="Đội QLĐ Cái Răng", parent=world["company"])
    )
    assert unit.path == f"{world['company'].path}{unit.pk}/"
    unit.parent = world["teams"][0]
    with pytest.raises(ValueError):
        services.unit_save(unit=unit)
