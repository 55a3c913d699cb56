from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

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
