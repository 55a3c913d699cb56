"""Import a settings module afresh under a given environment, in-process.

Fast enough for property-based tests (a subprocess per example is not). The
modules are re-executed from source with os.environ replaced, then
sys.modules and os.environ are put back exactly as they were.
"""

import importlib
import os
import sys
from contextlib import contextmanager

from .conftest import clean_environ

_FRESH = ("config.env", "config.settings")


def _ours(name):
    return name in _FRESH or name.startswith("config.settings.")


@contextmanager
def _isolated(environ):
    saved_environ = os.environ.copy()
    saved_modules = {name: mod for name, mod in sys.modules.items() if _ours(name)}
    package = sys.modules["config"]
    saved_attrs = {attr: getattr(package, attr, None) for attr in ("env", "settings")}
    for name in saved_modules:
        del sys.modules[name]
    os.environ.clear()
    os.environ.update(clean_environ(**environ))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        for attr, value in saved_attrs.items():
            if value is not None:
                setattr(package, attr, value)


def load_settings(environment, environ):
    """Upper-case names of config.settings.<environment> under ``environ``.

    Raises whatever importing the module raises (ImproperlyConfigured...).
    """
    with _isolated(environ):
        module = importlib.import_module(f"config.settings.{environment}")
        return {name: getattr(module, name) for name in dir(module) if name.isupper()}


def settings_module_for(environ):
    with _isolated(environ):
        return importlib.import_module("config.env").settings_module()
