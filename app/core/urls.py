from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("realtime/", views.realtime, name="realtime"),
    path("health/", views.liveness, name="health"),
    path("health/db/", views.health_db, name="health-db"),
    path("health/redis/", views.health_redis, name="health-redis"),
    path("readiness/", views.readiness, name="readiness"),
    path("tasks/", views.tasks, name="tasks"),
    # Same bearer token as tasks/: raises on purpose, to check error tracking end to end.
    path("ops/error/", views.error_check, name="error-check"),
    path("tasks/<slug:token>/", views.task_report, name="task-report"),
]
