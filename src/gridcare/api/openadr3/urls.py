from django.urls import path

from gridcare.api.openadr3 import views

app_name = "openadr3"

urlpatterns = [
    path("openapi.json", views.definition, name="definition"),
    path("auth/token", views.token, name="token"),
    path("programs", views.programs, name="programs"),
    path("programs/<str:object_id>", views.program, name="program"),
    path("events", views.events, name="events"),
    path("events/<str:object_id>", views.event, name="event"),
    path("reports", views.reports, name="reports"),
    path("reports/<str:object_id>", views.report, name="report"),
    path("subscriptions", views.subscriptions, name="subscriptions"),
    path("subscriptions/<str:object_id>", views.subscription, name="subscription"),
    path("vens", views.vens, name="vens"),
    path("vens/<str:object_id>", views.ven, name="ven"),
    path("vens/<str:object_id>/resources", views.resources, name="resources"),
    path("vens/<str:object_id>/resources/<str:resource_id>", views.resource, name="resource"),
]
