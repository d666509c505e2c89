from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from portal import health


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers; also the benchmarks' trivial baseline view."""
    return HttpResponse("ok", content_type="text/plain")


# Readiness: each part by name; 503 while the database or a configured Redis is down
# (django-health-check's checks, portal/health.py).
readyz = health.ReadinessView.as_view()
