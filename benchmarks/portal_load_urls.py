"""URLs of the load benchmark's server: gridcare's own, plus a view that does nothing (the harness's ceiling)."""

from django.http import HttpResponse
from django.urls import include, path


def noop(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/noop", noop), path("", include("gridcare.urls"))]
