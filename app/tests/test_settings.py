"""Settings per environment, read through python-decouple.

Seed 000 properties: 1 (database per environment), 2 (inheritance), 3 (production
security), 6 (environment variables and defaults), 7 (channel layer per environment).
"""

import logging.handlers
import re
import string
from urllib.parse import quote

import pytest
import redis
from channels_redis.utils import create_pool
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import REQUIRED_PRODUCTION_VARIABLES, production_environ
from .settings_loader import load_settings, settings_module_for


@pytest.fixture
def prod_env(tmp_path):
    return production_environ(tmp_path)


# --- Selection ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "module"),
    [
        (None, "config.settings.development"),
        ("development", "config.settings.development"),
        ("production", "config.settings.production"),
        (" Production ", "config.settings.production"),
        ("test", "config.settings.test"),
    ],
)
def test_django_environment_selects_the_settings_module(value, module):
    environ = {} if value is None else {"DJANGO_ENVIRONMENT": value}
    assert settings_module_for(environ) == module


def test_unknown_environment_is_refused():
    with pytest.raises(ImproperlyConfigured, match="staging"):
        settings_module_for({"DJANGO_ENVIRONMENT": "staging"})


# --- Development --------------------------------------------------------------


def test_development_needs_no_service_and_has_debug_on():
    s = load_settings("development", {})
    assert s["DEBUG"] is True
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(s["DATABASES"]["default"]["NAME"]).endswith("db.sqlite3")
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert s["CACHES"]["default"]["BACKEND"].endswith("locmem.LocMemCache")


def test_environment_modules_inherit_base():
    base = load_settings("base", {})
    for environment in ("development", "test"):
        derived = load_settings(environment, {})
        for name in ("INSTALLED_APPS", "MIDDLEWARE", "TEMPLATES", "SECURE_REDIRECT_EXEMPT"):
            assert derived[name] == base[name], (environment, name)


# --- Production ---------------------------------------------------------------


def test_production_uses_postgresql_redis_and_whitenoise(prod_env, tmp_path):
    prod_env.update(
        CHANNEL_LAYER_CAPACITY="2000",
        CHANNEL_LAYER_EXPIRY="30",
        CHANNEL_LAYER_MAX_CONNECTIONS="500",
        DATABASE_CONN_MAX_AGE="120",
    )
    s = load_settings("production", prod_env)

    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["CONN_MAX_AGE"] == 120
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["connect_timeout"] == 5
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is False

    # Behind PgBouncer's transaction pooling (the collection sets it then).
    prod_env["DATABASE_DISABLE_SERVER_SIDE_CURSORS"] = "true"
    assert load_settings("production", prod_env)["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    del prod_env["DATABASE_DISABLE_SERVER_SIDE_CURSORS"]

    layer = s["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert layer["CONFIG"]["hosts"][0]["address"] == prod_env["REDIS_URL"]
    assert layer["CONFIG"]["hosts"][0]["max_connections"] == 500

    prod_env["CHANNEL_LAYER_BACKEND"] = "core"
    layer = load_settings("production", prod_env)["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"]["hosts"][0]["address"] == prod_env["REDIS_URL"]
    assert layer["CONFIG"]["capacity"] == 2000
    assert layer["CONFIG"]["expiry"] == 30

    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == [prod_env["REDIS_URL"]]

    assert s["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in s["MIDDLEWARE"]
    assert s["STATIC_ROOT"] == str(tmp_path / "static")
    assert s["MEDIA_ROOT"] == str(tmp_path / "media")


def test_production_security_settings(prod_env):
    """Property 3, and what Django's deployment checklist asks for."""
    s = load_settings("production", prod_env)
    assert s["DEBUG"] is False
    assert len(s["SECRET_KEY"]) >= 50
    assert s["ALLOWED_HOSTS"] == ["example.com", "localhost", "testserver"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://example.com"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is True
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert "SILENCED_SYSTEM_CHECKS" not in s or not s["SILENCED_SYSTEM_CHECKS"]


@pytest.mark.parametrize("path", ["health/", "health/db/", "health/redis/", "readiness/"])
def test_health_paths_are_exempt_from_the_ssl_redirect(prod_env, path):
    s = load_settings("production", prod_env)
    # SecurityMiddleware matches the path without its leading slash.
    assert any(re.search(pattern, path) for pattern in s["SECURE_REDIRECT_EXEMPT"])


@pytest.mark.parametrize("path", ["", "posts/", "admin/", "realtime/", "static/css/site.css"])
def test_other_paths_are_redirected(prod_env, path):
    s = load_settings("production", prod_env)
    assert not any(re.search(pattern, path) for pattern in s["SECURE_REDIRECT_EXEMPT"])


def test_upload_limits_come_from_the_environment(prod_env):
    prod_env.update(
        DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE="1000",
        DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE="2000",
        DJANGO_MAX_UPLOAD_SIZE="3000",
    )
    s = load_settings("production", prod_env)
    assert (s["DATA_UPLOAD_MAX_MEMORY_SIZE"], s["FILE_UPLOAD_MAX_MEMORY_SIZE"]) == (1000, 2000)
    assert s["MAX_UPLOAD_SIZE"] == 3000


def test_os_environment_wins_over_the_env_file(prod_env, tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text("DJANGO_SECRET_KEY=from-the-file\nDJANGO_LOG_LEVEL=warning\n")
    prod_env.update(DJANGO_ENV_FILE=str(env_file), DJANGO_SECRET_KEY="from-the-environment")
    s = load_settings("production", prod_env)
    assert s["SECRET_KEY"] == "from-the-environment"
    assert s["LOG_LEVEL"] == "WARNING"  # only in the file


def test_env_file_alone_is_enough(prod_env, tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in prod_env.items()))
    s = load_settings("production", {"DJANGO_ENV_FILE": str(env_file)})
    assert s["SECRET_KEY"] == prod_env["DJANGO_SECRET_KEY"]


# --- Missing or invalid production variables ---------------------------------


@pytest.mark.parametrize("name", REQUIRED_PRODUCTION_VARIABLES)
@pytest.mark.parametrize("value", [None, "", "  "])
def test_missing_required_variable_names_it(prod_env, name, value):
    prod_env[name] = value
    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings("production", {k: v for k, v in prod_env.items() if v is not None})
    message = str(excinfo.value)
    assert name in message
    assert ".env.example" in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DJANGO_STATIC_ROOT", "relative/static", "absolute"),
        ("DJANGO_MEDIA_ROOT", "media", "absolute"),
        ("REDIS_URL", "http://127.0.0.1:6379/0", "REDIS_URL"),
        ("CHANNEL_LAYER_BACKEND", "kafka", "CHANNEL_LAYER_BACKEND must be pubsub or core"),
        ("CHANNEL_LAYER_MAX_CONNECTIONS", "many", "CHANNEL_LAYER_MAX_CONNECTIONS"),
        ("DJANGO_SECURE_SSL_REDIRECT", "perhaps", "DJANGO_SECURE_SSL_REDIRECT"),
        ("DJANGO_LOG_LEVEL", "LOUD", "DJANGO_LOG_LEVEL"),
        ("DJANGO_ALLOWED_HOSTS", ",", "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_invalid_values_are_refused_by_name(prod_env, name, value, expected):
    prod_env[name] = value
    with pytest.raises(ImproperlyConfigured, match=expected):
        load_settings("production", prod_env)


def test_core_channel_layer_refuses_a_bad_capacity_by_name(prod_env):
    prod_env.update(CHANNEL_LAYER_BACKEND="core", CHANNEL_LAYER_CAPACITY="lots")
    with pytest.raises(ImproperlyConfigured, match="CHANNEL_LAYER_CAPACITY"):
        load_settings("production", prod_env)


def test_bad_database_url_error_does_not_echo_the_password(prod_env):
    prod_env["DATABASE_URL"] = "postgress://app:hunter2-secret@db/app"
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as excinfo:
        load_settings("production", prod_env)
    assert "hunter2-secret" not in str(excinfo.value)


TRUTHY = ["1", "true", "True", "yes", "on", "Y", "t"]
FALSY = ["0", "false", "False", "no", "off", "n", "f", ""]


@given(value=st.sampled_from(TRUTHY + FALSY))
@settings(max_examples=30)
def test_debug_cannot_be_turned_on_in_production(value, tmp_path_factory):
    environ = production_environ(tmp_path_factory.mktemp("p"), DJANGO_DEBUG=value)
    if value in TRUTHY:
        with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
            load_settings("production", environ)
    else:
        assert load_settings("production", environ)["DEBUG"] is False


# --- Property-based: what goes in comes out, for any valid value ---------------

hostnames = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}\Z")
secretish = st.text(
    alphabet=string.ascii_letters + string.digits + "!#$%&()*+,-.;<=>?@[]^_{|}~:/ ",
    min_size=1,
    max_size=40,
)


@given(
    user=st.from_regex(r"\A[a-z_][a-z0-9_]{0,15}\Z"),
    password=secretish,
    host=hostnames,
    port=st.integers(1, 65535),
    name=st.from_regex(r"\A[a-z_][a-z0-9_]{0,30}\Z"),
    max_age=st.integers(0, 3600),
)
@settings(max_examples=100)
def test_database_url_round_trips(user, password, host, port, name, max_age, tmp_path_factory):
    """Property 1: any PostgreSQL URL (password percent-encoded) configures the same database."""
    url = f"postgres://{user}:{quote(password, safe='')}@{host}:{port}/{name}"
    environ = production_environ(
        tmp_path_factory.mktemp("p"), DATABASE_URL=url, DATABASE_CONN_MAX_AGE=str(max_age)
    )
    db = load_settings("production", environ)["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        user,
        password,
        host,
        port,
        name,
    )
    assert db["CONN_MAX_AGE"] == max_age
    assert db["CONN_HEALTH_CHECKS"] is True


@given(
    username=st.one_of(st.just(""), st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z")),
    password=secretish,
    host=hostnames,
    port=st.integers(1, 65535),
    db=st.integers(0, 15),
    unix=st.booleans(),
)
@settings(max_examples=100)
def test_redis_url_reaches_both_clients_intact(
    username, password, host, port, db, unix, tmp_path_factory
):
    """Property 7: whatever REDIS_URL holds (user, password, TCP or unix socket), the
    channel layer's pool and the cache's client both connect with exactly that."""
    # Commas and semicolons stay raw: Django must not split the URL on them.
    userinfo = f"{quote(username, safe='')}:{quote(password, safe=',;')}@"
    if unix:
        url = f"unix://{userinfo}/run/redis/redis-server.sock?db={db}"
        expected = {"path": "/run/redis/redis-server.sock"}
    else:
        url = f"redis://{userinfo}{host}:{port}/{db}"
        expected = {"host": host, "port": port}
    expected.update(password=password, db=db)
    if username:
        expected["username"] = username

    environ = production_environ(tmp_path_factory.mktemp("p"), REDIS_URL=url)
    s = load_settings("production", environ)

    layer_pool = create_pool(s["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"][0])
    assert expected.items() <= layer_pool.connection_kwargs.items()
    assert layer_pool.connection_kwargs["socket_connect_timeout"] == 3

    cache_conf = s["CACHES"]["default"]
    cache = RedisCache(cache_conf["LOCATION"], {"OPTIONS": cache_conf["OPTIONS"]})
    assert cache._cache._servers == [url]
    cache_pool = redis.ConnectionPool.from_url(url, **cache_conf["OPTIONS"])
    assert expected.items() <= cache_pool.connection_kwargs.items()


@given(hosts=st.lists(hostnames, min_size=1, max_size=5), spaces=st.sampled_from(["", " "]))
@settings(max_examples=50)
def test_allowed_hosts_and_origins_are_comma_separated(hosts, spaces, tmp_path_factory):
    """Property 6: Csv variables arrive as lists, whitespace stripped."""
    origins = [f"https://{h}" for h in hosts]
    environ = production_environ(
        tmp_path_factory.mktemp("p"),
        DJANGO_ALLOWED_HOSTS=f",{spaces}".join(hosts),
        DJANGO_CSRF_TRUSTED_ORIGINS=f",{spaces}".join(origins),
    )
    s = load_settings("production", environ)
    assert s["ALLOWED_HOSTS"] == hosts
    assert s["CSRF_TRUSTED_ORIGINS"] == origins


@given(
    missing=st.sets(st.sampled_from(REQUIRED_PRODUCTION_VARIABLES), min_size=1),
)
@settings(max_examples=40)
def test_any_missing_required_variable_fails(missing, tmp_path_factory):
    """Property 6: without any set of required variables, start fails naming one."""
    environ = production_environ(tmp_path_factory.mktemp("p"))
    for name in missing:
        del environ[name]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings("production", environ)
    assert any(name in str(excinfo.value) for name in missing)


# --- Logging ------------------------------------------------------------------


def test_production_logs_to_stderr_only_by_default(prod_env):
    logging_conf = load_settings("production", prod_env)["LOGGING"]
    assert logging_conf["root"]["handlers"] == ["console"]
    assert logging_conf["handlers"]["console"]["class"] == "logging.StreamHandler"


@pytest.mark.parametrize(
    ("max_bytes", "handler_class"),
    [(None, logging.handlers.RotatingFileHandler), ("0", logging.handlers.WatchedFileHandler)],
)
def test_optional_log_file(prod_env, tmp_path, max_bytes, handler_class):
    prod_env["DJANGO_LOG_FILE"] = str(tmp_path / "django.log")
    if max_bytes is not None:
        prod_env["DJANGO_LOG_FILE_MAX_BYTES"] = max_bytes
    logging_conf = load_settings("production", prod_env)["LOGGING"]
    assert logging_conf["root"]["handlers"] == ["console", "file"]
    handler = logging_conf["handlers"]["file"]
    assert handler["class"] == f"logging.handlers.{handler_class.__name__}"
    assert handler["filename"] == str(tmp_path / "django.log")
    # Production's file handler must not leak into the shared base dict.
    assert load_settings("base", {})["LOGGING"]["root"]["handlers"] == ["console"]
