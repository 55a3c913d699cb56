"""The demo data model, its upload, and the demo-data / verification commands."""

import datetime
import io
import json
import random
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from blog.integrity import fingerprint, model_digest
from blog.models import Author, Comment, Post, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return Author.objects.create(name="Ada Lovelace", email="ada@example.com")


def verify(*args):
    out = io.StringIO()
    call_command("verify_data", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def seed(*args):
    call_command("seed_demo_data", *args, stdout=io.StringIO())


# --- Pages and upload ------------------------------------------------------------


def test_upload_is_stored_under_media_root(client, author, settings):
    tag = Tag.objects.create(name="ops")
    upload = SimpleUploadedFile("notes.txt", b"backup me\n", content_type="text/plain")
    response = client.post(
        "/posts/new/",
        {
            "author": author.pk,
            "title": "Release notes",
            "body": "Body",
            "tags": [tag.pk],
            "attachment": upload,
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/posts/release-notes/"
    assert list(post.tags.all()) == [tag]

    # Property 11: stored under MEDIA_ROOT, addressed by MEDIA_URL.
    stored = Path(settings.MEDIA_ROOT) / post.attachment.name
    assert stored.read_bytes() == b"backup me\n"
    assert post.attachment.name.startswith(f"attachments/{datetime.date.today():%Y/%m}/")
    assert post.attachment.url == f"/media/{post.attachment.name}"

    page = client.get(response["Location"]).content.decode()
    assert f'href="/media/{post.attachment.name}"' in page
    assert "Published “Release notes”." in page


def test_upload_over_the_limit_is_refused(client, author, settings):
    settings.MAX_UPLOAD_SIZE = 10
    upload = SimpleUploadedFile("big.txt", b"x" * 11)
    response = client.post(
        "/posts/new/", {"author": author.pk, "title": "Big", "body": "b", "attachment": upload}
    )
    assert response.status_code == 200
    assert "the limit is 10\xa0bytes" in response.content.decode()
    assert not Post.objects.exists()
    assert not (Path(settings.MEDIA_ROOT)).exists()


@pytest.mark.parametrize("name", ["page.html", "image.svg", "script.js"])
def test_active_content_uploads_are_refused(client, author, name):
    upload = SimpleUploadedFile(name, b"<script>alert(1)</script>")
    response = client.post(
        "/posts/new/", {"author": author.pk, "title": "X", "body": "b", "attachment": upload}
    )
    assert response.status_code == 200
    assert "File extension" in response.content.decode()
    assert not Post.objects.exists()


def test_slugs_are_unique_and_never_shadow_a_route(client, author):
    for _ in range(2):
        client.post("/posts/new/", {"author": author.pk, "title": "New", "body": "b"})
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["new-2", "new-3"]
    assert client.get("/posts/new/").status_code == 200  # still the form


def test_post_list_paginates_and_detail_shows_comments(client):
    seed("--rows", "300", "--seed", "1")
    listing = client.get("/posts/")
    assert listing.status_code == 200
    assert "Page 1 of 3" in listing.content.decode()
    post = Comment.objects.select_related("post").first().post
    detail = client.get(post.get_absolute_url()).content.decode()
    assert post.comments.first().body.split()[0] in detail
    assert client.get("/posts/no-such-post/").status_code == 404


@pytest.mark.parametrize("server_side_cursors", [True, False])
def test_export_streams_every_post_as_csv(client, server_side_cursors, monkeypatch):
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", not server_side_cursors)
    seed("--rows", "300", "--seed", "2")
    response = client.get("/posts/export.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "id,slug,title,author,published_at"
    assert len(lines) == Post.objects.count() + 1
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(
        Post.objects.order_by("id").values_list("id", flat=True)
    )
    assert client.post("/posts/export.csv").status_code == 405


# --- seed_demo_data ---------------------------------------------------------------


def total_rows():
    return sum(m.objects.count() for m in (Author, Tag, Post, Post.tags.through, Comment))


@pytest.mark.parametrize("rows", [3, 50, 1000])
def test_seed_creates_the_requested_number_of_rows(rows):
    seed("--rows", str(rows))
    assert total_rows() == rows
    assert Author.objects.exists() and Post.objects.exists()


def test_seed_10000_rows_is_fast():
    started = time.monotonic()
    seed("--rows", "10000", "--seed", "3")
    elapsed = time.monotonic() - started
    assert total_rows() == 10_000
    assert Comment.objects.count() > 4000
    assert Post.tags.through.objects.count() > 1000
    assert elapsed < 10, f"took {elapsed:.1f}s"


def test_seed_is_deterministic():
    seed("--rows", "500", "--seed", "7")
    first = verify("--no-media")
    seed("--rows", "500", "--seed", "7", "--clear")
    assert verify("--no-media") == first
    seed("--rows", "500", "--seed", "8", "--clear")
    assert verify("--no-media")["models"]["blog.post"] != first["models"]["blog.post"]


def test_seed_appends_without_clashing():
    seed("--rows", "200", "--seed", "1")
    seed("--rows", "200", "--seed", "1")
    assert total_rows() == 400  # the second run reuses the tags and adds comments instead
    assert Tag.objects.count() == 2
    assert Author.objects.values("email").distinct().count() == Author.objects.count()


def test_seed_attachments_are_files_under_media_root(settings):
    seed("--rows", "100", "--attachments", "3")
    names = list(Post.objects.exclude(attachment="").values_list("attachment", flat=True))
    assert len(names) == 3
    for name in names:
        assert (Path(settings.MEDIA_ROOT) / name).read_text().startswith("Attachment for ")


def test_seed_refuses_nonsense():
    with pytest.raises(CommandError, match="--rows"):
        seed("--rows", "2")


# --- verify_data --------------------------------------------------------------------


def test_verify_reports_counts_and_digests_per_model():
    seed("--rows", "400", "--attachments", "2")
    report = verify()
    assert set(report["models"]) == {
        "blog.author",
        "blog.comment",
        "blog.post",
        "blog.post_tags",
        "blog.tag",
    }
    assert report["models"]["blog.comment"]["count"] == Comment.objects.count()
    assert all(len(v["sha256"]) == 64 for v in report["models"].values())
    assert report["media"]["blog.post"]["files"] == 2
    assert report["media"]["blog.post"]["missing"] == []


def dump_empty_load(tmp_path, fmt):
    """What a SQLite -> PostgreSQL migration does: dump, empty the tables, load."""
    dump = tmp_path / f"blog.{fmt}"
    call_command("dumpdata", "blog", format=fmt, output=str(dump), stdout=io.StringIO())
    Author.objects.all().delete()
    Tag.objects.all().delete()
    assert total_rows() == 0
    call_command("loaddata", str(dump), stdout=io.StringIO())


def test_xml_dumpdata_loaddata_round_trip_keeps_every_digest(tmp_path):
    seed("--rows", "1500", "--seed", "11", "--attachments", "2")
    before = verify()
    dump_empty_load(tmp_path, "xml")
    assert verify() == before


def test_json_dumpdata_loses_microseconds_and_verify_data_catches_it(tmp_path):
    """Django's JSON serializer keeps milliseconds only: a JSON dumpdata migration
    silently changes every timestamp. verify_data is there to notice."""
    seed("--rows", "300", "--seed", "11")
    before = verify("--no-media")
    dump_empty_load(tmp_path, "json")
    after = verify("--no-media")
    assert {k: v["count"] for k, v in after["models"].items()} == {
        k: v["count"] for k, v in before["models"].items()
    }
    # Tables with a timestamp changed; the tag table and the link table did not.
    changed = {k for k in before["models"] if before["models"][k] != after["models"][k]}
    assert changed == {"blog.author", "blog.post", "blog.comment"}


def test_expect_detects_a_changed_row_and_a_missing_file(tmp_path, settings):
    seed("--rows", "300", "--attachments", "1")
    expected = tmp_path / "before.json"
    expected.write_text(json.dumps(verify()))
    verify("--expect", str(expected))  # unchanged: no error

    comment = Comment.objects.order_by("?").first()
    comment.body += "!"
    comment.save()
    attachment = Post.objects.exclude(attachment="").get().attachment
    (Path(settings.MEDIA_ROOT) / attachment.name).unlink()

    with pytest.raises(CommandError) as excinfo:
        verify("--expect", str(expected))
    message = str(excinfo.value)
    assert "models blog.comment: sha256" in message
    assert "media blog.post" in message and attachment.name in message
    assert "blog.author" not in message


texts = st.text(max_size=60)
moments = st.datetimes(
    min_value=datetime.datetime(1970, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.just(datetime.UTC),
)


@given(rows=st.lists(st.tuples(texts, texts, moments), min_size=1, max_size=12), data=st.data())
def test_digest_depends_on_content_not_on_insertion_order(rows, data):
    """Backend-independence in miniature: rows that come back in any physical order,
    with any Unicode and microsecond timestamps, hash the same; a changed field does not."""
    records = [
        dict(id=i + 1, name=name[:100], email=f"a{i}@example.com", bio=bio, joined_at=when)
        for i, (name, bio, when) in enumerate(rows)
    ]
    with transaction.atomic():
        Author.objects.bulk_create(Author(**r) for r in records)
        in_order = model_digest(Author)
        transaction.set_rollback(True)
    shuffled = list(records)
    random.Random(data.draw(st.integers())).shuffle(shuffled)
    with transaction.atomic():
        for r in shuffled:
            Author.objects.create(**r)
        assert model_digest(Author) == in_order
        victim = data.draw(st.sampled_from(records))
        Author.objects.filter(pk=victim["id"]).update(bio=victim["bio"] + "·")
        assert model_digest(Author)["sha256"] != in_order["sha256"]
        transaction.set_rollback(True)


def test_fingerprint_of_an_empty_database_is_stable():
    report = fingerprint()
    assert report["models"]["blog.post"] == {
        "count": 0,
        "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    }
