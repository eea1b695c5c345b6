"""Test settings: the real settings with a few things pointed at test doubles
that are still real (SMTP goes to a sink on loopback, set per test)."""

from chengxin.settings import *  # noqa: F403
from chengxin.settings import TASKS

# Tasks are recorded, not run, unless a test runs them explicitly.
TASKS = {"default": {**TASKS["default"], "BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
EMAIL_PORT = 1  # nothing listens here: a test that sends mail must start the sink
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Argon2 as in production, with cheap parameters so the suite stays fast.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]

# Uploads go to a throwaway folder, not var/media.
import tempfile as _tempfile  # noqa: E402

MEDIA_ROOT = _tempfile.mkdtemp(prefix="chengxin-test-media-")

# Published artifacts (seals, status lists) go to a throwaway folder too.
CHENGXIN_PUBLIC_DIR = _tempfile.mkdtemp(prefix="chengxin-test-public-")
CHENGXIN_BASE_URL = "https://chengxin.test"

# Every response of the suite is scanned for complainants' personal data.
MIDDLEWARE = ["tests.pii_guard.PiiGuardMiddleware", *MIDDLEWARE]  # noqa: F405
