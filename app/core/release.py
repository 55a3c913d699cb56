"""Which release this process serves.

The deploy (djangoops.deploy.django_app) writes ``REVISION`` next to manage.py: the
release id on the first line, its source on the second. It is read once per process,
so after a reload each worker reports the release it actually imported. ``None`` when
there is no such file (development, tests).
"""

from functools import cache

from django.conf import settings


@cache
def current_release():
    try:
        first_line = (settings.BASE_DIR / "REVISION").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None
    return first_line.strip() or None
