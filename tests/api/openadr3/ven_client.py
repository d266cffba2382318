"""A VEN written with the published `openadr3-client` package (ElaadNL), run under Python 3.12 in its own venv.

Usage: python ven_client.py BASE_URL CLIENT_ID CLIENT_SECRET CALLBACK_URL OPT_OUT_EVENT_ID OPT_IN_EVENT_ID
Prints one JSON line with what it saw and did. It imports nothing of gridcare.
"""

import datetime as dt
import json
import os
import sys

os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test server speaks plain HTTP on 127.0.0.1

from openadr3_client._models.common.interval import Interval  # noqa: E402
from openadr3_client.oadr301.models.report.report import NewReport, ReportResource  # noqa: E402
from openadr3_client.oadr301.models.report.report_payload import ReportPayload  # noqa: E402
from openadr3_client.oadr301.models.subscriptions.subscription import NewSubscription, ObjectOperation  # noqa: E402
from openadr3_client.ven.http_factory import VirtualEndNodeHttpClientFactory  # noqa: E402
from openadr3_client.version import OADRVersion  # noqa: E402


def main(base_url, client_id, client_secret, callback_url, opt_out_event, opt_in_event):
    client = VirtualEndNodeHttpClientFactory.create_http_ven_client(
        vtn_base_url=base_url,
        client_id=client_id,
        client_secret=client_secret,
        token_url=f"{base_url}/auth/token",
        scopes=["read_all", "write_reports", "write_subscriptions"],
        version=OADRVersion.OADR_301,
    )
    vens = client.vens.get_vens(ven_name=None, target=None, pagination=None)
    programs = client.programs.get_programs(target=None, pagination=None)
    events = client.events.get_events(target=None, pagination=None, program_id=None)
    by_id = {e.id: e for e in events}
    subscription = client.subscriptions.create_subscription(
        NewSubscription(
            client_name=vens[0].ven_name,
            program_id=programs[0].id,
            object_operations=(
                ObjectOperation(
                    objects=("EVENT",),
                    operations=("POST", "PUT"),
                    callback_url=callback_url,
                    bearer_token="ven-callback-secret",
                ),
            ),
        )
    )
    answers = []
    for event_id, status in ((opt_out_event, "OPT_OUT"), (opt_in_event, "OPT_IN")):
        event = by_id[event_id]
        start = event.interval_period.start
        report = client.reports.create_report(
            NewReport(
                program_id=event.program_id,
                event_id=event.id,
                client_name=vens[0].ven_name,
                report_name=f"answer-{event.id}",
                resources=(
                    ReportResource(
                        resource_name="FACTORY_MAIN",
                        intervals=(
                            Interval(
                                id=0,
                                payloads=(ReportPayload(type="OPT_STATUS", values=(status,)),),
                                interval_period=None,
                            ),
                        ),
                    ),
                ),
            )
        )
        answers.append({"event": event.id, "status": status, "report": report.id, "start": start.isoformat()})
    reports = client.reports.get_reports(pagination=None, program_id=None, event_id=None, client_name=None)
    print(
        json.dumps(
            {
                "vens": [v.ven_name for v in vens],
                "programs": [p.program_name for p in programs],
                "events": sorted(e.id for e in events),
                "event_payloads": {
                    e.id: [[p.type, list(p.values)] for i in e.intervals for p in i.payloads] for e in events
                },
                "event_durations": {e.id: e.interval_period.duration.total_seconds() for e in events},
                "subscription": subscription.id,
                "answers": answers,
                "reports": sorted(r.id for r in reports),
                "now": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:7])
