"""Where uploaded files live, and which of them anybody may read by their address.

Two storages (Django's ``STORAGES``), on local disk or in an S3-compatible bucket:

``default``, **private**
    Everything Wagtail stores through Django's default storage: documents (the contract
    documents among them), the original images as they were uploaded, staff profile pictures
    and unfinished uploads. No file here
    has an address that works on its own: a document goes out only through Wagtail's
    ``/documents/<id>/<file name>``, which checks the privacy of the document's collection on every
    download and then streams the file from the storage (``WAGTAILDOCS_SERVE_METHOD``).
``public_media`` (``PUBLIC_MEDIA``), **public**
    The image renditions that pages show: anybody may read them, from the bucket's (or a CDN's)
    address, or from ``MEDIA_URL`` through the portal when they are on local disk.

Why the originals are private too: Wagtail keeps documents and original images in the same
(default) storage, and only the renditions' storage can be chosen. Documents must be private, so
that storage is; the pages never link to an original anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty

PUBLIC_MEDIA = "public_media"
S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
LOCAL_PUBLIC_BACKEND = "portal.core.media.LocalPublicStorage"
# Local disk: the public files in this folder of MEDIA_ROOT, the private ones beside it. A web
# server may serve this folder (and only this one) at MEDIA_URL.
LOCAL_PUBLIC_FOLDER = "public"
# How long browsers and CDNs may keep a public file. A rendition keeps its name when an editor
# replaces its image's file with one of the same name, so the old picture may show this long.
PUBLIC_CACHE_SECONDS = 60 * 60
# A private file read from the bucket is held in memory up to this size, beyond it in a
# temporary file, so a large document costs a streaming download no more memory than this.
PRIVATE_READ_MEMORY_BYTES = 2 * 1024 * 1024
# If anything asks for a private file's own address (Wagtail asks for one but does not use it
# for documents), the signed address works for this many seconds.
PRIVATE_URL_SECONDS = 60


@dataclass(frozen=True)
class S3Media:
    """Where the bucket is (environment variables in the README, "Media files")."""

    bucket: str
    private_bucket: str = ""  # default: the same bucket, under ``private_prefix``
    endpoint_url: str = ""  # MinIO, Ceph, Garage, ...; empty for AWS
    region: str = ""
    custom_domain: str = ""  # a CDN in front of the public files
    addressing_style: str = ""  # "path" for most servers that are not AWS
    public_prefix: str = "public"
    private_prefix: str = "private"
    public_acl: str = ""  # "public-read" where the server grants reading by ACL, not policy


def media_storages(*, media: str, s3: S3Media | None = None) -> dict[str, dict]:
    """The ``default`` (private) and ``PUBLIC_MEDIA`` entries of ``STORAGES``.

    ``media`` is ``local`` (files under ``MEDIA_ROOT``, the public ones in its ``public/``) or
    ``s3``. Credentials are not passed: boto3 reads ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` (or the machine's role) itself.
    """
    if media == "local":
        return {
            "default": {"BACKEND": LOCAL_BACKEND},
            PUBLIC_MEDIA: {"BACKEND": LOCAL_PUBLIC_BACKEND},
        }
    if media != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {media!r}")
    if s3 is None or not s3.bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    connection: dict[str, Any] = {
        "endpoint_url": s3.endpoint_url or None,
        "region_name": s3.region or None,
        "addressing_style": s3.addressing_style or None,
        # Two uploads of "photo.jpg" must not overwrite each other (Wagtail's names are not
        # unique); the storage adds a suffix instead, as on local disk.
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **connection,
                "bucket_name": s3.private_bucket or s3.bucket,
                "location": s3.private_prefix,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": PRIVATE_URL_SECONDS,
                "max_memory_size": PRIVATE_READ_MEMORY_BYTES,
            },
        },
        PUBLIC_MEDIA: {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **connection,
                "bucket_name": s3.bucket,
                "location": s3.public_prefix,
                "default_acl": s3.public_acl or None,
                "querystring_auth": False,
                "custom_domain": s3.custom_domain or None,
                "object_parameters": {"CacheControl": f"public, max-age={PUBLIC_CACHE_SECONDS}"},
            },
        },
    }


def public_media_origin(storages_config: dict[str, dict]) -> str | None:
    """The origin (scheme and host) public files are read from when it is not the site's own:
    what the CSP's ``img-src`` must allow. Asks the storage for an address (no request is made),
    so the bucket's own address rules (path or host style, region) decide."""
    config = storages_config[PUBLIC_MEDIA]
    if config["BACKEND"] != S3_BACKEND:
        return None
    from storages.backends.s3 import S3Storage

    parts = urlsplit(S3Storage(**config["OPTIONS"]).url("origin"))
    return f"{parts.scheme}://{parts.netloc}"


class LocalPublicStorage(FileSystemStorage):
    """The public files on local disk: ``MEDIA_ROOT/public/``, at ``MEDIA_URL``. Like Django's
    own, it follows ``MEDIA_ROOT`` when that changes (tests)."""

    @cached_property
    def base_location(self) -> str:
        return self._value_or_setting(
            self._location, os.path.join(settings.MEDIA_ROOT, LOCAL_PUBLIC_FOLDER)
        )


class _PublicMediaStorage(LazyObject):
    """``storages[PUBLIC_MEDIA]``, looked up when first used and again after ``STORAGES``
    changes (tests), like Django's ``default_storage``."""

    def _setup(self) -> None:
        self._wrapped = storages[PUBLIC_MEDIA]


public_media_storage = _PublicMediaStorage()


def rendition_storage() -> Storage:
    """``WAGTAILIMAGES_RENDITION_STORAGE``: image renditions go to the public storage."""
    return public_media_storage  # type: ignore[return-value]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **_kwargs: object) -> None:
    if setting == "STORAGES":
        public_media_storage._wrapped = empty


def renditions_without_metadata() -> None:
    """Make image renditions without the original's EXIF data.

    Renditions are public (``public_media``), and Willow copies the original's EXIF block into
    every JPEG and PNG rendition it writes: the camera, the moment and, from a phone, the GPS
    position where the photo was taken (perhaps a teacher's home). Wagtail turns the picture
    upright from the EXIF orientation before it saves, so nothing else needs the block. Willow
    has no setting for it; its Pillow plugin asks ``get_exif_data`` when saving, so that answers
    nothing. ``tests/portal/test_media.py`` fails if a Willow release copies the data another way.
    """
    from willow.plugins.pillow import PillowImage

    PillowImage.get_exif_data = _no_exif_data


def _no_exif_data(self) -> None:
    return None
