from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from gridcare.api import (
    billing,
    campaigns,
    docs,
    flexibility,
    imports,
    insights,
    notifications,
    outages,
    payments,
    schedule,
    servicedesk,
    tariffs,
    views,
)
from gridcare.api.errors import not_found_view

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.docs_view, name="docs"),
    path("auth/token", views.TokenView.as_view(), name="auth-token"),
    path("me/accounts", views.MyAccountsView.as_view(), name="me-accounts"),
    path("accounts", views.AccountListView.as_view(), name="accounts"),
    path("accounts/<str:code>", views.AccountDetailView.as_view(), name="account"),
    path("accounts/<str:code>/readings", views.AccountReadingsView.as_view(), name="account-readings"),
    path("readings/imports", imports.ReadingImportView.as_view(), name="reading-imports"),
    path("tariffs", tariffs.TariffListView.as_view(), name="tariffs"),
    path("vat-rates", tariffs.VatRateListView.as_view(), name="vat-rates"),
    path("quotes", tariffs.QuoteView.as_view(), name="quotes"),
    path("accounts/<str:code>/bills", billing.AccountBillsView.as_view(), name="account-bills"),
    path("bills/<str:number>", billing.BillDetailView.as_view(), name="bill"),
    path("bills/<str:number>/pdf", billing.BillPdfView.as_view(), name="bill-pdf"),
    path("bills/<str:number>/release", billing.BillReleaseView.as_view(), name="bill-release"),
    path("bill-runs", billing.BillRunListView.as_view(), name="bill-runs"),
    path("bill-runs/<int:run_id>", billing.BillRunDetailView.as_view(), name="bill-run"),
    path("bill-runs/<int:run_id>/release", billing.BillRunReleaseView.as_view(), name="bill-run-release"),
    path(
        "accounts/<str:code>/outage-reports",
        outages.OutageReportView.as_view(),
        name="account-outage-reports",
    ),
    path(
        "accounts/<str:code>/outages/<int:outage_id>/notify-me",
        outages.NotifyWhenBackView.as_view(),
        name="account-outage-notify-me",
    ),
    path("service-request-types", servicedesk.RequestTypeListView.as_view(), name="service-request-types"),
    path("service-requests", servicedesk.ServiceRequestListView.as_view(), name="service-requests"),
    path(
        "service-requests/<str:number>",
        servicedesk.ServiceRequestDetailView.as_view(),
        name="service-request",
    ),
    path(
        "service-requests/<str:number>/moves",
        servicedesk.ServiceRequestMoveView.as_view(),
        name="service-request-move",
    ),
    path("payments/", payments.PaymentStartView.as_view(), name="payments"),
    path("payments/<str:reference>/", payments.PaymentOrderView.as_view(), name="payment"),
    path("accounts/<str:code>/balance/", payments.AccountBalanceView.as_view(), name="account-balance"),
    path("accounts/<str:code>/payments/", payments.AccountPaymentsView.as_view(), name="account-payments"),
    path("me/demand-response", flexibility.MyParticipationsView.as_view(), name="me-demand-response"),
    path(
        "me/demand-response/<int:participation_id>/answer",
        flexibility.ParticipationAnswerView.as_view(),
        name="me-demand-response-answer",
    ),
    path("advice", insights.AdviceListView.as_view(), name="advice"),
    path("advice/segment-preview", insights.SegmentPreviewView.as_view(), name="advice-segment-preview"),
    path("advice/<int:advice_id>/publish", insights.AdvicePublishView.as_view(), name="advice-publish"),
    path(
        "accounts/<str:code>/comparison", insights.AccountComparisonView.as_view(), name="account-comparison"
    ),
    path("adoption", insights.AdoptionView.as_view(), name="adoption"),
    path("notifications/receipts/sms", notifications.SmsReceiptView.as_view(), name="receipts-sms"),
    path("schedule/outages", schedule.ScheduleView.as_view(), name="schedule-outages"),
    path("schedule/places", schedule.SchedulePlacesView.as_view(), name="schedule-places"),
    path("campaigns", campaigns.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/<int:year>/activities", campaigns.ActivityListView.as_view(), name="campaign-activities"),
    path("campaigns/<int:year>/rollup", campaigns.RollupView.as_view(), name="campaign-rollup"),
    path(
        "campaign-activities/<int:activity_id>/moves",
        campaigns.ActivityMoveView.as_view(),
        name="campaign-activity-move",
    ),
    path(
        "campaign-activities/<int:activity_id>/records",
        campaigns.ActivityRecordView.as_view(),
        name="campaign-activity-records",
    ),
    path(
        "campaign-records/<int:record_id>/photos",
        campaigns.RecordPhotoView.as_view(),
        name="campaign-record-photos",
    ),
    path("notifications/receipts/zalo", notifications.ZaloReceiptView.as_view(), name="receipts-zalo"),
]

# Keep last: any other address under /api/v1/ answers a JSON 404, like every API error.
urlpatterns += [re_path(r"^.*$", not_found_view, name="not-found")]
