"""Settings come from the environment; nothing here needs editing to deploy.

DATABASE_URL    sqlite:///path or postgres://user:pass@host:port/db (default: var/grassroots.sqlite3)
SECRET_KEY      required when DEBUG is off, except for the embedded demo (which generates one in var/)
ALLOWED_HOSTS   comma-separated (default: 127.0.0.1,localhost)
DEBUG           "1" to turn on; off unless asked for
PROTECT_KEY     key that protects ID numbers at rest (defaults to one derived from SECRET_KEY)
CACHE_URL       redis://host:6379/0 for Valkey/Redis (pip install redis); default: the database's cache table
DATABASE_REPLICA_URL  postgres://… of a streaming replica: heavy read-only pages read from it (core/db_router.py)
"""

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR", Path.cwd() / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # The embedded demo keeps a generated key beside its SQLite database so that a
    # restart does not log everyone out; a real deployment sets SECRET_KEY.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "grassroots.core",
    "grassroots.audit",
    "grassroots.areas",
    "grassroots.access",
    "grassroots.spreadsheets",
    "grassroots.points",
    "grassroots.catalogue",
    "grassroots.claims",
    "grassroots.settlement",
    "grassroots.ledger",
    "grassroots.boards",
    "grassroots.shop",
    "grassroots.demands",
    "grassroots.demands.open311",
    "grassroots.party",
    "grassroots.members",
    "grassroots.meetings",
    "grassroots.development",
    "grassroots.neworgs",
    "grassroots.pairing",
    "grassroots.volunteers",
    "grassroots.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's SessionMiddleware, renewing the idle clock at most once a minute and never failing a response.
    "grassroots.access.middleware.IdleSessionMiddleware",
    "grassroots.core.errors.ApiErrorMiddleware",  # under /api/ every error answer is JSON
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "grassroots.core.errors.UnstorableInputMiddleware",  # a NUL in a parameter: 422 / 400, never a query
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.access.middleware.CurrentAreaMiddleware",
]

ROOT_URLCONF = "grassroots.urls"
WSGI_APPLICATION = "grassroots.wsgi.application"

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
                "django.template.context_processors.i18n",
                "grassroots.access.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'grassroots.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection per request costs ~20x (PERFORMANCE.md).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test process, so that parallel runs on one server do not collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the board be read while a grid worker writes; IMMEDIATE avoids
        # "database is locked" upgrades in the middle of a write transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}

# A streaming replica of the primary (docs/deploy.md): the pages marked core.db_router.reads_from_replica read
# from it; writes, transactions and everything else stay on the primary.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL 只能与 PostgreSQL 的 DATABASE_URL 一起使用")
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"].strip(),
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # A replica out of reach must not hold a page for long: the page then reads from the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests read "the replica" from the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["grassroots.core.db_router.ReplicaRouter"]


def _caches(url: str) -> dict:
    """One cache shared by every process and machine (import progress, anything that must agree across
    workers): the database's table ``grassroots_cache`` (made by `grassroots migrate`) unless CACHE_URL
    names Valkey/Redis (redis:// or rediss://, needs `pip install redis`)."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "grassroots_cache",
                "KEY_PREFIX": "grassroots"}
    scheme = url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss", "valkey", "valkeys"}:
        if importlib.util.find_spec("redis") is None:
            raise ImproperlyConfigured(f"CACHE_URL 是 {scheme}://…，但没有安装 redis 包：请先运行 pip install redis")
        location = ("rediss://" if scheme.endswith("s") else "redis://") + url.split("://", 1)[1]
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
                "KEY_PREFIX": "grassroots"}
    if scheme == "locmem":  # one process only (a laptop): every worker would count on its own
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"CACHE_URL 无法识别：{scheme}://…（可用 redis://、rediss://、locmem://，或不设置以使用数据库）")


CACHES = {"default": _caches(os.environ.get("CACHE_URL", "").strip())}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = ["grassroots.access.backends.UsernameOrMobileBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "grassroots.access.passwords.CharacterClassesValidator"},
]

# MLPS level 2: idle sessions end after 30 minutes. Activity renews the clock: IdleSessionMiddleware
# (access/middleware.py) writes the session at most once a minute instead of on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("HTTPS")
CSRF_COOKIE_SECURE = _env_bool("HTTPS")
CSRF_FAILURE_VIEW = "grassroots.core.errors.csrf_failure"  # a Chinese page (JSON under /api/)
LOGIN_LOCKOUT_FAILURES = 5
LOGIN_LOCKOUT_MINUTES = 15
# One client address (X-Real-IP behind the proxy): 10 failed log-ins within 15 minutes, over any accounts,
# stop log-ins from it for 15 minutes.
LOGIN_ADDRESS_FAILURES = 10
LOGIN_ADDRESS_WINDOW_MINUTES = 15
LOGIN_ADDRESS_BLOCK_MINUTES = 15

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Stored idempotent replies (core/idempotency.py) may hold full mobiles shown to editors: the scheduled
# `grassroots demands-tick` deletes them this many days after they were written.
IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("IDEMPOTENCY_KEEP_DAYS", "7"))

# Uploaded registers hold ID numbers in the clear: kept 0600 outside every served folder, only while
# their import runs (core/storage.py).
PRIVATE_UPLOAD_ROOT = Path(os.environ.get("PRIVATE_UPLOAD_ROOT", VAR_DIR / "private" / "uploads"))
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: a 100,000-row register is a few MB; refuse anything far beyond.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 40 * 1024 * 1024))
# Background work (imports, scheduled jobs) runs on the task queue (django-q2, core/tasks.py): its queue is a table
# in this database, so the web nodes and `grassroots worker` share it with no other server. TASKS_RUN_INLINE runs
# each task in the process that asks for it instead (tests, a shell).
TASKS_RUN_INLINE = _env_bool("TASKS_RUN_INLINE")
TASK_TIMEOUT_SECONDS = int(os.environ.get("TASK_TIMEOUT_SECONDS", "1800"))
Q_CLUSTER = {
    "name": "grassroots",
    "orm": "default",
    "workers": int(os.environ.get("TASK_WORKERS", "2")),
    "timeout": TASK_TIMEOUT_SECONDS,
    # A task whose worker died is handed out again after this long (it must be longer than the timeout).
    "retry": TASK_TIMEOUT_SECONDS + 60,
    "max_attempts": 3,
    "ack_failures": True,  # a task that raised is recorded as failed, not handed out again
    "save_limit": 2000,
    "catch_up": False,  # a worker that was down runs a missed scheduled job once, not once per missed slot
    "poll": float(os.environ.get("TASK_POLL_SECONDS", "0.5")),
    "label": "后台任务",
    "log_level": os.environ.get("LOG_LEVEL", "INFO"),
}
# A running import writes a heartbeat; one whose process died (or whose heartbeat is this old) is
# marked failed, and its upload deleted, when a page asks about it.
IMPORT_HEARTBEAT_SECONDS = int(os.environ.get("IMPORT_HEARTBEAT_SECONDS", "15"))
IMPORT_STALE_SECONDS = int(os.environ.get("IMPORT_STALE_SECONDS", "120"))
# An export of more households than this is built by the worker (a township, a county); its file is kept
# EXPORT_KEEP_HOURS for the person who asked, then deleted.
EXPORT_INLINE_MAX_HOUSEHOLDS = int(os.environ.get("EXPORT_INLINE_MAX_HOUSEHOLDS", "3000"))
EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "24"))
# A refused import's problem report copies the refused rows (names, ID numbers): deleted this long after the import.
IMPORT_REPORT_KEEP_DAYS = int(os.environ.get("IMPORT_REPORT_KEEP_DAYS", "7"))
# A job no worker has started after this long is failed with a message that names the likely cause.
IMPORT_QUEUED_STALE_SECONDS = int(os.environ.get("IMPORT_QUEUED_STALE_SECONDS", str(6 * 3600)))

PROTECT_KEY = os.environ.get("PROTECT_KEY", "")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# No inline script anywhere (behaviour lives in static JS: grassroots/app.js and each app's files), and no
# eval: htmx runs with allowEval false (base.html). Styles keep 'unsafe-inline': the self-contained 500/400
# page and the print font's @font-face (its URL comes from {% url %}) are <style> blocks, and many templates
# carry small style="..." attributes; a style cannot run script, and script-src stays strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"grassroots": {"level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True}},
}
TRUST_X_REAL_IP = _env_bool("TRUST_X_REAL_IP")
