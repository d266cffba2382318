"""`gridcare payments-sandbox --port 8010 --site http://127.0.0.1:8000`: the demo's local VNPAY and ZaloPay."""

import contextlib

from django.core.management.base import BaseCommand

from gridcare.payments.sandbox import SandboxGateways


class Command(BaseCommand):
    help = "Run the local sandbox payment gateways (VNPAY 2.1.0 and ZaloPay v2) for the demo; never in production."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000", help="Where this site listens (IPN, callbacks)."
        )

    def handle(self, *args, port, site, **options):
        sandbox = SandboxGateways.from_settings(site=site, port=port)
        self.stdout.write(f"Sandbox gateways on {sandbox.base} (VNPAY IPN → {sandbox.ipn_url})", ending="\n")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            sandbox.serve_forever()
