"""chengxin's settings with a urlconf that adds /bench/constant (bench only)."""

from chengxin.settings import *  # noqa: F403

ROOT_URLCONF = "benchsite.urls"
