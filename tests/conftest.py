from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from chengxin.core import clock as _clock
from chengxin.core.permissions import Role

from .factories import PASSWORD, make_subject, make_user


@pytest.fixture
def admin_user(db: Any) -> Any:
    return make_user(Role.ADMIN)


@pytest.fixture
def reviewer(db: Any) -> Any:
    return make_user(Role.REVIEWER)


@pytest.fixture
def mediator(db: Any) -> Any:
    return make_user(Role.MEDIATOR)


@pytest.fixture
def member(db: Any) -> Any:
    return make_user(Role.MEMBER)


@pytest.fixture
def consumer(db: Any) -> Any:
    return make_user(Role.CONSUMER)


@pytest.fixture
def subject(db: Any, admin_user: Any) -> Any:
    return make_subject(admin_user)


@pytest.fixture
def login(client: Any) -> Any:
    def _login(user: Any) -> Any:
        assert client.login(username=user.username, password=PASSWORD)
        return client
    return _login


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    class Clock:
        def set(self, when: dt.datetime) -> None:
            _clock.freeze(when)

        def advance(self, **kw: float) -> None:
            _clock.freeze(_clock.now() + dt.timedelta(**kw))

    _clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    try:
        yield Clock()
    finally:
        _clock.freeze(None)


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[list[Any]]:
    """A real SMTP server on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            import email

            received.append(email.message_from_bytes(envelope.original_content or envelope.content))
            return "250 OK"

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Translations are compiled at build time (`chengxin serve` does it);
    the test run builds them the same way."""
    from chengxin.core.build import compile_messages

    compile_messages()


@pytest.fixture(autouse=True)
def _own_public_dir(settings: Any, tmp_path: Any) -> None:
    """Each test writes seals and status lists into a folder of its own."""
    settings.CHENGXIN_PUBLIC_DIR = tmp_path / "public"


@pytest.fixture(autouse=True)
def _no_personal_data_leaked() -> Iterator[None]:
    """Fails a test in which an anonymous visitor or a merchant received a
    complainant's personal data (see tests/pii_guard.py)."""
    from tests.pii_guard import VIOLATIONS

    VIOLATIONS.clear()
    yield
    leaked = list(VIOLATIONS)
    VIOLATIONS.clear()
    assert not leaked, "personal data leaked:\n" + "\n".join(leaked[:10])


_triggers = importlib.import_module("chengxin.ledger.migrations.0002_append_only_triggers")
_reference_data = importlib.import_module("chengxin.registry.migrations.0002_load_regions_industries")
_types_levels = importlib.import_module("chengxin.membership.migrations.0002_load_types_levels")
_cert_levels = importlib.import_module("chengxin.certs.migrations.0002_levels")
_record_kinds = importlib.import_module("chengxin.credit.migrations.0002_record_kinds")


class _Executor:
    """Just enough of a schema editor for the migrations' RunPython functions."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with self.connection.cursor() as cur:
            cur.execute(sql, params)


@pytest.fixture(scope="session", autouse=True)
def _flush_respects_append_only_audit() -> Iterator[None]:
    """Transactional tests (the browser tests, parallel recomputation) need
    committed data, and Django flushes every table after them. The audit table
    is append-only by database triggers, which refuse that flush: the flush
    here lifts the triggers, flushes, puts them back and reloads the reference
    data the migrations loaded, so later tests see the usual database."""
    from django.apps import apps
    from django.db import connections
    from django.test.testcases import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self: Any) -> None:
        names = list(self._databases_names(include_mirrors=False))
        for name in names:
            _triggers.drop(None, _Executor(connections[name]))
        try:
            original(self)
        finally:
            for name in names:
                executor = _Executor(connections[name])
                _triggers.create(None, executor)
                _reference_data.load(apps, executor)
                _types_levels.load(apps, executor)
                _cert_levels.load(apps, executor)
                _record_kinds.load(apps, executor)

    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]
    try:
        yield
    finally:
        TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]
