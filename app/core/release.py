"""Which release this process serves.

The deploy (djangoops.deploy.django_app) writes ``REVISION`` next to manage.py: the
release id on the first line, its source on the second. It is read once per process,
so after a reload each worker reports the release it actually imported. ``None`` when
there is no such file (development, tests).
"""

from functools import cache

from django.conf import settings


def read_release(base_dir):
    """The release id in base_dir/REVISION, or None (settings use it before Django is set up)."""
    try:
        first_line = (base_dir / "REVISION").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None
    return first_line.strip() or None


@cache
def current_release():
    return read_release(settings.BASE_DIR)
