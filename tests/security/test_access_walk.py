"""The per-model walk of test_access_policy.py: staff of another team try every admin page of every model.

Team B's records (`build_theirs`) are built once for the module, inside a transaction rolled back at its end; each
case runs in its own savepoint on top (pytest-django's `db`), so whatever a case writes is undone before the next.
Building them per case cost about 3 s of the walk's 260 cases.
"""

import pytest
from django.db import transaction
from django.test import override_settings

from gridcare.backoffice.site import admin_site
from tests import factories
from tests.backoffice.builders import PASSWORD, verified_login
from tests.processes import once_in_ci
from tests.security.test_access_policy import (
    MODELS,
    NATIONAL,
    OPEN_TO_ALL_STAFF,
    User,
    _actor,
    _body,
    _keys,
    _label,
    _no_marker,
    _snapshot,
    _url,
    build_theirs,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py sets per test


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """(world, theirs), built once; rolled back when the module is done."""
    # The conftest's per-test settings (fast password hashing) are not in force yet at module scope.
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        world = factories.utility()
        yield world, build_theirs(world)
        transaction.set_rollback(True)


# About 130 cases per walker: CI runs the administrator's walk on SQLite and the operator's on PostgreSQL (each runs
# both outside CI), to stay in its budget.
WALKERS = [
    pytest.param("team_admin", marks=once_in_ci("sqlite")),
    pytest.param("team_operator", marks=once_in_ci("postgresql")),
]


@pytest.mark.parametrize("actor", WALKERS)
@pytest.mark.parametrize("label", sorted(set(MODELS) - NATIONAL - OPEN_TO_ALL_STAFF))
def test_staff_of_another_team_see_and_change_nothing_of_it(db, client, shared, actor, label):
    world, theirs = shared
    rows = theirs[label]
    model = type(rows[0])
    pks = _keys(rows)
    verified_login(client, _actor(world, actor))
    before = _snapshot(rows)

    listing = client.get(_url(model))
    assert listing.status_code in {200, 403}
    if listing.status_code == 200:
        assert not pks & set(listing.context["cl"].queryset.values_list("pk", flat=True)), "listed"
        _no_marker(listing.content.decode(), "the list")
    add = client.get(_url(model, "add/"))
    if add.status_code == 200:
        for name, field in add.context["adminform"].form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None:
                for other_label, other_rows in theirs.items():
                    if other_label == _label(queryset.model):
                        assert not _keys(other_rows) & set(queryset.values_list("pk", flat=True)), name
    for row in rows:
        for suffix in ("change/", "history/", "delete/"):
            response = client.get(_url(model, f"{row.pk}/{suffix}"))
            assert response.status_code != 200, f"{suffix} of {row!r} opens"
        client.post(_url(model, f"{row.pk}/change/"), {})
        client.post(_url(model, f"{row.pk}/delete/"), {"post": "yes"})
        if model is User:
            client.post(
                _url(model, f"{row.pk}/password/"),
                {"password1": "Mới-Đổi-2025-x", "password2": "Mới-Đổi-2025-x"},
            )
    exports = ("export_list_csv", "export_list_xlsx")  # added to every unit-scoped list by the back office
    for action in [*(admin_site._registry[model].actions or ()), "delete_selected", *exports]:
        for across in ({}, {"select_across": "1"}):
            response = client.post(
                _url(model),
                {
                    "action": action,
                    "_selected_action": sorted(row.pk for row in rows),
                    "index": 0,
                    "post": "yes",
                    **across,
                },
            )
            _no_marker(_body(response), f"action {action}")
    assert _snapshot(rows) == before, "changed"
    for row in rows:
        if model is User:
            assert User.objects.get(pk=row.pk).check_password(PASSWORD), "password changed"
