from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from gridcare.api import docs, imports, views
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
]

# Keep last: any other address under /api/v1/ answers a JSON 404, like every API error.
urlpatterns += [re_path(r"^.*$", not_found_view, name="not-found")]
