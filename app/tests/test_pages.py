"""Pages, static references and the custom error pages, with DEBUG off."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_debug_is_off_in_tests(settings):
    assert settings.DEBUG is False


def test_home_page_uses_its_own_static_files(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/static/css/site.css"' in html
    assert 'src="/static/js/site.js"' in html
    assert 'data-probe="/readiness/"' in html


@pytest.mark.parametrize(
    ("path", "marker"),
    [("/static/css/site.css", b"--accent"), ("/static/js/site.js", b"data-probe")],
)
def test_static_files_are_served(client, path, marker):
    response = client.get(path)
    assert response.status_code == 200
    assert marker in b"".join(response.streaming_content)


def test_realtime_page_loads_its_script(client):
    response = client.get("/realtime/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="/static/js/realtime.js"' in html
    assert 'data-socket="/ws/echo/"' in html
    assert 'data-socket="/ws/notifications/"' in html


def test_404_page(client):
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "/static/css/site.css" in html  # the site's own layout
    assert "Using the URLconf" not in html  # Django's DEBUG page


@pytest.mark.urls("tests.error_urls")
def test_500_page_hides_the_error_and_logs_it(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-errors/500/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Server error" in html
    for leak in ("SECRET-IN-TRACEBACK", "Traceback", "RuntimeError"):
        assert leak not in html
    # Property 12: the full stack trace goes to the log.
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info and record.exc_info[0] is RuntimeError


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize(
    ("path", "status", "headline"),
    [("/test-errors/403/", 403, "Forbidden"), ("/test-errors/400/", 400, "Bad request")],
)
def test_403_and_400_pages(client, path, status, headline):
    response = client.get(path)
    assert response.status_code == status
    assert headline in response.content.decode()


def test_csrf_failure_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/posts/new/", {"title": "x"})
    assert response.status_code == 403
    assert "Form expired or sent from elsewhere" in response.content.decode()


def test_disallowed_host_gets_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
