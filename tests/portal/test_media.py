"""Uploaded files on local disk and in an S3-compatible bucket (``portal/core/media.py``,
``portal/media.py``): content images are shown from a public address, documents are private
files that go out only through Wagtail's ``/documents/`` view after its privacy check, uploads
keep their limits, and deleting behaves as it did on local disk.

The bucket is a real S3-compatible server on loopback (``tests/portal/s3.py``); every request
goes through the portal's real URLs with the test client, every look into the bucket is a boto3
call of its own. Tests that hold for both storages run on both (``media``)."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from wagtail.documents.models import Document
from wagtail.images.models import Image, Rendition
from wagtail.models import Collection

from cms.models import ContentPage
from contracts.models import ContractDocument
from portal.accounts.models import Role
from portal.accounts.roles import CONTRACT_DOCUMENTS_COLLECTION, role_groups_sync
from portal.core.media import media_storages
from tests.contracts.factories import ContractFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.portal.s3 import Bucket, anonymous_get
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% Getekend contract RIJZK-2026-001\n" + b"0" * 4000 + b"\n%%EOF\n"


def png(width: int = 4, height: int = 3, *, rows: bytes | None = None) -> bytes:
    """A PNG of ``width`` x ``height`` (RGB). With ``rows`` the picture data is ``rows`` instead
    of what the header's size needs: a file that lies about its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    if rows is None:
        rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- The two storages --------------------------------------------------------------------------


@dataclass
class Media:
    """What a test needs to know about where the files went, for either storage."""

    kind: str
    private_names: Callable[[], list[str]]
    public_names: Callable[[], list[str]]
    read_private: Callable[[str], bytes]
    # GET a public file's address as an anonymous browser would: (status, body).
    get_public: Callable[[str], tuple[int, bytes]]
    # The address a private file would have if private files had one.
    bare_private_url: Callable[[str], str]
    bucket: Bucket | None = None


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _local_media(settings, tmp_path: Path) -> Media:
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, **media_storages(media="local")}
    public_root = tmp_path / "public"

    def get_public(url: str) -> tuple[int, bytes]:
        response = Client().get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    return Media(
        kind="local",
        private_names=lambda: [n for n in _files(tmp_path) if not n.startswith("public/")],
        public_names=lambda: _files(public_root) if public_root.exists() else [],
        read_private=lambda name: (tmp_path / name).read_bytes(),
        get_public=get_public,
        bare_private_url=lambda name: f"/media/{name}",
    )


def _s3_media(bucket: Bucket) -> Media:
    return Media(
        kind="s3",
        private_names=lambda: [k.removeprefix("private/") for k in bucket.keys("private/")],
        public_names=lambda: [k.removeprefix("public/") for k in bucket.keys("public/")],
        read_private=lambda name: bucket.read(f"private/{name}"),
        get_public=anonymous_get,
        bare_private_url=lambda name: bucket.object_url(f"private/{name}"),
        bucket=bucket,
    )


@pytest.fixture(params=["local", "s3"])
def media(request, settings, tmp_path) -> Media:
    if request.param == "local":
        return _local_media(settings, tmp_path)
    return _s3_media(request.getfixturevalue("s3_bucket"))


@pytest.fixture
def s3_media(s3_bucket) -> Media:
    return _s3_media(s3_bucket)


def _get(client: Client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


# --- People and uploads through the admin ------------------------------------------------------


@pytest.fixture
def contract_documents() -> Collection:
    role_groups_sync()
    return Collection.objects.get(name=CONTRACT_DOCUMENTS_COLLECTION)


def _staff_client(user) -> Client:
    return login_staff_in_english(Client(), user)


@pytest.fixture
def manager_client(contract_documents) -> Client:
    return _staff_client(UserFactory(role=Role.CONTRACT_MANAGER))


@pytest.fixture
def editor_client(contract_documents) -> Client:
    return _staff_client(UserFactory(role=Role.SITE_EDITOR))


def _upload(client: Client, url: str, *, name: str, content: bytes, collection: Collection):
    response = client.post(
        url,
        {"files[]": SimpleUploadedFile(name, content), "collection": str(collection.pk)},
    )
    assert response.status_code == 200, response.content
    return response.json()


def upload_document(client: Client, *, collection: Collection, name="contract.pdf", content=PDF):
    return _upload(
        client, "/admin/documents/multiple/add/", name=name, content=content, collection=collection
    )


def upload_image(client: Client, *, name="haarlem.png", content: bytes | None = None):
    return _upload(
        client,
        "/admin/images/multiple/add/",
        name=name,
        content=png() if content is None else content,
        collection=Collection.get_first_root_node(),
    )


# --- Content images ----------------------------------------------------------------------------


def test_a_content_image_is_shown_from_its_public_address_and_its_original_stays_private(
    media, editor_client, site_pages
):
    answer = upload_image(editor_client)
    assert answer["success"], answer
    image = Image.objects.get(pk=answer["image_id"])
    assert media.private_names() == [image.file.name]
    assert image.file.name.startswith("original_images/haarlem")
    assert media.read_private(image.file.name) == png()
    assert media.public_names() == []

    block = {"image": image, "alt_text": "Station Haarlem", "decorative": False}
    page = ContentPage(title="Welkom", slug="welkom", body=[("image", block)])
    site_pages["home"].add_child(instance=page)
    page.save_revision().publish()
    html = Client().get("/welkom/").content.decode()
    src = re.search(r'<img[^>]*\ssrc="([^"]+)"', html).group(1)

    rendition = Rendition.objects.get(image=image)
    assert media.public_names() == [rendition.file.name]
    if media.bucket:  # straight from the bucket, not through the portal
        assert src == f"{media.bucket.endpoint}/{media.bucket.name}/public/{rendition.file.name}"
    else:
        assert src == f"/media/{rendition.file.name}"
    status, body = media.get_public(src)
    assert status == 200
    assert body.startswith(b"\x89PNG")
    # The original as uploaded has no public address.
    status, body = media.get_public(media.bare_private_url(image.file.name))
    assert status in (403, 404)
    assert body != png()


def test_public_images_come_from_the_bucket_with_a_cache_lifetime(s3_media, editor_client):
    image = Image.objects.get(pk=upload_image(editor_client)["image_id"])
    rendition = image.get_rendition("width-2")
    assert rendition.url.startswith(f"{s3_media.bucket.endpoint}/{s3_media.bucket.name}/public/")
    head = s3_media.bucket.client.head_object(
        Bucket=s3_media.bucket.name, Key=f"public/{rendition.file.name}"
    )
    assert head["CacheControl"] == "public, max-age=3600"


def test_two_images_of_the_same_name_keep_their_own_files(media, editor_client):
    first = Image.objects.get(pk=upload_image(editor_client, content=png(4, 3))["image_id"])
    second = Image.objects.get(pk=upload_image(editor_client, content=png(5, 5))["image_id"])
    assert first.file.name != second.file.name
    assert media.read_private(first.file.name) == png(4, 3)
    assert media.read_private(second.file.name) == png(5, 5)


def test_local_public_media_are_served_without_debug_and_private_files_are_not(
    settings, tmp_path, editor_client
):
    media = _local_media(settings, tmp_path)
    assert settings.DEBUG is False
    image = Image.objects.get(pk=upload_image(editor_client)["image_id"])
    rendition = image.get_rendition("width-2")
    response = Client().get(rendition.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # Private files sit beside the public folder; no address under /media/ reaches them.
    assert media.private_names() == [image.file.name]
    for url in (
        f"/media/{image.file.name}",
        f"/media/../{image.file.name}",
        f"/media/%2e%2e/{image.file.name}",
        "/media/",
    ):
        assert Client().get(url).status_code == 404, url
    assert Client().post(rendition.url).status_code == 405


# --- Documents: stored privately, downloaded only through the privacy check --------------------


def test_a_contract_document_is_stored_in_the_private_part_of_the_bucket(
    s3_media, manager_client, contract_documents
):
    answer = upload_document(manager_client, collection=contract_documents)
    assert answer["success"], answer
    document = Document.objects.get(pk=answer["doc_id"])
    assert document.collection == contract_documents
    assert s3_media.bucket.keys() == [f"private/{document.file.name}"]
    assert s3_media.bucket.read(f"private/{document.file.name}") == PDF
    # Its plain address in the bucket is refused: no signature, and the bucket is not public.
    status, body = anonymous_get(s3_media.bucket.object_url(f"private/{document.file.name}"))
    assert status == 403
    assert PDF not in body


def _anonymous() -> Client:
    return Client()


def _learner() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.LEARNER))
    return client


def _provider_administrator() -> Client:
    return _staff_client(provider_staff(ProviderFactory(), admin=True))


def _klantmanager() -> Client:
    return _staff_client(UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory()))


def _site_editor() -> Client:
    return _staff_client(UserFactory(role=Role.SITE_EDITOR))


def _auditor() -> Client:
    return _staff_client(UserFactory(role=Role.AUDITOR))


def _contract_manager() -> Client:
    return _staff_client(UserFactory(role=Role.CONTRACT_MANAGER))


def _superuser() -> Client:
    return _staff_client(UserFactory(is_superuser=True))


READERS = {
    "anonymous": (_anonymous, False),
    "learner": (_learner, False),
    "provider administrator": (_provider_administrator, False),
    "klantmanager": (_klantmanager, False),
    "site editor": (_site_editor, False),
    "auditor": (_auditor, False),
    "contract manager": (_contract_manager, True),
    "superuser": (_superuser, True),
}


@pytest.mark.parametrize("reader", READERS)
def test_a_contract_document_is_downloaded_by_contract_managers_and_superusers_only(
    reader, media, manager_client, contract_documents
):
    """As before the bucket: the "Contract documents" collection is restricted to the contract
    managers' group, which Wagtail's document view checks (superusers pass every restriction)."""
    answer = upload_document(manager_client, collection=contract_documents)
    document = Document.objects.get(pk=answer["doc_id"])
    ContractDocument.objects.create(contract=ContractFactory(), document=document)
    assert document.url == f"/documents/{document.pk}/contract.pdf"
    make_client, allowed = READERS[reader]
    response = make_client().get(document.url)
    if allowed:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")  # Wagtail's, for a PDF
        assert response["Content-Security-Policy"] == "default-src 'none'"
    else:
        # Sent to log in (someone signed in goes on from there to their own start page).
        assert response.status_code == 302
        assert response["Location"].startswith("/_util/login/?next=/documents/")
    # Nobody is sent to the file's own address: the portal's view is the only door.
    assert "/private/" not in response.get("Location", "")
    status, _ = media.get_public(media.bare_private_url(document.file.name))
    assert status in (403, 404)


def test_a_document_in_an_open_collection_is_downloaded_by_anybody_through_the_portal(
    media, editor_client
):
    """Documents outside a restricted collection stay as open as before; their file is private
    all the same, so moving one into a restricted collection closes it at once."""
    answer = upload_document(
        editor_client, collection=Collection.get_first_root_node(), name="folder.pdf"
    )
    document = Document.objects.get(pk=answer["doc_id"])
    assert _get(Client(), document.url) == (200, PDF)
    status, _ = media.get_public(media.bare_private_url(document.file.name))
    assert status in (403, 404)

    document.collection = Collection.objects.get(name=CONTRACT_DOCUMENTS_COLLECTION)
    document.save()
    assert Client().get(document.url).status_code == 302


def test_a_document_address_with_another_file_name_is_not_found(media, editor_client):
    answer = upload_document(editor_client, collection=Collection.get_first_root_node())
    document = Document.objects.get(pk=answer["doc_id"])
    assert Client().get(f"/documents/{document.pk}/other.pdf").status_code == 404


# --- Upload limits -----------------------------------------------------------------------------


def test_a_document_larger_than_allowed_is_refused_and_nothing_is_stored(
    media, manager_client, contract_documents, settings
):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    # Posted straight to the upload address, as a client that skips the page's own size check.
    answer = upload_document(manager_client, collection=contract_documents)
    assert answer == {
        "success": False,
        "error_message": "This file is too big (4.0\xa0KB). Maximum filesize 1.0\xa0KB.",
    }
    assert not Document.objects.exists()
    assert media.private_names() == []


def test_the_document_limit_has_a_default(settings):
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == 20 * 1024 * 1024


def test_an_image_larger_than_allowed_is_refused_and_nothing_is_stored(
    media, editor_client, settings
):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    too_big = png(40, 40)
    answer = upload_image(editor_client, content=too_big)
    assert answer == {
        "success": False,
        "error_message": (
            f"This file is too big ({len(too_big)}\xa0bytes). Maximum filesize 100\xa0bytes."
        ),
    }
    assert not Image.objects.exists()
    assert media.private_names() == []


def test_an_image_that_lies_about_its_size_is_refused_and_nothing_is_stored(
    media, editor_client, settings
):
    """A file of a few hundred bytes whose header says it is 20,000 x 20,000 pixels (a
    decompression bomb): refused by the pixels it would unpack to, not by its bytes."""
    liar = png(20_000, 20_000, rows=b"\x00" * 64)
    assert len(liar) < settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    answer = upload_image(editor_client, content=liar)
    assert answer == {
        "success": False,
        "error_message": (
            "This file has too many pixels (unknown number). Maximum pixels 40000000."
        ),
    }
    assert not Image.objects.exists()
    assert media.private_names() == []
    assert media.public_names() == []


def test_an_upload_that_sends_more_than_it_claims_is_cut_at_its_claim_and_refused(
    media, manager_client, contract_documents
):
    """The request says it is smaller than it is: the portal reads no more than the claimed
    bytes, so the file arrives incomplete, and nothing is stored."""
    body = encode_multipart(
        BOUNDARY,
        {
            "files[]": SimpleUploadedFile("contract.pdf", PDF * 100),
            "collection": str(contract_documents.pk),
        },
    )
    response = manager_client.generic(
        "POST",
        "/admin/documents/multiple/add/",
        body,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body) // 2),
    )
    assert (response.status_code, response.content) == (400, b"Must upload a file")
    assert not Document.objects.exists()
    assert media.private_names() == []


# --- Deleting ----------------------------------------------------------------------------------


def test_deleting_a_document_deletes_its_file(
    media, manager_client, contract_documents, django_capture_on_commit_callbacks
):
    document = Document.objects.get(
        pk=upload_document(manager_client, collection=contract_documents)["doc_id"]
    )
    assert media.private_names() == [document.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/admin/documents/delete/{document.pk}/")
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert media.private_names() == []


def test_a_document_a_contract_keeps_is_not_deleted_and_keeps_its_file(
    media, manager_client, contract_documents, django_capture_on_commit_callbacks
):
    document = Document.objects.get(
        pk=upload_document(manager_client, collection=contract_documents)["doc_id"]
    )
    ContractDocument.objects.create(contract=ContractFactory(), document=document)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/admin/documents/delete/{document.pk}/")
    # Refused: by Wagtail when its reference index knows the contract already, else by the
    # database (the index is kept by a background task), sent back with the reason.
    assert response.status_code == 302
    assert response["Location"] == f"/admin/documents/delete/{document.pk}/"
    assert "still used elsewhere" in manager_client.get(response["Location"]).content.decode()
    assert Document.objects.filter(pk=document.pk).exists()
    assert media.private_names() == [document.file.name]
    assert media.read_private(document.file.name) == PDF


def test_deleting_an_image_deletes_its_original_and_its_renditions(
    media, editor_client, django_capture_on_commit_callbacks
):
    image = Image.objects.get(pk=upload_image(editor_client)["image_id"])
    image.get_rendition("width-2")
    assert len(media.public_names()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/images/{image.pk}/delete/")
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()
    assert media.private_names() == []
    assert media.public_names() == []


# --- Profile pictures --------------------------------------------------------------------------


def test_a_profile_picture_is_private_and_shown_in_the_admin_from_the_portal(media, editor_client):
    from wagtail.users.models import UserProfile

    colleague = UserFactory(role=Role.CONTRACT_MANAGER)
    profile = UserProfile.get_for_user(colleague)
    profile.avatar.save("portrait.png", ContentFile(png()))
    assert media.private_names() == [profile.avatar.name]

    html = _staff_client(colleague).get("/admin/").content.decode()
    file_name = profile.avatar.name.rsplit("/", 1)[-1]
    assert file_name.startswith("avatar_") and file_name.endswith("_portrait.png")
    src = f"/admin/avatars/{colleague.pk}/{file_name}"
    assert f'src="{src}"' in html
    # Another member of staff sees it beside the colleague's name.
    assert _get(editor_client, src) == (200, png())
    for outsider in (_anonymous(), _learner()):
        status, body = _get(outsider, src)
        assert status == 302
        assert body != png()
    status, _ = media.get_public(media.bare_private_url(profile.avatar.name))
    assert status in (403, 404)
    # Counting user ids finds nobody's face: the address needs the picture's random name.
    for guess in (
        f"/admin/avatars/{colleague.pk}/portrait.png",
        f"/admin/avatars/{colleague.pk}/",
        f"/admin/avatars/{colleague.pk + 1}/{file_name}",
        "/admin/avatars/999999/avatar.png",
    ):
        assert editor_client.get(guess).status_code == 404, guess


def _photo_with_position(format: str) -> bytes:
    """A photo as a phone makes it: the camera's make and the GPS position in its EXIF block."""
    from PIL import ExifTags
    from PIL import Image as PillowImage

    exif = PillowImage.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 23.0, 0.0),
    }
    output = io.BytesIO()
    PillowImage.new("RGB", (40, 30), "red").save(output, format, exif=exif)
    return output.getvalue()


@pytest.mark.parametrize(("format", "name"), [("JPEG", "school.jpg"), ("PNG", "school.png")])
def test_a_public_rendition_has_no_camera_data_or_position_of_the_original(
    media, editor_client, format, name
):
    from PIL import ExifTags
    from PIL import Image as PillowImage

    answer = upload_image(editor_client, name=name, content=_photo_with_position(format))
    assert answer["success"], answer
    image = Image.objects.get(pk=answer["image_id"])
    original = PillowImage.open(io.BytesIO(media.read_private(image.file.name)))
    assert original.getexif().get_ifd(ExifTags.Base.GPSInfo)  # the original keeps its data

    rendition = image.get_rendition("width-20")
    status, body = media.get_public(rendition.url)
    assert status == 200
    public = PillowImage.open(io.BytesIO(body))
    assert public.format == format
    assert public.size == (20, 15)
    assert "exif" not in public.info
    assert dict(public.getexif()) == {}
