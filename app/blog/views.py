import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .forms import PostForm
from .models import Post


def post_list(request):
    posts = Post.objects.select_related("author").order_by("-published_at", "-id")
    page = Paginator(posts, 20).get_page(request.GET.get("page"))
    return render(request, "blog/post_list.html", {"page": page})


def post_detail(request, slug):
    post = get_object_or_404(Post.objects.select_related("author"), slug=slug)
    comments = post.comments.select_related("author")
    return render(
        request,
        "blog/post_detail.html",
        {"post": post, "comments": comments, "tags": post.tags.all()},
    )


@require_http_methods(["GET", "POST"])
def post_create(request):
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        post = form.save()
        messages.success(request, f"Published “{post.title}”.")
        return redirect(post)
    return render(request, "blog/post_form.html", {"form": form})


class _Echo:
    def write(self, value):
        return value


@require_safe
def post_export(request):
    """Every post as CSV, streamed: QuerySet.iterator() reads the rows in chunks
    (a server-side cursor, unless DISABLE_SERVER_SIDE_CURSORS, as behind PgBouncer's
    transaction pooling), so memory does not grow with the table."""
    writer = csv.writer(_Echo())
    rows = (
        Post.objects.select_related("author")
        .order_by("id")
        .values_list("id", "slug", "title", "author__name", "published_at")
        .iterator(chunk_size=500)
    )

    def lines():
        yield writer.writerow(["id", "slug", "title", "author", "published_at"])
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="posts.csv"'
    return response
