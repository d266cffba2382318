"""Routes of the customer portal (mounted at the site root)."""

from django.urls import path

from gridcare.portal import (
    bills,
    calculator,
    flexibility,
    notifications,
    otp,
    outages,
    payments,
    requests,
    schedule,
    usage,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.signin_view, name="login"),
    path("logout/", views.signout_view, name="logout"),
    path("login/otp/", otp.otp_request, name="otp_request"),
    path("login/otp/verify/", otp.otp_verify, name="otp_verify"),
    path("accounts/<str:code>/", views.account_detail, name="account"),
    path("accounts/<str:code>/bills/<str:number>/", bills.bill_detail, name="bill"),
    path("accounts/<str:code>/usage/", usage.usage_page, name="usage"),
    path("accounts/<str:code>/calculator/", calculator.calculator, name="calculator"),
    path("accounts/<str:code>/bills/<str:number>/pdf/", bills.bill_download, name="bill_pdf"),
    path("accounts/<str:code>/notifications/", notifications.notifications_page, name="notifications"),
    path("accounts/<str:code>/notifications/preferences/", notifications.preferences_save, name="notify_preferences"),
    path("accounts/<str:code>/notifications/alert/", notifications.alert_save, name="notify_alert"),
    path("accounts/<str:code>/notifications/read/", notifications.inbox_read, name="notify_read"),
    path("accounts/<str:code>/notifications/push/", notifications.push_subscribe, name="notify_push"),
    path("accounts/<str:code>/outages/", outages.outages_page, name="outages"),
    path("accounts/<str:code>/outages/report/", outages.report_no_power, name="outage_report"),
    path("accounts/<str:code>/outages/<int:outage_id>/notify-me/", outages.notify_when_back, name="outage_notify_me"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request_new"),
    path("requests/survey/<str:token>/", requests.request_survey, name="request_survey"),
    path("requests/<str:number>/", requests.request_detail, name="request"),
    path("requests/<str:number>/cancel/", requests.request_cancel, name="request_cancel"),
    path("accounts/<str:code>/pay/", payments.pay, name="pay"),
    path("accounts/<str:code>/receipts/", payments.receipts, name="receipts"),
    path("accounts/<str:code>/receipts/<str:number>/", payments.receipt, name="receipt"),
    path("payments/<str:reference>/", payments.payment_return, name="payment-return"),
    path("accounts/<str:code>/demand-response/", flexibility.events_page, name="dr_events"),
    path("accounts/<str:code>/demand-response/<int:participant_id>/", flexibility.event_detail, name="dr_event"),
    path("accounts/<str:code>/demand-response/<int:participant_id>/answer/", flexibility.event_answer, name="dr_answer"),
    *schedule.urlpatterns,
    path("text-size/", views.text_size, name="text_size"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]
