from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from portal import health


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers; also the benchmarks' trivial baseline view."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: each part by name; 503 while the database or a configured Redis is down."""
    report = health.readiness()
    return JsonResponse(report.as_json(), status=200 if report.ready else 503)
