from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import identify_hasher

from chengxin.accounts import services
from chengxin.core import outbox
from chengxin.core.errors import ValidationFailed
from chengxin.core.models import OutboxMessage
from chengxin.core.permissions import Role

from ..factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2():
    user = make_user(Role.MEMBER)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_weak_password_is_refused():
    with pytest.raises(ValidationFailed) as err:
        services.create_user(actor=None, username="weak", password="123456", role=Role.CONSUMER)
    assert err.value.field == "password"


def test_createadmin_command(capsys):
    from django.core.management import call_command

    call_command("createadmin", "boss", password="Very-long-pass-2026", email="boss@example.org")
    from chengxin.accounts.models import User

    boss = User.objects.get(username="boss")
    assert boss.role == Role.ADMIN and boss.is_superuser and boss.check_password("Very-long-pass-2026")


def test_login_is_throttled_after_repeated_failures(client, settings):
    settings.CHENGXIN_LOGIN_MAX_FAILURES = 3
    user = make_user(Role.REVIEWER)
    for _ in range(3):
        r = client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"})
        assert r.status_code == 200
    # Now even the right password is refused, with a clear message.
    r = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed" in r.content.decode() or "失败" in r.content.decode()


def test_login_works_and_csrf_is_enforced(db):
    from django.test import Client

    user = make_user(Role.REVIEWER)
    strict = Client(enforce_csrf_checks=True)
    r = strict.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 403
    page = strict.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    r = strict.post("/accounts/login/", {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_password_reset_mail_goes_through_the_outbox_over_smtp(client, smtp_sink, django_capture_on_commit_callbacks):
    user = make_user(Role.MEMBER, email="m@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/password-reset/", {"email": "m@example.org"})
    assert r.status_code == 302
    msg = OutboxMessage.objects.get()
    assert msg.status == OutboxMessage.Status.PENDING and msg.recipient == "m@example.org"
    # Nothing is sent until the worker delivers; then exactly once.
    assert smtp_sink == []
    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0
    assert len(smtp_sink) == 1
    body = smtp_sink[0].get_payload(decode=True).decode()
    link = re.search(r"http://[^\s]+/accounts/reset/[^\s]+/", body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    r = client.get(path, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else path
    r = client.post(form_url, {"new_password1": "Brand-new-pass-99", "new_password2": "Brand-new-pass-99"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-99")


def test_outbox_retries_when_the_mail_server_is_down(settings):
    settings.EMAIL_PORT = 1  # nothing listens
    outbox.queue_email(to="x@example.org", subject="s", body="b")
    assert outbox.deliver_due() == 0
    msg = OutboxMessage.objects.get()
    assert msg.status == OutboxMessage.Status.PENDING
    assert msg.attempts == 1 and msg.last_error
    assert msg.next_attempt_at > msg.created_at


def test_tokens_are_stored_hashed_and_can_be_revoked(admin_user):
    token, plaintext = services.create_token(actor=admin_user, user=admin_user, name="partner")
    assert plaintext.startswith("cx_")
    assert plaintext.split("_", 2)[2] not in token.key_hash
    assert services.authenticate_token(plaintext) == admin_user
    assert services.authenticate_token(plaintext + "x") is None
    services.revoke_token(actor=admin_user, token=token)
    assert services.authenticate_token(plaintext) is None


def test_only_admins_create_tokens(reviewer):
    from chengxin.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_token(actor=reviewer, user=reviewer, name="x")


def test_token_page(admin_user, login):
    client = login(admin_user)
    r = client.post("/accounts/tokens/", {"name": "platform A", "username": admin_user.username})
    assert r.status_code == 200
    assert re.search(r"cx_[0-9a-f]{8}_", r.content.decode())


def test_only_member_accounts_act_for_subjects(admin_user, consumer, subject):
    with pytest.raises(ValidationFailed) as err:
        services.grant_subject_access(actor=admin_user, user=consumer, subject=subject)
    assert err.value.field == "user"
    assert not services.acts_for(consumer, subject)


def test_production_settings_hash_with_argon2():
    from chengxin import settings as prod

    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_only_admins_create_staff_accounts(reviewer):
    from chengxin.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_user(actor=reviewer, username="sneaky", password="Long-enough-pass-1", role=Role.ADMIN)
