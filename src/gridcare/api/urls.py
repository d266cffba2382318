from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from gridcare.api import imports

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
    path("readings/imports", imports.ReadingImportView.as_view(), name="reading-imports"),
]
