"""The project's URLs plus views that fail on purpose (used only by tests)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("kaboom: SECRET-IN-TRACEBACK")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("bad input")


urlpatterns = [
    path("test-errors/500/", boom),
    path("test-errors/403/", forbidden),
    path("test-errors/400/", suspicious),
    *project_urlpatterns,
]
