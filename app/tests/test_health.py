"""Health endpoints in-process with the test settings (SQLite, in-memory layer,
local-memory cache), and with Redis really unreachable (a closed local port).

The database-down case runs against real production settings under gunicorn
in test_live_servers.py.
"""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import health
from core.release import current_release

from .conftest import REDIS_PASSWORD, closed_port

HEALTH_URLS = ["/health/", "/health/db/", "/health/redis/", "/readiness/"]


def assert_never_cached(response):
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "max-age=0" in cache_control


def test_liveness_touches_no_dependency(client, django_assert_num_queries):
    # No django_db mark: any database access would raise here.
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "release": None}
    assert response["Content-Type"] == "application/json"
    assert_never_cached(response)


@pytest.fixture
def deployed_release(settings, tmp_path):
    """A REVISION file as the deploy writes it, next to a stand-in BASE_DIR."""
    (tmp_path / "REVISION").write_text("20261122031502-3f9c2a1be0d4\nlocal:/src sha256:3f9c\n")
    settings.BASE_DIR = tmp_path
    current_release.cache_clear()
    yield "20261122031502-3f9c2a1be0d4"
    current_release.cache_clear()


def test_liveness_names_the_release_from_revision(client, deployed_release):
    response = client.get("/health/")
    assert response.json() == {"status": "ok", "release": deployed_release}


@pytest.mark.django_db
def test_readiness_names_the_release_from_revision(client, deployed_release):
    response = client.get("/readiness/")
    assert response.json()["release"] == deployed_release


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "checks"),
    [
        ("/health/db/", ["database"]),
        ("/health/redis/", ["cache", "channel_layer"]),
        ("/readiness/", ["database", "cache", "channel_layer"]),
    ],
)
def test_dependency_checks_healthy(client, url, checks):
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(checks, True), "release": None}
    assert_never_cached(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", HEALTH_URLS)
def test_head_allowed_post_refused(client, url):
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.fixture(
    params=["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"]
)
def redis_unreachable(settings, request):
    """Cache and channel layer (both backends) at a closed local port: real connection errors."""
    url = f"redis://default:{REDIS_PASSWORD}@127.0.0.1:{closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": [url],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": request.param,
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
        }
    }
    settings.REDIS_SOCKET_TIMEOUT = 1
    return url


def assert_safe_failure(response, failed):
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failed"] == failed
    assert all(body["checks"][name] is False for name in failed)
    text = response.content.decode()
    # Names only: no exception text, no address, no secret.
    for leak in (REDIS_PASSWORD, "Traceback", "Error", "refused", "127.0.0.1"):
        assert leak not in text
    assert_never_cached(response)


def test_redis_down(client, redis_unreachable, caplog):
    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = client.get("/health/redis/")
    assert_safe_failure(response, ["cache", "channel_layer"])
    # The reason is in the server log, for the operator, without the password.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Health check 'cache' failed: ConnectionError" in logged
    assert "Health check 'channel_layer' failed" in logged
    assert REDIS_PASSWORD not in logged


@pytest.mark.django_db
def test_readiness_names_only_what_failed(client, redis_unreachable):
    response = client.get("/readiness/")
    assert_safe_failure(response, ["cache", "channel_layer"])
    assert response.json()["checks"]["database"] is True


def test_liveness_stays_up_when_redis_is_down(client, redis_unreachable):
    assert client.get("/health/").status_code == 200


@given(st.dictionaries(st.sampled_from(list(health.CHECKS)), st.booleans(), min_size=1))
def test_summary_fails_exactly_the_failed_checks(results):
    """Properties 17/18: 200 only when every check passed; otherwise the failed names, in order."""
    ok, body = health.summarize(results)
    assert ok is all(results.values())
    assert body["checks"] == results
    if ok:
        assert body == {"status": "ok", "checks": results}
    else:
        assert body["status"] == "error"
        assert body["failed"] == [name for name, passed in results.items() if not passed]
