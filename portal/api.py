def only_public_api(endpoints):
    """Keep Wagtail's own admin API out of the public OpenAPI schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
