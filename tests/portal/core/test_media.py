"""The media storages from the environment (``portal/core/media.py``, the media block of
``portal/settings.py``): local disk with nothing set, a bucket with ``MEDIA_STORAGE=s3``, and a
clear refusal of what cannot work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage, storages

from portal.core.media import (
    PUBLIC_MEDIA,
    S3Media,
    media_storages,
    public_media_origin,
    public_media_storage,
)

ROOT = Path(__file__).resolve().parents[3]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({'storages': {k: v for k, v in s.STORAGES.items() if k != 'staticfiles'},"
    " 'img': [str(x) for x in s.SECURE_CSP['img-src']], 'serve': s.MEDIA_SERVE}))"
)


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a process of their own with ``env`` set (and no AWS_* from here)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_nothing_set_media_are_on_local_disk_and_served_by_the_portal():
    assert settings.MEDIA_STORAGE == "local"
    assert settings.MEDIA_SERVE is True
    assert type(storages["default"]) is FileSystemStorage
    assert storages["default"].location == str(settings.MEDIA_ROOT)
    assert storages[PUBLIC_MEDIA].location == str(Path(settings.MEDIA_ROOT) / "public")
    assert storages[PUBLIC_MEDIA].base_url == "/media/"


def test_local_storages_follow_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert default_storage.location == str(tmp_path)
    assert public_media_storage.location == str(tmp_path / "public")


def test_renditions_go_to_the_public_storage_and_documents_to_the_private_one(settings, tmp_path):
    from wagtail.documents.models import Document
    from wagtail.images.models import Image, Rendition

    settings.MEDIA_ROOT = tmp_path
    assert Rendition._meta.get_field("file").storage.location == str(tmp_path / "public")
    for model in (Image, Document):
        assert model._meta.get_field("file").storage.location == str(tmp_path)


def test_s3_settings_from_the_environment():
    result = _settings_with(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="routewijzer-media",
        AWS_S3_ENDPOINT_URL="https://minio.example.nl",
        AWS_S3_REGION_NAME="nl-ams",
        AWS_S3_ADDRESSING_STYLE="path",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    private = shown["storages"]["default"]
    public = shown["storages"][PUBLIC_MEDIA]
    assert private["BACKEND"] == public["BACKEND"] == "storages.backends.s3.S3Storage"
    for key, value in {
        "bucket_name": "routewijzer-media",
        "location": "private",
        "querystring_auth": True,
        "default_acl": None,
        "file_overwrite": False,
        "endpoint_url": "https://minio.example.nl",
        "region_name": "nl-ams",
        "addressing_style": "path",
    }.items():
        assert private["OPTIONS"][key] == value, key
    for key, value in {
        "bucket_name": "routewijzer-media",
        "location": "public",
        "querystring_auth": False,
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=3600"},
    }.items():
        assert public["OPTIONS"][key] == value, key
    # Credentials stay out of the settings: boto3 reads them from the environment.
    assert "access_key" not in private["OPTIONS"]
    assert "secret_key" not in private["OPTIONS"]
    # Pages may show images from the bucket, and from nowhere else new.
    assert shown["img"][-1] == "https://minio.example.nl"
    assert shown["serve"] is False


def test_a_private_bucket_of_its_own_and_a_cdn_for_public_files():
    config = media_storages(
        media="s3",
        s3=S3Media(
            bucket="public-bucket",
            private_bucket="private-bucket",
            custom_domain="media.routewijzer.nl",
        ),
    )
    assert config["default"]["OPTIONS"]["bucket_name"] == "private-bucket"
    assert config["default"]["OPTIONS"].get("custom_domain") is None
    assert config[PUBLIC_MEDIA]["OPTIONS"]["bucket_name"] == "public-bucket"
    assert public_media_origin(config) == "https://media.routewijzer.nl"


def test_the_public_origin_of_an_aws_bucket():
    config = media_storages(media="s3", s3=S3Media(bucket="rw-media", region="eu-central-1"))
    assert public_media_origin(config) == "https://rw-media.s3.amazonaws.com"
    assert public_media_origin(media_storages(media="local")) is None


def test_an_unknown_media_storage_is_refused():
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE must be local or s3"):
        media_storages(media="ftp")
    result = _settings_with(MEDIA_STORAGE="disk")
    assert result.returncode != 0
    assert "MEDIA_STORAGE must be local or s3, not 'disk'" in result.stderr


def test_s3_without_a_bucket_is_refused():
    result = _settings_with(MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr
