"""Which address the rate limits count: the connection's, unless the deployment says how many
proxies in front add to X-Forwarded-For (``TRUSTED_PROXY_COUNT``, portal/settings.py). The
two-instance test (tests/cluster/) checks it through HAProxy."""

from allauth.account.adapter import get_adapter
from rest_framework.throttling import AnonRateThrottle


def _through_a_proxy(rf):
    # The client sent an address of its choice; the proxy (10.0.0.2) added the one it saw.
    return rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.7", REMOTE_ADDR="10.0.0.2")


def test_without_trusted_proxies_an_x_forwarded_for_counts_for_nothing(rf):
    request = _through_a_proxy(rf)
    assert get_adapter(request).get_client_ip(request) == "10.0.0.2"
    assert AnonRateThrottle().get_ident(request) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_saw_counts_not_the_one_the_client_sent(rf, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = _through_a_proxy(rf)
    assert get_adapter(request).get_client_ip(request) == "192.0.2.7"
    assert AnonRateThrottle().get_ident(request) == "192.0.2.7"
