"""`gridcare enrolment-link USERNAME`: a one-time link for a staff member's first two-factor device.

The first administrator of a new installation has nobody to issue them a link in the back office; this
command (run by whoever runs the server) does. The link is printed once; only its hash is stored.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from gridcare.core import credentials


class Command(BaseCommand):
    help = "Print a one-time, expiring link with which a staff member enrols their first authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--base-url", default="", help="e.g. https://cskh.example.vn (default: the path only)"
        )

    def handle(self, *args, username, base_url, **options):
        user = get_user_model().objects.filter(username=username, is_active=True, is_staff=True).first()
        if user is None:
            raise CommandError(f"no active staff user {username!r}")
        link, secret = credentials.enrolment_link_issue(user=user, issued_by=None, now=timezone.now())
        path = reverse("admin:two_factor_enrol_link", args=[secret])
        self.stdout.write(f"{base_url.rstrip('/')}{path}")
        self.stderr.write(f"single use, expires {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M %Z}")
