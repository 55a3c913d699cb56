import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from blog.integrity import differences, fingerprint
from blog.models import Post


class Command(BaseCommand):
    help = (
        "Print, as JSON, each model's row count and a SHA-256 of its rows (ordered by "
        "primary key, serialised canonically, so the same data gives the same digest on "
        "SQLite and PostgreSQL), plus a digest of the uploaded files. With --expect, "
        "compare with an earlier report and exit 1 if anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "labels",
            nargs="*",
            default=["blog"],
            help="App labels or app_label.Model (default: blog).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--no-media", action="store_true", help="Skip hashing files under MEDIA_ROOT."
        )
        parser.add_argument(
            "--expect",
            type=Path,
            metavar="REPORT.json",
            help="A report from an earlier run; exit 1 listing every difference.",
        )

    def handle(self, *args, labels, database, no_media, expect, **options):
        try:
            report = fingerprint(labels, using=database, media_models=() if no_media else (Post,))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
        if expect is None:
            return
        try:
            expected = json.loads(expect.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {expect}: {exc}") from exc
        lines = differences(expected, report)
        if lines:
            raise CommandError(f"Data differs from {expect}:\n  " + "\n  ".join(lines))
        self.stderr.write(self.style.SUCCESS(f"Data matches {expect}."))
