"""A real S3-compatible server on loopback for the media tests: moto's ``ThreadedMotoServer``
on a free port, spoken to over HTTP by django-storages and boto3 exactly as a bucket at AWS or
MinIO would be. Each test gets a bucket of its own, set up as the README says: private by
default, anybody may read ``public/``."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from portal.core.media import S3Media, media_storages

REGION = "eu-west-1"


@dataclass
class Bucket:
    """The test's bucket and a boto3 client that looks into it (not through the portal)."""

    name: str
    endpoint: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def object_url(self, key: str) -> str:
        """The object's plain address, as anybody on the internet could try it."""
        return f"{self.endpoint}/{self.name}/{key}"


def anonymous_get(url: str) -> tuple[int, bytes]:
    """GET ``url`` as a browser without any credentials would: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="session")
def s3_endpoint():
    """The server, started once per test process on 127.0.0.1 and a port the system picks."""
    from moto.server import ThreadedMotoServer  # here: only sessions that need it pay for it

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings, monkeypatch) -> Bucket:
    """A new bucket, with the portal's media storages (``MEDIA_STORAGE=s3``) pointed at it."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "routewijzer-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "routewijzer-test-secret")
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id="routewijzer-test",
        aws_secret_access_key="routewijzer-test-secret",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    # The README's bucket policy: anybody may read the public prefix, nothing else.
    client.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/public/*",
                    }
                ],
            }
        ),
    )
    settings.STORAGES = {
        **settings.STORAGES,
        **media_storages(
            media="s3",
            s3=S3Media(bucket=name, endpoint_url=s3_endpoint, region=REGION),
        ),
    }
    return Bucket(name=name, endpoint=s3_endpoint, client=client)
