"""Routewijzer settings: one module, configured by environment variables.

Local defaults are safe and need nothing (SQLite, console e-mail, in-process cache). With ``DEBUG``
off the portal refuses to start without a real ``SECRET_KEY``.
"""

import sys
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.core.env import env, redis_url_for_test_worker
from portal.core.logs import logging_config
from portal.core.media import S3Media, media_storages, public_media_origin
from portal.core.security import tile_origin
from portal.core.sqlite import sqlite_options

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env("DEBUG", False)
TESTING = env("ROUTEWIJZER_TESTING", "pytest" in sys.modules)

_DEV_SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET_KEY if (DEBUG or TESTING) else "")
if not SECRET_KEY or (SECRET_KEY == _DEV_SECRET_KEY and not (DEBUG or TESTING)):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set a long random SECRET_KEY in the environment, "
        "or DEBUG=true for local development."
    )

ALLOWED_HOSTS = env("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal",
    "portal.accounts",
    "portal.payments",
    "portal.enrolments",
    "portal.places",
    "portal.core.tasks",
    "contracts",
    "providers",
    "cms",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "portal.accounts.users_app.UsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks_db",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Operations (first, so every layer below runs inside them): the request's id for its logs
    # and answer (portal/core/request_id.py), then its latency and status for /metrics.
    "portal.core.request_id.RequestIdMiddleware",
    "portal.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.core.locale.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication (the account's language), before the page cache (which it must
    # not be skipped by; it adds its cookie to cached pages too).
    "portal.core.locale.LanguageChoiceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.core.security.AdminContentSecurityPolicyMiddleware",
    "portal.core.pagecache.AnonymousPageCacheMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.middleware.StaffTwoFactorMiddleware",
    "portal.accounts.middleware.StillUsedRefusalMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite simply builds the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the background worker write the same file (`make run`).
    DATABASES["default"].setdefault("OPTIONS", {}).update(sqlite_options())
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search index uses PostgreSQL's full-text fields there.
    INSTALLED_APPS.append("django.contrib.postgres")
    # The catalogue's queries take milliseconds; JIT compiling them cost ~35 ms each (measured).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    REDIS_URL = redis_url_for_test_worker(REDIS_URL)
    # Redis is an accelerator: unreachable, the site runs without it (portal/core/rediscache.py).
    CACHES = {
        "default": {
            "BACKEND": "portal.core.rediscache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "routewijzer"),
            "OPTIONS": {
                "RETRY_SECONDS": env("REDIS_RETRY_SECONDS", 5),
                "WARNING_SECONDS": env("REDIS_WARNING_SECONDS", 60),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database only, with or without Redis: a session cached in Redis outlives
# a log-out made while Redis was unreachable, and comes back with it. Reading one costs a lookup
# by primary key, only for visitors who have a session.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Anonymous catalogue pages are cached until a publish or seat change bumps the catalogue
# version (portal/core/pagecache.py); the timeout is only a backstop.
PAGE_CACHE_ENABLED = env("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS", 10)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Routewijzer] "
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# allauth's defaults, spelled out because they are part of the security design (tested).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# The proxies in front that add the visitor's address to X-Forwarded-For (HAProxy with `option
# forwardfor`, deploy/haproxy.cfg: 1). The rate limits (allauth's above, the API's throttle) then
# count the address the last of them saw, instead of every visitor as the proxy's one address.
# 0, the default: the address the connection came from, and an X-Forwarded-For that anybody
# could send is ignored. Set it only when the instances can be reached through the proxies alone.
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Staff use an authenticator app (TOTP) with recovery codes as the fallback.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Routewijzer"
# Wagtail's own login and password pages give way to allauth's (rate limits, MFA): its login
# pages send visitors on to allauth's (portal.web.account.wagtail_login).
WAGTAILADMIN_LOGIN_URL = "admin_login"
WAGTAIL_FRONTEND_LOGIN_URL = "private_page_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
# E-mail address and password change through allauth only (verification, rate limits).
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
# No shared passwords for private pages or document collections: a password without an account
# has no rate limit and no second factor. Editors restrict to signed-in users or groups instead.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", "Routewijzer <noreply@routewijzer.localhost>"
)
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False
INVITATION_MAX_AGE_DAYS = env("INVITATION_MAX_AGE_DAYS", 14)
# Spreadsheet import of offerings (providers/imports/).
IMPORT_MAX_BYTES = env("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_BATCH_MAX_AGE_HOURS = env("IMPORT_BATCH_MAX_AGE_HOURS", 48)
# Days after a learner's case is closed before their personal data are anonymised
# (``manage.py learners_anonymise``): two years unless the retention policy says otherwise.
LEARNER_RETENTION_DAYS = env("LEARNER_RETENTION_DAYS", 730)
# How long the contract dashboard's figures are kept before they are computed again (seconds).
DASHBOARD_CACHE_SECONDS = env("DASHBOARD_CACHE_SECONDS", 300)
# How many of the dashboard's reports are computed side by side (threads, each with its own
# database connection; PostgreSQL only). 1 computes them one after the other.
DASHBOARD_WORKERS = env("DASHBOARD_WORKERS", 3)
# The OCDS release package of the contracts (contracts/ocds.py): the ocid prefix that the Open
# Contracting Partnership registers for a publisher ("ocds-" and six characters). The default is a
# placeholder: set the registered prefix before the package is published.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", "ocds-routewijzer")

LANGUAGE_CODE = "nl"
# The public site and the learner's pages speak these six (the switcher names each in itself,
# from Django's LANG_INFO); staff screens speak Dutch and English
# (WAGTAILADMIN_PERMITTED_LANGUAGES).
LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("ti", _("Tigrinya")),
    ("tr", _("Turkish")),
    ("fa", _("Persian")),
]
# Django's language table has no Tigrinya: its name, script direction and name in itself.
django.conf.locale.LANG_INFO.setdefault(
    "ti", {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"}
)
# Date and number formats for languages Django has none for (portal/formats/ti/).
FORMAT_MODULE_PATH = ["portal.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("nl", "Nederlands"), ("en", "English")]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
STORAGES = {
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Media: uploaded files (portal/core/media.py; README "Media files") ----------------------
# Two storages: "default" is private (documents, contract documents among them, original
# images, profile pictures), read only through a permission check: a document through
# /documents/<id>/<name>, streamed from the storage after its collection's privacy is checked.
# "public_media" holds the image renditions that pages show, readable by anybody. Local disk
# by default (MEDIA_ROOT, the public files in its public/ folder); MEDIA_STORAGE=s3 puts both in
# an S3-compatible bucket that several web machines share.
MEDIA_STORAGE = env("MEDIA_STORAGE", "local")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES.update(
    media_storages(
        media=MEDIA_STORAGE,
        s3=S3Media(
            bucket=env("AWS_STORAGE_BUCKET_NAME", ""),
            private_bucket=env("AWS_STORAGE_PRIVATE_BUCKET_NAME", ""),
            endpoint_url=env("AWS_S3_ENDPOINT_URL", ""),
            region=env("AWS_S3_REGION_NAME", ""),
            custom_domain=env("AWS_S3_CUSTOM_DOMAIN", ""),
            addressing_style=env("AWS_S3_ADDRESSING_STYLE", ""),
            public_acl=env("MEDIA_PUBLIC_ACL", ""),
        ),
    )
)
# Public files on local disk are served by the portal at MEDIA_URL (or set false and let the
# web server serve MEDIA_ROOT/public/ there); from a bucket they have the bucket's address.
MEDIA_SERVE = env("MEDIA_SERVE", MEDIA_STORAGE == "local")
MEDIA_PUBLIC_ORIGIN = public_media_origin(STORAGES)
WAGTAILIMAGES_RENDITION_STORAGE = "portal.core.media.rendition_storage"
# Every document goes through Wagtail's view (privacy check, then streamed), never a redirect
# to the bucket: no address of a file exists that works for somebody else.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Upload limits, checked on the bytes received (not on what the browser says).
WAGTAILDOCS_MAX_UPLOAD_SIZE = env("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env("IMAGE_MAX_BYTES", 10 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env("IMAGE_MAX_PIXELS", 40_000_000)
WAGTAILDOCS_DOCUMENT_FORM_BASE = "portal.core.documents.DocumentForm"  # one error per refusal
# --- end of media ---------------------------------------------------------------------------

_EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env("EMAIL_HOST", "localhost"),
                "port": env("EMAIL_PORT", 25),
                "username": env("EMAIL_HOST_USER", ""),
                "password": env("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env("EMAIL_USE_TLS", False),
                "timeout": env("EMAIL_TIMEOUT", 10),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Routewijzer <noreply@routewijzer.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (portal/core/tasks/): Django's tasks framework with django-tasks-db's backend,
# which stores each task as a row in this database, written in the transaction of the change that
# causes it (the two commit or roll back together; no other server). Wagtail's tasks (the
# ``django_tasks`` backport) read this same setting. RUN "worker": `manage.py worker` runs them
# (production, `make run`); "after-commit": each task runs in-process once its transaction
# commits, through the worker's own code (the tests; a development server without a worker).
TASKS_RUN = env("TASKS_RUN", "after-commit" if TESTING else "worker")
TASKS = {
    "default": {
        "BACKEND": "portal.core.tasks.backend.DurableDatabaseBackend",
        "OPTIONS": {"RUN": TASKS_RUN},
    }
}
# A task still marked running this long after it started lost its worker: it is tried again.
TASKS_STALE_AFTER_MINUTES = env("TASKS_STALE_AFTER_MINUTES", 60)
# Finished tasks are kept this many days (successful), failed ones no longer listed longer.
TASKS_KEEP_DAYS = env("TASKS_KEEP_DAYS", 14)
TASKS_KEEP_FAILED_DAYS = env("TASKS_KEEP_FAILED_DAYS", 90)

# Self-paid enrolments: a seat is held this long while the learner chooses how to pay; a seat
# offered from the waiting list is held longer, since the learner first has to read the e-mail.
ENROLMENT_HOLD_MINUTES = env("ENROLMENT_HOLD_MINUTES", 30)
WAITING_LIST_HOLD_HOURS = env("WAITING_LIST_HOLD_HOURS", 48)
# Within this many days of enrolling (and before the start) a learner cancels with a full refund.
ENROLMENT_COOLING_OFF_DAYS = env("ENROLMENT_COOLING_OFF_DAYS", 14)
# A learner holds seats (held, or awaiting a delayed payment) on at most this many start dates at
# once, so one account cannot block a course (portal/enrolments/rules.py).
ENROLMENT_MAX_ACTIVE_HOLDS = env("ENROLMENT_MAX_ACTIVE_HOLDS", 3)
# Attempts to enrol or join a waiting list, in allauth's rate syntax (amount/period/per, per user
# and per IP address); the views answer 429 beyond it.
ENROLMENT_RATE_LIMIT = env("ENROLMENT_RATE_LIMIT", "10/10m/user,100/10m/ip")
ACCOUNT_RATE_LIMITS["enrolment"] = ENROLMENT_RATE_LIMIT

# Stripe (portal/payments). Without STRIPE_SECRET_KEY online payment is off; `make run` starts the
# test suite's Stripe stand-in on loopback and sets these for it (test payments, no real money).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
# Signing secrets of the webhook endpoints (the account's and the Connect one), comma-separated.
STRIPE_WEBHOOK_SECRETS = env("STRIPE_WEBHOOK_SECRETS", [])
# Only for the stand-in: the base address the client talks to instead of api.stripe.com.
STRIPE_API_BASE = env("STRIPE_API_BASE", "")
STRIPE_PAYMENT_METHODS = env("STRIPE_PAYMENT_METHODS", ["card", "ideal", "bancontact"])
STRIPE_SEPA_DEBIT = env("STRIPE_SEPA_DEBIT", False)
STRIPE_CONNECT_COUNTRY = env("STRIPE_CONNECT_COUNTRY", "NL")
# The platform's fee per paid enrolment, in basis points of the price (100 = 1 %).
PLATFORM_FEE_BASIS_POINTS = env("PLATFORM_FEE_BASIS_POINTS", 0)
# Browsers apply the CSP form-action to redirects: Checkout's and onboarding's hosts are named.
STRIPE_REDIRECT_ORIGINS = env(
    "STRIPE_REDIRECT_ORIGINS", ["https://checkout.stripe.com", "https://connect.stripe.com"]
)

# Security: secure cookies and HSTS whenever we are not developing locally.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

from django.utils.csp import CSP  # noqa: E402

# The catalogue's map (cms/catalogue_map.py, portal/static/js/catalogue-map.js): the address of
# its background tiles, {z}/{x}/{y} in web mercator. The default is the Dutch government's free
# BRT-Achtergrondkaart (PDOK, Kadaster; CC BY 4.0). Empty: no tiles, the markers on a plain
# background (the tests, or a site that wants no outside requests). The CSP allows images from
# this one origin and no other.
MAP_TILE_URL = env(
    "MAP_TILE_URL",
    ""
    if TESTING
    else "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
)
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "Kaartgegevens © Kadaster")
MAP_TILE_ORIGIN = tile_origin(MAP_TILE_URL)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *filter(None, [MAP_TILE_ORIGIN, MEDIA_PUBLIC_ORIGIN])],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *STRIPE_REDIRECT_ORIGINS, *filter(None, [STRIPE_API_BASE])],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Sessions only: DRF's default Basic authentication would be a password door without
    # allauth's rate limits, e-mail verification or two-factor authentication.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", "600/minute")},
    # The client's address as the rate limits read it (TRUSTED_PROXY_COUNT above); DRF's default
    # would take the whole X-Forwarded-For header, which the client itself can send.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Routewijzer API",
    "DESCRIPTION": "Public, read-only catalogue of civic-integration courses (Wet inburgering)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["portal.api.only_public_api"],
    "ENUM_NAME_OVERRIDES": {"CefrLevelEnum": "providers.choices.CefrLevel"},
    # Swagger UI (and Redoc) from our own static files: the CSP allows scripts from 'self' only.
    # /api/v1/docs/ is Swagger UI, since Redoc always loads its logo from cdn.redoc.ly. Its
    # validator badge would send the schema's address to validator.swagger.io: off.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
}

WAGTAIL_SITE_NAME = "Routewijzer"
# The site's address as its visitors reach it: every absolute link in an e-mail starts with it
# (ours, allauth's and Wagtail's), never the address of the request that sent the e-mail.
# `make run` sets it from HOST and PORT.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "portal.core.search"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAIL_WORKFLOW_ENABLED = True
# No Gravatar: the admin asked www.gravatar.com for every picture-less person's picture, which the
# CSP's img-src refuses (and which would tell Gravatar who uses the admin, by a hash of their
# e-mail address), so the admin showed a broken image. Wagtail's own default picture instead;
# uploaded pictures come from portal/media.py.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Operations: probes, metrics, error reports (README, "Operations") ---
# The load balancer's and monitor's probes and Prometheus talk to each instance over plain HTTP
# on the inside: no redirect to HTTPS for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; without a token, only a request
# from a loopback address that did not come through a proxy (portal/core/metrics.py).
METRICS_TOKEN = env("METRICS_TOKEN", "")
# Sentry when a DSN is given (portal/core/sentry.py): no personal data, tagged with the request
# id, performance tracing off unless a sample rate above 0 is given.
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    from portal.core.sentry import sentry_init

    _traces = env("SENTRY_TRACES_SAMPLE_RATE", "0")
    try:
        SENTRY_TRACES_SAMPLE_RATE = float(_traces)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {_traces!r}"
        ) from exc
    if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
        raise ImproperlyConfigured(
            f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {_traces!r}"
        )
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
# --- end of probes, metrics, error reports ---

# --- Operations: logs with the request id (portal/core/logs.py, portal/core/request_id.py) ---
# JSON lines in production, readable lines in development; every line of a request carries its
# id. Logs go to stderr, so a command's own output stays clean on stdout; gunicorn's config
# (deploy/gunicorn.conf.py) sets LOG_STREAM=stdout, so a web process writes one stream.
LOG_FORMAT = env("LOG_FORMAT", "text" if (DEBUG or TESTING) else "json")
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=env("LOG_LEVEL", "INFO"),
    stream=env("LOG_STREAM", "stderr"),
    loggers={
        # Per-task and per-edit chatter of the immediate task backend and Wagtail's action log.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # A failing readiness check logs a traceback at every probe (every few seconds): the
        # probe's answer is the signal; only a check's own fault (a bug) is logged.
        "health_check": {"level": "ERROR"},
    },
)
# --- end of logs ---
