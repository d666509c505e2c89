import pytest
from django.contrib.auth import get_user_model

from tests.portal.helpers import login_staff


@pytest.mark.django_db
def test_public_pages_forbid_inline_scripts(client, site_pages):
    policy = client.get("/aanbod/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_wagtail_admin_may_run_its_inline_widget_scripts(client):
    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
    login_staff(client, admin)
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
