from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers; also the benchmarks' trivial baseline view."""
    return HttpResponse("ok", content_type="text/plain")
