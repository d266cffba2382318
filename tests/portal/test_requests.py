"""Portal pages of service requests: a customer opens, follows and cancels their own; another customer gets a 404."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gridcare.servicedesk import services
from gridcare.servicedesk.models import RequestState, ServiceRequest
from tests import factories
from tests.backoffice.builders import customer_user
from tests.servicedesk.builders import NOW, open_request


def _signed_in(client, world, **kwargs):
    account = factories.account(world, **kwargs)
    client.force_login(customer_user(account))
    return account


def test_a_customer_opens_a_request_with_a_photo_and_follows_it(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = _signed_in(client, world)
    choose = client.get("/requests/new/")
    assert choose.status_code == 200 and "Cấp điện mới hạ áp" in choose.content.decode()
    form = client.get("/requests/new/?type=meter-check")
    assert 'capture="environment"' in form.content.decode()
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (0, 90, 200)).save(photo, format="PNG")
    response = client.post("/requests/new/", {
        "type": "meter-check", "account": account.code, "description": "Công tơ quay nhanh", "field_contact_phone": "0912345678",
        "photos": [SimpleUploadedFile("cong-to.png", photo.getvalue(), content_type="image/png")],
    })  # fmt: skip
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.number}/"
    assert request.attachments.count() == 1 and request.fields == {"contact_phone": "0912345678"}
    page = client.get(f"/requests/{request.number}/").content.decode()
    assert request.number in page and "Mới tiếp nhận" in page
    assert request.number in client.get("/requests/").content.decode()


def test_a_wrong_file_type_is_refused_with_a_sentence_and_the_form_kept(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = _signed_in(client, world)
    response = client.post("/requests/new/", {
        "type": "meter-check", "account": account.code, "description": "Giữ lại nội dung này", "field_contact_phone": "0912345678",
        "photos": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")],
    })  # fmt: skip
    text = response.content.decode()
    assert response.status_code == 400 and "virus.exe" in text and "không phải ảnh" in text
    assert "Giữ lại nội dung này" in text
    assert not ServiceRequest.objects.exists()


def test_an_oversized_photo_is_refused_clearly(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES = 1_048_576
    account = _signed_in(client, world)
    big = SimpleUploadedFile("lon.jpg", b"\xff\xd8" + b"0" * 1_100_000, content_type="image/jpeg")
    response = client.post("/requests/new/", {"type": "other", "account": account.code, "photos": [big]})
    assert response.status_code == 400 and "quá giới hạn 1 MB" in response.content.decode()


def test_the_same_open_request_twice_says_which_one_is_open(client, world):
    account = _signed_in(client, world)
    first = open_request(account)
    response = client.post("/requests/new/", {"type": "other", "account": account.code})
    assert response.status_code == 400 and first.number in response.content.decode()


def test_another_customer_gets_a_404(client, world):
    theirs = open_request(factories.account(world, name="Người khác"))
    _signed_in(client, world)
    assert client.get(f"/requests/{theirs.number}/").status_code == 404
    assert client.post(f"/requests/{theirs.number}/cancel/").status_code == 404
    assert theirs.number not in client.get("/requests/").content.decode()
    theirs.refresh_from_db()
    assert theirs.state == RequestState.NEW


def test_a_customer_cancels_their_own_open_request(client, world):
    account = _signed_in(client, world)
    request = open_request(account)
    client.post(f"/requests/{request.number}/cancel/")
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED


def test_the_survey_link_takes_one_answer(client, world):
    from tests.backoffice.builders import staff

    request = open_request(factories.account(world))
    services.request_close(
        request=request, by=staff(unit=world["teams"][0], role="operator"), now=NOW, resolution="xong"
    )
    token = services.survey_token(survey=request.survey)
    assert client.get(f"/requests/survey/{token}/").status_code == 200
    assert client.post(f"/requests/survey/{token}/", {"score": "9"}).status_code == 400
    client.post(f"/requests/survey/{token}/", {"score": "5", "comment": "Rất nhanh"})
    request.survey.refresh_from_db()
    assert (request.survey.score, request.survey.comment) == (5, "Rất nhanh")
    assert client.get(f"/requests/survey/{token}x/").status_code == 404
