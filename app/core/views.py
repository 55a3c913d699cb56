from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from blog.models import Author, Comment, Post

from . import health
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
