"""Settings package: ``base`` plus one module per environment.

manage.py, wsgi.py and asgi.py pick ``config.settings.<DJANGO_ENVIRONMENT>``
unless DJANGO_SETTINGS_MODULE is set explicitly (see config/env.py).
"""
