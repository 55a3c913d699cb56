import hmac
import json
from functools import wraps

from django.conf import settings
from django.core.validators import slug_re
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from blog.models import Author, Comment, Post

from . import health, runs
from .release import current_release


def home(request):
    counts = {
        "authors": Author.objects.count(),
        "posts": Post.objects.count(),
        "comments": Comment.objects.count(),
    }
    latest = Post.objects.select_related("author")[:5]
    return render(request, "core/home.html", {"counts": counts, "latest": latest})


def realtime(request):
    """A page that talks to /ws/echo/ and /ws/notifications/ (static/js/realtime.js)."""
    return render(request, "core/realtime.html")


# --- Health ------------------------------------------------------------------
# JSON, GET/HEAD only, Cache-Control: no-store (never_cache), no exception text.
# Exempt from SECURE_SSL_REDIRECT (settings.SECURE_REDIRECT_EXEMPT) so probes
# over plain HTTP on the app socket get an answer, not a redirect.


def _report(names):
    ok, body = health.run_checks(names)
    # The release too: a deploy's health gate checks the new code answers.
    return JsonResponse({**body, "release": current_release()}, status=200 if ok else 503)


@never_cache
@require_safe
def liveness(request):
    """The process is up and answers HTTP; touches no dependency. Names the
    release it serves, so a deploy can see the switch happen."""
    return JsonResponse({"status": "ok", "release": current_release()})


@never_cache
@require_safe
def health_db(request):
    return _report(["database"])


@never_cache
@require_safe
def health_redis(request):
    """The Redis-backed services: the cache and the channel layer."""
    return _report(["cache", "channel_layer"])


@never_cache
@require_safe
def readiness(request):
    """Everything a request may need: database, cache and channel layer."""
    return _report(["database", "cache", "channel_layer"])


# --- Background tasks over HTTP ---------------------------------------------
# For a caller holding TASKS_API_TOKEN (a deploy test, an operator's script):
# enqueue record_run tasks and read back what the workers recorded. Off (404)
# when the token is not set; a bearer token, so no session and no CSRF.


def _token_required(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        expected = settings.TASKS_API_TOKEN
        if not expected:
            raise Http404
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not hmac.compare_digest(sent.encode(), expected.encode()):
            return JsonResponse({"error": "send Authorization: Bearer <TASKS_API_TOKEN>"}, status=403)
        return view(request, *args, **kwargs)

    return checked


@csrf_exempt
@never_cache
@require_POST
@_token_required
def tasks(request):
    """POST {"token": "<slug>", "count": n, "seconds": s} → 202 {"enqueued": n}."""
    try:
        body = json.loads(request.body or b"{}")
        token = str(body["token"])
        count = int(body.get("count", 1))
        seconds = float(body.get("seconds", 0))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'send JSON: {"token": "<slug>", "count": <1..%d>, "seconds": <0..60>}' % runs.MAX_COUNT}, status=400)
    # A slug, as the report's URL (tasks/<slug:token>/) takes it.
    if not slug_re.match(token) or not 1 <= count <= runs.MAX_COUNT or not 0 <= seconds <= 60:
        return JsonResponse({"error": f"token must be a slug, count 1..{runs.MAX_COUNT}, seconds 0..60"}, status=400)
    return JsonResponse({"enqueued": runs.enqueue(token, count, seconds), "token": token}, status=202)


@csrf_exempt
@never_cache
@require_POST
@_token_required
def error_check(request):
    """POST → an unhandled exception, for checking that errors reach the tracker (500)."""
    raise RuntimeError("djangoops error-tracking check: this exception is raised on purpose")


@never_cache
@require_safe
@_token_required
def task_report(request, token):
    """GET → the runs recorded for the token (core.runs.report)."""
    return JsonResponse(runs.report(token))
