"""Order Hub settings.

Everything that differs between machines comes from the environment, parsed here and nowhere else.
Defaults are safe for development: SQLite next to the project and django-q2's ORM broker.
"""

import datetime as dt
import re
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", default="dev-only-insecure-secret-key" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Secrets at rest (platform tokens, app secrets, webhook and robot keys) are encrypted with these Fernet keys,
# newest first; unset: one key derived from SECRET_KEY. Rotate with `manage.py secrets_rotate` (config/crypto.py).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", default=[])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# TLS ends at the proxy (HAProxy / nginx). Everything below is off by default, so plain-HTTP local runs keep
# working; TLS_AT_PROXY=1 switches it all on, and each variable can still be set on its own.
TLS_AT_PROXY = env_bool("TLS_AT_PROXY", default=False)
# The proxy says which scheme the client used; trusted only when the proxy always sets (never passes on) it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TLS_AT_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=TLS_AT_PROXY)
# The load balancer's checks talk plain HTTP to each node.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000 if TLS_AT_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=TLS_AT_PROXY)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before django_q: config's ``qcluster`` (schedules registered at start, a graceful stop) replaces django-q2's.
    "config",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "simple_history",
    "django_q",
    "axes",
    "orders",
    "inventory",
    "fulfilment",
    "finance",
    "aftersales",
    "integrations",
]

MIDDLEWARE = [
    "config.requestid.RequestIdMiddleware",
    # Prometheus: requests by route and status, and their duration (served at /metrics).
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Platform webhooks and carrier/payment notifications skip the rest of the stack (config/machine.py).
    "config.machine.MachineEndpointsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes: turns a locked-out login into its lockout page (wraps every view, also those run below).
    "axes.middleware.AxesMiddleware",
    # Last: its process_view runs the heavy read views itself, inside replica_reads().
    "config.router.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", default=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (web + qcluster workers) share the file: take the write lock when a transaction
    # starts (no read→write upgrade deadlocks, which SQLite fails at once as "database is locked"), wait
    # for it instead of failing, and let readers go on beside the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the statement (extended protocol) and repeated statements are prepared:
    # no client-side quoting of every value (slow for long texts and arrays), no re-planning.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", default=True)}
    )
# PgBouncer in transaction mode in front of PostgreSQL (DB_TRANSACTION_POOLER=1): a server connection is a
# client's for one transaction only, so nothing may outlive one — no server-side cursors, and (PgBouncer < 1.21
# keeps no prepared statements; Debian 12 ships 1.18) no named prepared statements: the reservation path's
# (inventory.locks.execute_prepared) are switched off by DB_PREPARED_STATEMENTS, which defaults to the opposite.
# Server-side binding (DB_SERVER_SIDE_BINDING, unnamed statements) works either way.
DB_TRANSACTION_POOLER = env_bool("DB_TRANSACTION_POOLER", default=False)
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", default=not DB_TRANSACTION_POOLER)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DB_TRANSACTION_POOLER
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", default=5)

# A streaming replica (config/router.py) for the heavy reads (the views named in DB_REPLICA_VIEWS); empty:
# everything reads the primary. Reads go back to the primary while the replica is more than
# DB_REPLICA_MAX_LAG_SECONDS behind (measured at most every DB_REPLICA_LAG_CHECK_SECONDS per process), and for
# DB_REPLICA_PIN_SECONDS after a client wrote (read-your-writes).
DB_REPLICA_URL = env_str("DB_REPLICA_URL", default="")
DB_REPLICA_MAX_LAG_SECONDS = env_int("DB_REPLICA_MAX_LAG_SECONDS", default=5)
DB_REPLICA_LAG_CHECK_SECONDS = env_int("DB_REPLICA_LAG_CHECK_SECONDS", default=1)
DB_REPLICA_PIN_SECONDS = env_int("DB_REPLICA_PIN_SECONDS", default=15)
if DB_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DB_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2}
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DB_TRANSACTION_POOLER
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.router.PrimaryReplicaRouter"]
DB_REPLICA_VIEWS = [
    "home",
    "order-list",
    "api-order-list",
    "finance-home",
    "finance-statements",
    "finance-differences",
    "finance-exports",
    "finance-vouchers",
    "api-finance-differences",
    "fulfilment:report",
    "fulfilment:report-xlsx",
    "stock-movements",
    "stock-accuracy",
    "api-stock-accuracy",
]
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (user name, address) pair before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes, attempts stored in the database and listed in the admin): after
# LOGIN_FAILURE_LIMIT wrong passwords for one user name from one address, that pair is refused for
# LOGIN_LOCKOUT_MINUTES (the login page says so, HTTP 429); a successful login clears the count.
# `manage.py axes_reset_username NAME` lifts a lockout early.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False  # no log line per login; lockouts are still logged (and answered with 429)
AXES_CLIENT_IP_CALLABLE = "config.client.client_ip"
# How many reverse proxies in front of the web servers append to X-Forwarded-For (0: none, the client's
# address is REMOTE_ADDR). Lockouts and rate limits read the client address through config.client.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Consignee phone, detail address and remarks are erased this many days after an order reached a final status
# (orders.services.consignees_anonymise_due, daily); amounts, numbers and the region stay for finance.
CONSIGNEE_RETENTION_DAYS = env_int("CONSIGNEE_RETENTION_DAYS", default=180)

# Every amount in Order Hub carries a currency; CNY is the default for Chinese channels.
DEFAULT_CURRENCY = "CNY"

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Static files are served by each web process (WhiteNoise). STATICFILES_MANIFEST=1 (production, after
# `collectstatic`): compressed files with content hashes in their names, cached by browsers for a year.
STATICFILES_MANIFEST = env_bool("STATICFILES_MANIFEST", default=False)
WHITENOISE_USE_FINDERS = DEBUG  # development: straight from the apps, without collectstatic
if DEBUG:  # nothing collected in development; in production the warning says collectstatic was forgotten
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
# Uploaded files (return photos, bills, exports) on storage every web and worker node reaches:
# MEDIA_STORAGE=file — a folder (MEDIA_ROOT), shared between machines over NFS or the like, or one machine's;
# MEDIA_STORAGE=s3 — an S3-compatible object store through django-storages (Aliyun OSS, Tencent COS, MinIO,
# AWS S3; `pip install 'order-hub[s3]'`), configured by the MEDIA_S3_* variables.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", default="file")
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET", default="")
MEDIA_S3_ENDPOINT_URL = env_str("MEDIA_S3_ENDPOINT_URL", default="")
MEDIA_S3_REGION = env_str("MEDIA_S3_REGION", default="")
MEDIA_S3_ACCESS_KEY = env_str("MEDIA_S3_ACCESS_KEY", default="")
MEDIA_S3_SECRET_KEY = env_str("MEDIA_S3_SECRET_KEY", default="")
MEDIA_S3_ADDRESSING_STYLE = env_str("MEDIA_S3_ADDRESSING_STYLE", default="virtual")  # OSS/COS: virtual; MinIO: path
_MEDIA_BACKENDS = {
    "file": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": MEDIA_S3_ENDPOINT_URL or None,
            "region_name": MEDIA_S3_REGION or None,
            "access_key": MEDIA_S3_ACCESS_KEY or None,
            "secret_key": MEDIA_S3_SECRET_KEY or None,
            "addressing_style": MEDIA_S3_ADDRESSING_STYLE,
            "default_acl": "private",  # uploads hold personal data: read through signed, expiring URLs
            "querystring_auth": True,
            "querystring_expire": 600,
            "file_overwrite": False,
        },
    },
}
if MEDIA_STORAGE not in _MEDIA_BACKENDS:
    raise ImproperlyConfigured(f"MEDIA_STORAGE={MEDIA_STORAGE!r} is not one of {sorted(_MEDIA_BACKENDS)}.")
if MEDIA_STORAGE == "s3" and not MEDIA_S3_BUCKET:
    raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.")
STORAGES = {
    "default": _MEDIA_BACKENDS[MEDIA_STORAGE],
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATICFILES_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Content Security Policy (django-csp): scripts only from this site, inline ones only with the response's
# nonce (`<script nonce="{{ request.csp_nonce }}">`); inline styles are allowed. The interactive API docs
# (/api/docs/) load Swagger UI from its CDN.
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE, _SWAGGER_CDN],
        "style-src": ["'self'", "'unsafe-inline'", _SWAGGER_CDN],
        "img-src": ["'self'", "data:", "blob:", _SWAGGER_CDN],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Limits on every imported file (order files, statements, allocations), checked by config.uploads before a
# reader opens it: its size, and what an XLSX (a zip archive) unpacks to — see config/uploads.py.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", default=20) * 1024 * 1024
UPLOAD_ZIP_MAX_UNPACKED_BYTES = env_int("UPLOAD_ZIP_MAX_UNPACKED_MB", default=256) * 1024 * 1024
UPLOAD_ZIP_MAX_ENTRIES = 1000
UPLOAD_ZIP_MAX_RATIO = 200

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "orders.api.auth.PolicyTokenAuthentication",  # DRF's token, with the token's scope (read only, shops)
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Each token's own rate limit (orders.TokenPolicy.rate); tokens without one are not throttled.
    "DEFAULT_THROTTLE_CLASSES": ["orders.api.auth.TokenRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Order Hub API",
    "DESCRIPTION": "订单中枢 partner API: shops, warehouses, SKUs and orders, keyed by codes and order numbers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set, whichever field uses it.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.states.Status",
        "OrderInitialStatusEnum": "orders.api.serializers.INITIAL_STATUS_CHOICES",
        "HoldReasonEnum": "orders.states.HoldReason",
        "WarehouseKindEnum": "inventory.models.Warehouse.Kind",
        "StockPoolEnum": "inventory.models.Pool",
        "ShipmentStatusEnum": "fulfilment.models.Shipment.Status",
        "AftersalesKindEnum": "aftersales.models.Case.Kind",
        "AftersalesStatusEnum": "aftersales.models.Case.Status",
    },
}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# simple-history's switch (its own default); config.db.history_copy honours it as simple-history does.
SIMPLE_HISTORY_ENABLED = True
# Order numbers: this prefix + the Shanghai date + a daily sequence (orders.services.numbering).
ORDER_NUMBER_PREFIX = "OH"
# Subject prefix of the e-mails Order Hub sends (orders.notifications.email_send).
EMAIL_SUBJECT_PREFIX = env_str("EMAIL_SUBJECT_PREFIX", default="[订单中枢] ")
# Finance: statement files up to this size are imported during the upload, larger ones in the background;
# unresolved reconciliation differences are e-mailed to their owners after this many days.
FINANCE_SYNC_IMPORT_MAX_BYTES = env_int("FINANCE_SYNC_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
FINANCE_REMIND_AFTER_DAYS = env_int("FINANCE_REMIND_AFTER_DAYS", default=3)

# Inventory hands sellable quantities to this function (integrations writes them to its outbox).
INVENTORY_STOCK_PUSHER = "integrations.outbox.stock_push_enqueue"
# The shops API hands a shop's write-only webhook secret to this function (integrations keeps it on the connection).
ORDERS_SHOP_SECRET_SETTER = "integrations.services.connection_set_webhook_secret"
# The one retry policy (config.retry) for background work that fails: attempts before it is parked as dead,
# and the exponential back-off between them (base · 2^(attempts−1) seconds, capped).
RETRY_MAX_ATTEMPTS = env_int("RETRY_MAX_ATTEMPTS", default=6)
RETRY_BASE_SECONDS = env_int("RETRY_BASE_SECONDS", default=30)
RETRY_MAX_SECONDS = env_int("RETRY_MAX_SECONDS", default=3600)
# Webhooks to partners (integrations.hooks) retry on the same back-off for longer: 31 attempts span more than
# 24 hours (30 s, 1 min, … then hourly) before a delivery is parked and its subscription paused.
WEBHOOK_RETRY_MAX_ATTEMPTS = env_int("WEBHOOK_RETRY_MAX_ATTEMPTS", default=31)
# Deliveries go only to public addresses unless this is on (the demo sandbox and tests post to 127.0.0.1).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
# Seconds a partner's endpoint has to answer one delivery.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# The carrier codes an order rule may choose come from fulfilment's carrier library through this function.
ORDERS_CARRIER_NAMES = "fulfilment.carriers.library.carrier_names"
# Platform access tokens expiring within this many hours are refreshed (integrations.token_refresh_due).
INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS = env_float("INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS", default=48)
# Integrations: how long a platform call may take before it is abandoned (and retried by the retry policy).
INTEGRATIONS_HTTP_TIMEOUT_SECONDS = env_float("INTEGRATIONS_HTTP_TIMEOUT_SECONDS", default=10)
# Integrations: how long a shop's JD e-waybill carrier subscriptions (jingdong.ldop.alpha.provider.sign.success)
# are kept in the cache before JD is asked again; a carrier missing from the kept list is asked for at once.
INTEGRATIONS_JD_SUBSCRIPTION_SECONDS = env_int("INTEGRATIONS_JD_SUBSCRIPTION_SECONDS", default=3600)
# Integrations: each process keeps a shop's push connection this long (0 = always read it).
INTEGRATIONS_PUSH_CONNECTION_SECONDS = env_float("INTEGRATIONS_PUSH_CONNECTION_SECONDS", default=5)
# Integrations: a pushed message whose timestamp is further than this from our clock is refused (replays).
INTEGRATIONS_PUSH_MAX_SKEW_SECONDS = env_int("INTEGRATIONS_PUSH_MAX_SKEW_SECONDS", default=900)
# Integrations: the first poll of a new connection looks back this far; one poll reads at most this many pages.
INTEGRATIONS_POLL_INITIAL_HOURS = env_int("INTEGRATIONS_POLL_INITIAL_HOURS", default=24)
INTEGRATIONS_POLL_MAX_PAGES = env_int("INTEGRATIONS_POLL_MAX_PAGES", default=50)
# Integrations: a drain that found a full batch waits this long so the next batch gathers.
INTEGRATIONS_DRAIN_LINGER_SECONDS = env_float("INTEGRATIONS_DRAIN_LINGER_SECONDS", default=0.1)
# Where the tracking aggregators (Kuaidi100, KDNiao) send their callbacks: this site's public address.
INTEGRATIONS_TRACKING_CALLBACK_BASE_URL = env_str(
    "INTEGRATIONS_TRACKING_CALLBACK_BASE_URL", default="http://127.0.0.1:8000"
)

Q_CLUSTER = {
    "name": "orderhub",
    "orm": "default",
    "workers": env_int("Q_WORKERS", default=2),
    "timeout": 60,
    "retry": 90,
    "max_attempts": 3,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", default=False),
    "poll": 0.5,
    # Every result is saved (one INSERT); config.tasks.task_results_prune deletes successes older than
    # Q_KEEP_SUCCESS_DAYS daily. (A positive save_limit makes django-q2 read all kept successes per task.)
    "save_limit": 0,
    # A failed task stays on the queue and is retried after `retry` seconds, up to `max_attempts`;
    # tasks are idempotent. What still fails is kept as a django-q Failure, visible in the admin.
    "ack_failures": False,
}
# SIGTERM/SIGINT to a worker cluster (config's qcluster): it stops taking tasks and finishes those in hand; what
# still runs after this many seconds is killed (its claimed work is handed back by the sweeper).
Q_STOP_GRACE_SECONDS = env_int("Q_STOP_GRACE_SECONDS", default=25)
# The automatic review of paid orders runs on the main cluster unless this names another one: then a second
# `Q_CLUSTER_NAME=<name> manage.py qcluster` works through the reviews, so a peak of incoming orders and
# their reviews do not starve each other.
ORDERS_REVIEW_CLUSTER = env_str("ORDERS_REVIEW_CLUSTER", default="")
# Paid orders the automatic review has not reached after this long are queued for it again (orders_review_sweep),
# in batches of this many.
ORDERS_REVIEW_SWEEP_AFTER_SECONDS = env_int("ORDERS_REVIEW_SWEEP_AFTER_SECONDS", default=300)
ORDERS_REVIEW_SWEEP_BATCH = env_int("ORDERS_REVIEW_SWEEP_BATCH", default=50)
# Buyer messages (recording the moments, sending them) run on the main cluster unless this names another one:
# then a `Q_CLUSTER_NAME=<name> manage.py qcluster` sends them, and a peak's thousands of messages, each waiting on
# the SMS or WeChat provider, no longer hold the workers that turn pushed orders into orders.
NOTIFY_CLUSTER = env_str("NOTIFY_CLUSTER", default="")
Q_CLUSTER["ALT_CLUSTERS"] = {name: {} for name in (ORDERS_REVIEW_CLUSTER, NOTIFY_CLUSTER) if name}
Q_KEEP_SUCCESS_DAYS = env_int("Q_KEEP_SUCCESS_DAYS", default=7)
# Production and the benchmarks: Redis as django-q2's broker (Q_REDIS_URL=redis://127.0.0.1:6379/0) instead
# of polling the database; results, failures and schedules stay in the database either way.
Q_REDIS_URL = env_str("Q_REDIS_URL", default="")
if Q_REDIS_URL:
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = Q_REDIS_URL
# A cache every process shares (web workers and the cluster): Redis at CACHE_REDIS_URL (default: Q_REDIS_URL).
# Without one, each process has its own memory cache.
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", default=Q_REDIS_URL)
CACHE_KEY_PREFIX = "orderhub"  # of the shared cache's keys (the simulator clears a flag in its own Redis by it)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, one client per pool (config/cache.py)
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
# The cache counting each API token's requests against its rate limit (orders.api.auth.TokenRateThrottle): one
# every web worker shares (Redis, above), else each process counts on its own.
API_RATE_LIMIT_CACHE = env_str("API_RATE_LIMIT_CACHE", default="default")
# How long a request's API token (with its user and policy) is kept in the shared cache instead of read from the
# database (orders.tokens.token_get); deleting the token or changing its user or policy forgets it at once. Only
# with a cache every web worker shares: a process's own memory would miss what another process forgot. 0: off.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", default=60) if CACHE_REDIS_URL else 0
# Integrations: a claimed inbox/outbox message whose worker has not finished after this long is handed back (the
# worker was killed or its machine lost) and done again, once. Far above a healthy batch (a second or two; a
# platform call times out after 10 s); with the sweeper every minute, held work resumes within two minutes.
INTEGRATIONS_CLAIM_EXPIRY_SECONDS = env_int("INTEGRATIONS_CLAIM_EXPIRY_SECONDS", default=30)
# Integrations: new inbox messages wake one drain task for all stored meanwhile, instead of a task each
# (integrations.inbox.inbox_wake). Needs the shared cache, so it is on only with one.
INTEGRATIONS_INBOX_COALESCE = bool(CACHE_REDIS_URL) and env_bool("INTEGRATIONS_INBOX_COALESCE", default=True)

# The command center (/board/, integrations.board): the page fetches its figures again every this many seconds
# (the panels themselves are recomputed every minute by a background schedule).
BOARD_REFRESH_SECONDS = env_int("BOARD_REFRESH_SECONDS", default=30)
# The peak simulator (manage.py simulate_peak, /simulator/): its own database (default: the configured one's name
# + "_peaksim"; never the configured one), its broker (a Redis database of its own, so no other cluster takes its
# tasks; the database when Redis does not answer) and where its reports 《大促容量基线报告》 are written.
SIMULATOR_DATABASE = env_str("SIMULATOR_DATABASE", default="")
SIMULATOR_REDIS_URL = env_str("SIMULATOR_REDIS_URL", default="redis://127.0.0.1:6379/13")
SIMULATOR_REPORT_DIR = Path(env_str("SIMULATOR_REPORT_DIR", default=str(BASE_DIR / "var" / "peaksim")))
# The daily shipping health report goes to the groups that asked for it once the Shanghai clock passes this time
# ("HH:MM"; fulfilment/services/report_delivery.py), with the previous day's figures.
FULFILMENT_REPORT_SEND_AT = env_str("FULFILMENT_REPORT_SEND_AT", default="08:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", FULFILMENT_REPORT_SEND_AT):
    raise ImproperlyConfigured(f"FULFILMENT_REPORT_SEND_AT={FULFILMENT_REPORT_SEND_AT!r} is not a time like 08:00.")
# A report delivery claimed for sending and still "sending" after this many seconds (its worker was killed) is
# claimed again by the next run, as another attempt. Far above a send (a robot call times out in seconds).
FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS = env_int("FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS", default=600)
# A carrier's tracking push claimed for processing and still "processing" after this many seconds (its worker was
# killed) counts as a failed attempt: the sweeper (every 10 minutes) retries it after the back-off, or parks it.
# Far above processing one push (its events are written in a transaction of a second or less).
FULFILMENT_TRACKING_CLAIM_EXPIRY_SECONDS = env_int("FULFILMENT_TRACKING_CLAIM_EXPIRY_SECONDS", default=300)
# A freed waybill number claimed for cancelling at its service and still "processing" after this many seconds (its
# worker was killed) counts as a failed attempt: the sweeper (every 15 minutes) retries it after the back-off, or
# parks it. Far above one cancel call (a service call times out in seconds).
FULFILMENT_WAYBILL_CANCEL_CLAIM_EXPIRY_SECONDS = env_int("FULFILMENT_WAYBILL_CANCEL_CLAIM_EXPIRY_SECONDS", default=300)
# A tracking subscription (Kuaidi100, then KDNiao) or an aggregator's callback claimed by a worker and still
# "processing" after this many seconds (its worker was killed) counts as a failed attempt: the sweeper (every 10
# minutes) retries it after the back-off, or parks it. Far above two subscribe calls or one callback's events.
INTEGRATIONS_TRACKING_CLAIM_EXPIRY_SECONDS = env_int("INTEGRATIONS_TRACKING_CLAIM_EXPIRY_SECONDS", default=300)
# /metrics (Prometheus): scrapers send "Authorization: Bearer <METRICS_TOKEN>"; empty = only signed-in users who may
# view the command center. Multi-process web servers also set PROMETHEUS_MULTIPROC_DIR (config/metrics.py).
METRICS_TOKEN = env_str("METRICS_TOKEN", default="")
# prometheus_client reads this variable itself (each process writes its counters there); declared here so that
# /metrics knows to sum the processes' files.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", default="")

# Logs: JSON lines (LOG_FORMAT=json, the default with DEBUG off) with the request id that follows the work into
# background tasks (config/requestid.py), or plain lines for a developer's terminal (the default with DEBUG on).
# django-q2 logs every task at INFO: its logger gets LOG_TASKS_LEVEL (WARNING), so a worker's log says what went
# wrong, not that everything went right. One access line per request (logger orderhub.access) in JSON mode.
LOG_LEVEL = env_str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env_str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not 'plain' or 'json'.")
LOG_TASKS_LEVEL = env_str("LOG_TASKS_LEVEL", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django-q": {"level": LOG_TASKS_LEVEL},
        "orderhub.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        "orderhub.workers": {"level": "INFO"},
        # The development server's line per request (the demo's sandbox platforms answer polls on it too).
        "django.server": {"level": env_str("LOG_SERVER_LEVEL", default="WARNING")},
    },
}

# /readyz (config/health.py): the queue check runs these (name → dotted path of a function returning a number
# or None) and is not ok when the oldest waiting work is older than HEALTH_QUEUE_MAX_AGE_SECONDS.
HEALTH_QUEUE_PROBES = {"oldest_due_s": "integrations.selectors.inbox_oldest_due_seconds"}
HEALTH_QUEUE_MAX_AGE_SECONDS = env_int("HEALTH_QUEUE_MAX_AGE_SECONDS", default=300)

# The built-in platform sandbox (integrations/sandbox): on in development, off in production unless asked for
# (the cluster drill turns it on to play the platforms).
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", default=DEBUG)
# Sandbox: orders each sandbox shop receives per hour; the lifetime of the access tokens it issues (0: the
# platform's own — Shopify one hour, the others one day); how long the `timeout` fault hangs (longer than
# INTEGRATIONS_HTTP_TIMEOUT_SECONDS).
SANDBOX_ORDERS_PER_HOUR = env_int("SANDBOX_ORDERS_PER_HOUR", default=12)
SANDBOX_TOKEN_LIFETIME_SECONDS = env_int("SANDBOX_TOKEN_LIFETIME_SECONDS", default=0)
SANDBOX_TIMEOUT_SECONDS = env_float("SANDBOX_TIMEOUT_SECONDS", default=15)

# Fulfilment: where carrier e-waybill adapters send requests (the built-in sandbox unless set), and the
# shared token carriers must send with tracking pushes (empty: only staff sessions may post them).
FULFILMENT_CARRIER_SANDBOX_URL = env_str(
    "FULFILMENT_CARRIER_SANDBOX_URL", default="http://127.0.0.1:8000/fulfilment/sandbox/carriers/"
)
FULFILMENT_TRACKING_PUSH_TOKEN = env_str("FULFILMENT_TRACKING_PUSH_TOKEN", default="")
# The platforms' local print components on the warehouse PC (their default WebSocket ports).
FULFILMENT_PRINT_COMPONENTS = {
    "cainiao": env_str("PRINT_COMPONENT_CAINIAO", default="ws://127.0.0.1:13528"),
    "pdd": env_str("PRINT_COMPONENT_PDD", default="ws://127.0.0.1:5000"),
    "douyin": env_str("PRINT_COMPONENT_DOUYIN", default="ws://127.0.0.1:13888"),
    "jd": env_str("PRINT_COMPONENT_JD", default="ws://127.0.0.1:9113"),
}  # (The wave print page talks to them from the browser: config.csp lets it connect there.)
# Signed tracking links sent to buyers (/track/s/<token>/) stop working after this many days.
PUBLIC_TRACKING_LINK_DAYS = env_int("PUBLIC_TRACKING_LINK_DAYS", default=90)

# Buyer notifications (integrations.notify, docs/notifications.md). Where links in messages point (this site's
# public address, for the signed tracking link); which SMS provider sends ("aliyun" or "tencent"); how many
# messages one phone number may receive per hour (over it a message is logged as rate-limited, not sent); how
# many attempts a message gets before it is parked (the back-off is config.retry's).
NOTIFY_PUBLIC_BASE_URL = env_str("NOTIFY_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
NOTIFY_SMS_PROVIDER = env_str("NOTIFY_SMS_PROVIDER", default="aliyun")
# Platforms that tell their buyers themselves: their orders get no buyer message from Order Hub (add shopify where
# the store's own Shopify notifications are on).
NOTIFY_SELF_NOTIFYING_PLATFORMS = env_list(
    "NOTIFY_SELF_NOTIFYING_PLATFORMS", default=["taobao", "tmall", "jd", "pdd", "douyin"]
)
NOTIFY_PHONE_MAX_PER_HOUR = env_int("NOTIFY_PHONE_MAX_PER_HOUR", default=5)
NOTIFY_RETRY_MAX_ATTEMPTS = env_int("NOTIFY_RETRY_MAX_ATTEMPTS", default=6)
NOTIFY_TIMEOUT_SECONDS = env_float("NOTIFY_TIMEOUT_SECONDS", default=10)
# Alert deliveries (orders.services.alert_delivery): a delivery still "sending" this long after its worker claimed
# it (the worker was killed) counts as a failed attempt and is retried. Above a phone channel calling several numbers
# one after another, each within NOTIFY_TIMEOUT_SECONDS.
ALERT_DELIVERY_CLAIM_EXPIRY_SECONDS = env_int("ALERT_DELIVERY_CLAIM_EXPIRY_SECONDS", default=300)
# The providers' endpoints default to the built-in sandbox (integrations/sandbox/notify.py) while it is on, to
# the providers' production endpoints otherwise. Credentials come from the environment only.
_NOTIFY_SANDBOX = "http://127.0.0.1:8000/sandbox/notify"
NOTIFY_ALIYUN_ENDPOINT = env_str(
    "NOTIFY_ALIYUN_ENDPOINT",
    default=f"{_NOTIFY_SANDBOX}/aliyun/" if SANDBOX_ENABLED else "https://dysmsapi.aliyuncs.com/",
)
NOTIFY_ALIYUN_ACCESS_KEY_ID = env_str(
    "NOTIFY_ALIYUN_ACCESS_KEY_ID", default="sandbox-aliyun-id" if SANDBOX_ENABLED else ""
)
NOTIFY_ALIYUN_ACCESS_KEY_SECRET = env_str(
    "NOTIFY_ALIYUN_ACCESS_KEY_SECRET", default="sandbox-aliyun-secret" if SANDBOX_ENABLED else ""
)
NOTIFY_ALIYUN_SIGN_NAME = env_str("NOTIFY_ALIYUN_SIGN_NAME", default="订单中心" if SANDBOX_ENABLED else "")
# Phone calls to on-call staff for red alerts (integrations/alerting/voice.py): Aliyun 语音服务 SingleCallByTts, with
# the Aliyun access key above; the TTS template (its one variable is ${title}) and, for a dedicated number, the
# number shown to the callee (empty: the public number pool).
NOTIFY_ALIYUN_VOICE_ENDPOINT = env_str(
    "NOTIFY_ALIYUN_VOICE_ENDPOINT",
    default=f"{_NOTIFY_SANDBOX}/aliyun-voice/" if SANDBOX_ENABLED else "https://dyvmsapi.aliyuncs.com/",
)
NOTIFY_ALIYUN_VOICE_TTS_CODE = env_str("NOTIFY_ALIYUN_VOICE_TTS_CODE", default="TTS_0001" if SANDBOX_ENABLED else "")
NOTIFY_ALIYUN_VOICE_SHOW_NUMBER = env_str("NOTIFY_ALIYUN_VOICE_SHOW_NUMBER", default="")
NOTIFY_TENCENT_ENDPOINT = env_str(
    "NOTIFY_TENCENT_ENDPOINT",
    default=f"{_NOTIFY_SANDBOX}/tencent/" if SANDBOX_ENABLED else "https://sms.tencentcloudapi.com/",
)
NOTIFY_TENCENT_SECRET_ID = env_str("NOTIFY_TENCENT_SECRET_ID", default="sandbox-tencent-id" if SANDBOX_ENABLED else "")
NOTIFY_TENCENT_SECRET_KEY = env_str(
    "NOTIFY_TENCENT_SECRET_KEY", default="sandbox-tencent-key" if SANDBOX_ENABLED else ""
)
NOTIFY_TENCENT_SDK_APP_ID = env_str("NOTIFY_TENCENT_SDK_APP_ID", default="1400000000" if SANDBOX_ENABLED else "")
NOTIFY_TENCENT_REGION = env_str("NOTIFY_TENCENT_REGION", default="ap-guangzhou")
NOTIFY_TENCENT_SIGN_NAME = env_str("NOTIFY_TENCENT_SIGN_NAME", default="订单中心" if SANDBOX_ENABLED else "")
NOTIFY_WECHAT_ENDPOINT = env_str(
    "NOTIFY_WECHAT_ENDPOINT",
    default=f"{_NOTIFY_SANDBOX}/wechat/" if SANDBOX_ENABLED else "https://api.weixin.qq.com/",
)
NOTIFY_WECHAT_APP_ID = env_str("NOTIFY_WECHAT_APP_ID", default="wxsandbox00000000" if SANDBOX_ENABLED else "")
NOTIFY_WECHAT_APP_SECRET = env_str(
    "NOTIFY_WECHAT_APP_SECRET", default="sandbox-wechat-secret" if SANDBOX_ENABLED else ""
)
# subscribeMessage.send miniprogram_state: which version of the mini-program a tap opens (formal, trial, developer).
NOTIFY_WECHAT_MINIPROGRAM_STATE = env_str("NOTIFY_WECHAT_MINIPROGRAM_STATE", default="formal")

# Refunds through payment providers (integrations/payments, docs/aftersales.md): own-site and WeChat orders paid
# with Alipay or WeChat Pay get their money back through the provider's refund API. Keys are PEM text or the path
# of a PEM file. While the sandbox is on, the endpoints default to the built-in sandbox
# (integrations/sandbox/payments.py) and empty keys to sandbox key pairs kept in PAYMENTS_SANDBOX_KEY_DIR.
_PAYMENTS_SANDBOX = "http://127.0.0.1:8000/sandbox/payments"
PAYMENTS_SANDBOX_KEY_DIR = env_str("PAYMENTS_SANDBOX_KEY_DIR", default=str(BASE_DIR / "var" / "sandbox-keys"))
PAYMENTS_ALIPAY_GATEWAY = env_str(
    "PAYMENTS_ALIPAY_GATEWAY",
    default=f"{_PAYMENTS_SANDBOX}/alipay/gateway.do" if SANDBOX_ENABLED else "https://openapi.alipay.com/gateway.do",
)
PAYMENTS_ALIPAY_APP_ID = env_str("PAYMENTS_ALIPAY_APP_ID", default="2021000000000000" if SANDBOX_ENABLED else "")
PAYMENTS_ALIPAY_PRIVATE_KEY = env_str("PAYMENTS_ALIPAY_PRIVATE_KEY", default="")  # the application's private key
PAYMENTS_ALIPAY_PUBLIC_KEY = env_str("PAYMENTS_ALIPAY_PUBLIC_KEY", default="")  # Alipay's public key (answers)
PAYMENTS_WECHATPAY_BASE_URL = env_str(
    "PAYMENTS_WECHATPAY_BASE_URL",
    default=f"{_PAYMENTS_SANDBOX}/wechatpay" if SANDBOX_ENABLED else "https://api.mch.weixin.qq.com",
)
PAYMENTS_WECHATPAY_MCHID = env_str("PAYMENTS_WECHATPAY_MCHID", default="1900000109" if SANDBOX_ENABLED else "")
PAYMENTS_WECHATPAY_SERIAL_NO = env_str(  # the serial number of the merchant API certificate
    "PAYMENTS_WECHATPAY_SERIAL_NO", default="5157F09EFDC096DE15EBE81A47057A7232F1B8E1" if SANDBOX_ENABLED else ""
)
PAYMENTS_WECHATPAY_PRIVATE_KEY = env_str("PAYMENTS_WECHATPAY_PRIVATE_KEY", default="")  # apiclient_key.pem
PAYMENTS_WECHATPAY_PLATFORM_PUBLIC_KEY = env_str("PAYMENTS_WECHATPAY_PLATFORM_PUBLIC_KEY", default="")
PAYMENTS_WECHATPAY_APIV3_KEY = env_str(  # 32 bytes: decrypts notifications (AEAD_AES_256_GCM)
    "PAYMENTS_WECHATPAY_APIV3_KEY", default="sandboxsandboxsandboxsandbox0000" if SANDBOX_ENABLED else ""
)
PAYMENTS_WECHATPAY_NOTIFY_URL = env_str(
    "PAYMENTS_WECHATPAY_NOTIFY_URL", default="http://127.0.0.1:8000/payments/wechatpay/refund-notify/"
)
