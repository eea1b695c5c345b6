"""What-if (diagnosis only, not a target): benchsite with persistent
database connections for SQLite too. chengxin.settings sets CONN_MAX_AGE
only for PostgreSQL, so with SQLite every request that touches the database
opens a new connection and runs the init_command PRAGMAs."""

from benchsite.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
