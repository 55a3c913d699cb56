"""Generate deterministic demo data: authors, tags, posts, post-tag links, comments.

    python manage.py seed_demo_data --rows 10000 --seed 42 [--clear] [--attachments 5]

Same seed into an empty database (or with --clear): same rows, same ids,
same `verify_data` digests.
Rows are written with bulk_create in one transaction.
"""

import datetime
import random
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from blog.models import Author, Comment, Post, Tag

FIRST = [
    "Ada",
    "Grace",
    "Linus",
    "Guido",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Katherine",
    "Tim",
    "Radia",
    "Niklaus",
    "Zoë",
    "José",
    "Søren",
    "Aiko",
    "Chidi",
    "Мария",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Torvalds",
    "van Rossum",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Johnson",
    "Berners-Lee",
    "Perlman",
    "Wirth",
    "Müller",
    "García",
    "Kierkegaard",
    "Tanaka",
    "Okafor",
    "Иванова",
]
WORDS = (
    "deploy database backup restore migration socket proxy worker cache "
    "channel static media upload health readiness gunicorn daphne redis "
    "postgres nginx systemd journald ansible idempotent rollback release "
    "café naïve façade Zürich 東京 données résumé 🚀 ✓"
).split()
TAGS = [
    "ops",
    "django",
    "python",
    "postgresql",
    "redis",
    "channels",
    "nginx",
    "systemd",
    "backups",
    "security",
    "performance",
    "testing",
    "ansible",
    "websockets",
    "static-files",
    "migrations",
    "logging",
    "tls",
    "caching",
    "deployment",
    "monitoring",
    "release",
    "rollback",
    "media",
    "unicode",
]

EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
BATCH = 1000


def plan(rows):
    """Split a row budget over the tables; post-tag links and comments take the rest."""
    authors = max(1, rows // 50)
    tags = min(len(TAGS), max(1, rows // 100))
    posts = max(1, rows // 5)
    return authors, tags, posts


class Command(BaseCommand):
    help = "Create about N rows of deterministic demo data (authors, tags, posts, comments)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rows", type=int, default=1000, help="Rows to create, all tables together."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed: same seed, same data."
        )
        parser.add_argument(
            "--clear", action="store_true", help="Delete all blog data before seeding."
        )
        parser.add_argument(
            "--attachments",
            type=int,
            default=0,
            help="Also store this many small text files under MEDIA_ROOT, attached to posts.",
        )

    def handle(self, *args, rows, seed, clear, attachments, **options):
        if rows < 3:
            raise CommandError("--rows must be at least 3 (an author, a tag and a post).")
        if attachments < 0:
            raise CommandError("--attachments cannot be negative.")
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            if clear:
                self.clear()
            created = self.seed(rng, rows, attachments)
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{n} {name}" for name, n in created.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {sum(created.values())} rows ({summary}) in {elapsed:.1f}s."
            )
        )

    @staticmethod
    def clear():
        """Empty the blog tables and restart their id sequences, so that a seed
        after --clear gives the same ids, and digests, as one into a new database."""
        tables = [m._meta.db_table for m in (Comment, Post.tags.through, Post, Tag, Author)]
        connection.ops.execute_sql_flush(
            connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
        )

    def seed(self, rng, rows, attachments):
        n_authors, n_tags, n_posts = plan(rows)
        # Offsets keep unique fields unique when seeding into a non-empty database.
        offset = (Author.objects.aggregate(n=Max("id"))["n"] or 0) + 1
        post_offset = (Post.objects.aggregate(n=Max("id"))["n"] or 0) + 1

        authors = Author.objects.bulk_create(
            [self.author(rng, offset + i) for i in range(n_authors)], batch_size=BATCH
        )
        authors = self.with_pks(Author, authors, "email")

        wanted = TAGS[:n_tags]
        existing = set(Tag.objects.filter(name__in=wanted).values_list("name", flat=True))
        Tag.objects.bulk_create([Tag(name=name) for name in wanted if name not in existing])
        tags = list(Tag.objects.filter(name__in=wanted).order_by("name"))

        posts = Post.objects.bulk_create(
            [self.post(rng, post_offset + i, rng.choice(authors)) for i in range(n_posts)],
            batch_size=BATCH,
        )
        posts = self.with_pks(Post, posts, "slug")

        Link = Post.tags.through
        links = []
        for post in posts:
            for tag in rng.sample(tags, rng.randint(0, min(3, len(tags)))):
                links.append(Link(post_id=post.pk, tag_id=tag.pk))
        Link.objects.bulk_create(links, batch_size=BATCH)

        n_comments = max(0, rows - n_authors - (len(wanted) - len(existing)) - n_posts - len(links))
        comments = []
        for _ in range(n_comments):
            post = rng.choice(posts)
            comments.append(
                Comment(
                    post_id=post.pk,
                    author_id=rng.choice(authors).pk,
                    body=self.text(rng, 8, 40),
                    created_at=post.published_at
                    + datetime.timedelta(
                        seconds=rng.randint(60, 30 * 86400), microseconds=rng.randint(0, 999_999)
                    ),
                )
            )
        Comment.objects.bulk_create(comments, batch_size=BATCH)

        for post in posts[:attachments]:
            # A fixed name (not upload_to's dated path) keeps the data deterministic.
            name = f"attachments/demo/{post.slug}.txt"
            if default_storage.exists(name):
                default_storage.delete(name)
            body = f"Attachment for {post.title}\n{self.text(rng, 20, 60)}\n"
            post.attachment.name = default_storage.save(name, ContentFile(body.encode("utf-8")))
            Post.objects.filter(pk=post.pk).update(attachment=post.attachment.name)

        return {
            "authors": len(authors),
            "tags": len(wanted) - len(existing),
            "posts": len(posts),
            "post-tag links": len(links),
            "comments": len(comments),
        }

    @staticmethod
    def with_pks(model, objs, unique_field):
        """bulk_create sets pks on PostgreSQL and SQLite >= 3.35; fetch them otherwise."""
        if all(obj.pk is not None for obj in objs):
            return objs
        keys = [getattr(obj, unique_field) for obj in objs]
        by_key = model.objects.in_bulk(keys, field_name=unique_field)
        return [by_key[key] for key in keys]

    @staticmethod
    def text(rng, low, high):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))

    def author(self, rng, n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        return Author(
            name=name,
            email=f"{slugify(name) or 'author'}.{n}@example.com",
            bio=self.text(rng, 5, 25),
            joined_at=EPOCH
            + datetime.timedelta(days=rng.randint(0, 365), microseconds=rng.randint(0, 999_999)),
        )

    def post(self, rng, n, author):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
        paragraphs = [self.text(rng, 20, 80) for _ in range(rng.randint(1, 4))]
        return Post(
            author=author,
            title=title[:200],
            slug=f"{slugify(title)[:180] or 'post'}-{n}",
            body="\n\n".join(paragraphs),
            published_at=EPOCH
            + datetime.timedelta(
                days=rng.randint(0, 700),
                seconds=rng.randint(0, 86399),
                microseconds=rng.randint(0, 999_999),
            ),
        )
