import gzip
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_manifest_names_the_app_and_its_icons_exist(client):
    response = client.get(reverse("portal:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["short_name"] == "Điện lực CSKH" and "gridcare" in data["name"]
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_service_worker_is_served_from_the_root_and_caches_the_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.text
    for url in (reverse("portal:offline"), "/static/portal/portal.css", "/static/portal/app.js"):
        assert f'"{url}"' in body
    assert 'ACCOUNT_PREFIX = "/accounts/"' in body
    assert client.get(reverse("portal:offline")).status_code == 200


def test_pages_link_the_manifest_and_register_the_worker_without_third_parties(client):
    page = client.get(reverse("portal:login")).text
    assert 'rel="manifest"' in page and 'data-sw="/sw.js"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "no third-party requests"


def test_first_visit_weighs_under_150_kb_compressed(client):
    page = client.get(reverse("portal:login"))
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page.text)
    total = len(gzip.compress(page.content))
    for asset in set(assets):
        with open(finders.find(asset), "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert assets
    assert total < 150 * 1024


def test_pages_work_with_hashed_static_files_as_in_production(client, settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    for url in (reverse("portal:login"), "/sw.js", reverse("portal:manifest"), reverse("portal:offline")):
        assert client.get(url).status_code == 200, url
    assert re.search(r'"/static/portal/portal\.[0-9a-f]{12}\.css"', client.get("/sw.js").text)
