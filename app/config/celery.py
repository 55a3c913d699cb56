"""The Celery app: tasks run by the workers djangoops.deploy.workers starts
(``celery -A config worker``), with the broker and settings from Django's
settings (``CELERY_*``), which read them from the environment like everything else.
"""

from celery import Celery

from config.env import configure_settings_module

configure_settings_module()

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
