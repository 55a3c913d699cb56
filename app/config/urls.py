from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("posts/", include("blog.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.DEBUG:
    # In production the reverse proxy serves MEDIA_ROOT at MEDIA_URL.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
