"""A small blog: authors write posts, posts have tags and comments.

It exists to give the deploy real data to move and back up: foreign keys,
a many-to-many, text with any Unicode, timestamps and an uploaded file.
"""

from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    bio = models.TextField(blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# No HTML or SVG: the proxy serves uploads from the site's own origin.
ATTACHMENT_EXTENSIONS = ["txt", "md", "csv", "pdf", "png", "jpg", "jpeg", "gif", "webp"]


def attachment_path(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    body = models.TextField()
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Stored under MEDIA_ROOT; served at MEDIA_URL by the reverse proxy.
    attachment = models.FileField(
        upload_to=attachment_path,
        blank=True,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)],
    )

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("blog:post-detail", kwargs={"slug": self.slug})


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment {self.pk} on {self.post_id}"
