"""`gridcare serve`: the production web server (gunicorn) with gridcare's WSGI application.

Workers, threads, address and timeouts come from the environment (docs/deployment.md), so a service manager
or a container sets them without a config file. `make demo` keeps Django's simple development server.
"""

import os
import shutil
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise CommandError(
            _("%(name)s phải là số nguyên, không phải %(value)r.") % {"name": name, "value": value}
        ) from None
    if number < 1:
        raise CommandError(_("%(name)s phải lớn hơn 0.") % {"name": name})
    return number


def gunicorn_arguments(*, bind: str | None = None) -> list[str]:
    """The gunicorn command line `serve` runs (read from the environment; also used by the tests)."""
    cores = os.cpu_count() or 1
    workers = _int_env("GRIDCARE_WEB_WORKERS", 2 * cores + 1)
    threads = _int_env("GRIDCARE_WEB_THREADS", 1)
    timeout = _int_env("GRIDCARE_WEB_TIMEOUT", 60)
    bind = bind or os.environ.get("GRIDCARE_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104
    arguments = [
        sys.executable, "-m", "gunicorn", "gridcare.wsgi:application",
        "--bind", bind, "--workers", str(workers), "--threads", str(threads),
        "--timeout", str(timeout), "--graceful-timeout", "30", "--keep-alive", "5",
        # gridcare logs each request itself (JSON, with the request id); gunicorn's own log is for the server.
        "--error-logfile", "-", "--log-level", "info",
        # The application is imported once and the workers forked from it (fast start, shared memory); Django
        # opens database connections lazily, so no connection is shared across the fork.
        "--preload", "--no-control-socket",
        # A worker is replaced after this many requests (with jitter), so a slow leak can never grow unbounded.
        "--max-requests", str(_int_env("GRIDCARE_WEB_MAX_REQUESTS", 5000)), "--max-requests-jitter", "500",
    ]  # fmt: skip
    # Workers' heartbeat files in memory, as gunicorn advises on Linux (a disk under load would stall them).
    if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's heartbeat files, no data
        arguments += ["--worker-tmp-dir", "/dev/shm"]  # noqa: S108
    return arguments


class Command(BaseCommand):
    help = gettext_lazy(
        "Chạy máy chủ web cho vận hành thật (gunicorn); số tiến trình lấy từ GRIDCARE_WEB_WORKERS."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=None,
            help=gettext_lazy("địa chỉ:cổng (mặc định GRIDCARE_BIND hoặc 0.0.0.0:$PORT)"),
        )

    def handle(self, *args, bind, **options):
        if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
            raise CommandError(_("Chưa cài gunicorn: chạy `make setup`."))
        if not settings.DEBUG and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError(
                _(
                    "Chưa có tệp tĩnh trong %(path)s: chạy `gridcare collectstatic --noinput` trước (make serve làm việc này)."
                )
                % {"path": settings.STATIC_ROOT}
            )
        os.environ.setdefault("GRIDCARE_ACCESS_LOG", "1")
        os.environ.setdefault("GRIDCARE_MANIFEST_STATIC", "1")
        arguments = gunicorn_arguments(bind=bind)
        self.stderr.write(
            _("gridcare: máy chủ web trên %(bind)s") % {"bind": arguments[arguments.index("--bind") + 1]}
        )
        os.execv(arguments[0], arguments)  # noqa: S606 - our own interpreter, arguments built above
