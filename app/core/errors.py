"""Error tracking with the Sentry protocol (Sentry, GlitchTip), on when SENTRY_DSN is set.

Each event carries the environment (SENTRY_ENVIRONMENT) and, as its release, the id of
the release this process imported (REVISION), so an error names the deploy that raised
it. No personal data is sent (the SDK's default), and every secret this process was
given -- the values of the environment's *SECRET*, *PASSWORD*, *TOKEN*, *KEY* and
*DSN* variables and the passwords inside its URLs -- is replaced wherever it appears in
an event (local variables, messages, headers) before it leaves the process.
"""

import json
import os
import re
from urllib.parse import unquote, urlsplit

SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|KEY|DSN", re.IGNORECASE)
FILTERED = "[Filtered]"


def settings_environ():
    """What the settings read: the dotenv file (config.env, python-decouple), then the
    OS environment over it. On a server the secrets are in the file, not os.environ."""
    from config.env import env

    return {**getattr(env.repository, "data", {}), **os.environ}


def secret_values(environ=None):
    """The secret strings in an environment: named like a secret, or a URL's password."""
    environ = settings_environ() if environ is None else environ
    found = set()
    for name, value in environ.items():
        if not value:
            continue
        if SECRET_NAME.search(name):
            found.add(value)
        if "://" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password:
                found.update({password, unquote(password)})
    # Longest first, so a secret that contains another is replaced whole; short
    # values (a flag such as "1") would blank unrelated text.
    return sorted((value for value in found if len(value) >= 8), key=len, reverse=True)


def scrubber(secrets):
    """A before_send hook that replaces each secret anywhere in the event."""
    escaped = [(json.dumps(secret)[1:-1], json.dumps(FILTERED)[1:-1]) for secret in secrets]

    def before_send(event, hint):
        text = json.dumps(event, default=str)
        for secret, replacement in escaped:
            text = text.replace(secret, replacement)
        return json.loads(text)

    return before_send


def init(dsn, environment, release):
    """Start the SDK (its Django, Celery and Redis integrations switch on by themselves)."""
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=0.0,
        before_send=scrubber(secret_values()),
    )
