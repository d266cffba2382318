"""`/healthz` and `/readyz` for load balancers and orchestrators.

- `/healthz`: the process answers and can reach its database and its task queue (200, or 503 naming what is
  unreachable). A load balancer takes a web process out of rotation on 503.
- `/readyz`: healthy **and** the database schema is migrated to this code's migrations (a deploy that has not
  run `gridcare migrate` yet is not ready). Once seen migrated, a process does not ask again.

Both answer JSON, are never cached, need no sign-in and say nothing beyond "ok"/"unreachable".
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
_migrated = False


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError:
        log.warning("health: database unreachable", exc_info=True)
        return False


def _task_queue() -> bool:
    backend = settings.TASKS["default"]["BACKEND"]
    try:
        if backend.startswith("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.order_by().values_list("pk")[:1].exists()
        elif settings.GRIDCARE_TASKS_RQ:
            import django_rq

            queue = next(iter(settings.RQ_QUEUES))
            django_rq.get_connection(queue).ping()
        return True
    except Exception:  # any failure of the queue's own client means "unreachable"
        log.warning("health: task queue unreachable", exc_info=True)
        return False


def pending_migrations() -> int:
    """How many migrations of this code the database has not applied."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def unmigrated_message(pending: int) -> str:
    """The one line a command prints when the database lacks `pending` migrations of this code."""
    from django.utils.translation import gettext as _

    return _(
        "gridcare: cơ sở dữ liệu %(name)s chưa được cập nhật (%(count)s migration chưa chạy); "
        "chạy `gridcare migrate` rồi thử lại."
    ) % {"name": settings.DATABASES["default"].get("NAME"), "count": pending}


def _checks(*, ready: bool) -> tuple[int, dict]:
    global _migrated
    result = {"database": "ok" if _database() else "unreachable"}
    result["tasks"] = "ok" if _task_queue() else "unreachable"
    if ready and result["database"] == "ok":
        if not _migrated:
            try:
                _migrated = pending_migrations() == 0
            except DatabaseError:
                _migrated = False
        result["migrations"] = "ok" if _migrated else "pending"
    healthy = all(value == "ok" for value in result.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "unavailable", **result}


@never_cache
@require_GET
def healthz(request):
    status, body = _checks(ready=False)
    return JsonResponse(body, status=status)


@never_cache
@require_GET
def readyz(request):
    status, body = _checks(ready=True)
    return JsonResponse(body, status=status)
