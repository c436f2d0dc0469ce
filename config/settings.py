"""Order Hub settings.

Everything that differs between machines comes from the environment, parsed here and nowhere else.
Defaults are safe for development: SQLite next to the project and django-q2's ORM broker.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", default="dev-only-insecure-secret-key" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "simple_history",
    "django_q",
    "config",
    "orders",
    "inventory",
    "fulfilment",
    "finance",
    "aftersales",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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

# Every amount in Order Hub carries a currency; CNY is the default for Chinese channels.
DEFAULT_CURRENCY = "CNY"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
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
    },
}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Inventory hands sellable quantities to this function (integrations writes them to its outbox).
INVENTORY_STOCK_PUSHER = "integrations.outbox.stock_push_enqueue"
# The shops API hands a shop's write-only webhook secret to this function (integrations keeps it on the connection).
ORDERS_SHOP_SECRET_SETTER = "integrations.services.connection_set_webhook_secret"
# The one retry policy (config.retry) for background work that fails: attempts before it is parked as dead,
# and the exponential back-off between them (base · 2^(attempts−1) seconds, capped).
RETRY_MAX_ATTEMPTS = env_int("RETRY_MAX_ATTEMPTS", default=6)
RETRY_BASE_SECONDS = env_int("RETRY_BASE_SECONDS", default=30)
RETRY_MAX_SECONDS = env_int("RETRY_MAX_SECONDS", default=3600)
# The carrier codes an order rule may choose come from fulfilment's carrier library through this function.
ORDERS_CARRIER_NAMES = "fulfilment.carriers.library.carrier_names"
# Platform access tokens expiring within this many hours are refreshed (integrations.token_refresh_due).
INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS = 48
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
# The automatic review of paid orders runs on the main cluster unless this names another one: then a second
# `Q_CLUSTER_NAME=<name> manage.py qcluster` works through the reviews, so a peak of incoming orders and
# their reviews do not starve each other.
ORDERS_REVIEW_CLUSTER = env_str("ORDERS_REVIEW_CLUSTER", default="")
if ORDERS_REVIEW_CLUSTER:
    Q_CLUSTER["ALT_CLUSTERS"] = {ORDERS_REVIEW_CLUSTER: {}}
Q_KEEP_SUCCESS_DAYS = env_int("Q_KEEP_SUCCESS_DAYS", default=7)
# Production and the benchmarks: Redis as django-q2's broker (Q_REDIS_URL=redis://127.0.0.1:6379/0) instead
# of polling the database; results, failures and schedules stay in the database either way.
if env_str("Q_REDIS_URL", default=""):
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = env_str("Q_REDIS_URL", default="")
# A cache every process shares (web workers and the cluster): Redis at CACHE_REDIS_URL (default: Q_REDIS_URL).
# Without one, each process has its own memory cache.
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", default=env_str("Q_REDIS_URL", default=""))
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "orderhub",
        }
    }
# Integrations: new inbox messages wake one drain task for all stored meanwhile, instead of a task each
# (integrations.inbox.inbox_wake). Needs the shared cache, so it is on only with one.
INTEGRATIONS_INBOX_COALESCE = bool(CACHE_REDIS_URL) and env_bool("INTEGRATIONS_INBOX_COALESCE", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

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
}
