from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.post_list, name="post-list"),
    path("new/", views.post_create, name="post-create"),
    path("export.csv", views.post_export, name="post-export"),
    path("<slug:slug>/", views.post_detail, name="post-detail"),
]
