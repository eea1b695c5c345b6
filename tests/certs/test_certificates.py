from __future__ import annotations

import datetime as dt
import json

import pytest
from jwcrypto.common import JWException

from chengxin.certs import keys, publish, services, states, statuslist
from chengxin.certs.models import Certificate, CertStatus, StatusList
from chengxin.certs.verify import local_verifier
from chengxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chengxin.ledger.models import AuditEntry
from chengxin.lists.services import add_entry
from chengxin.membership import services as membership
from chengxin.membership.models import Status

from .conftest import bit, decode_bits, independent_verify

pytestmark = pytest.mark.django_db


def _published_list(purpose: str, number: int = 1) -> dict:
    token = publish.read(statuslist.list_path(purpose, number)).decode()
    return independent_verify(token, keys.jwks())


def test_activation_issues_a_signed_credential_an_independent_library_verifies(active, client):
    app, cert = active
    jwks = client.get("/.well-known/jwks.json").json()
    payload = independent_verify(cert.token, jwks)
    assert payload["type"] == ["VerifiableCredential", "EcommerceIntegrityCertificate"]
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert payload["id"] == f"https://chengxin.test/v/{cert.number}"
    subject = payload["credentialSubject"]
    assert subject["name"] == "杭州云杉电子商务有限公司" and subject["unifiedSocialCreditCode"] == app.subject.uscc
    assert subject["domains"] == ["yunshan-ec.com"] and subject["certificateLevel"]["code"] == "blue"
    valid_until = dt.datetime.fromisoformat(payload["validUntil"].replace("Z", "+00:00"))
    assert valid_until <= app.ends_at  # never beyond the membership
    assert (valid_until - dt.datetime.fromisoformat(payload["validFrom"].replace("Z", "+00:00"))).days == 365
    purposes = {e["statusPurpose"]: e for e in payload["credentialStatus"]}
    assert set(purposes) == {"revocation", "suspension"}
    assert purposes["revocation"]["type"] == "BitstringStatusListEntry"
    assert purposes["revocation"]["statusListCredential"] == "https://chengxin.test/pub/status/revocation/1.jwt"
    assert AuditEntry.objects.filter(action="certs.issue", object_id=str(cert.pk)).exists()
    assert local_verifier().verify(cert.token, domain="www.yunshan-ec.com").ok


def test_a_tampered_or_foreign_token_fails_the_independent_library_too(active):
    _app, cert = active
    head, body, sig = cert.token.split(".")
    claims = json.loads(statuslist.base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["domains"] = ["phish.example"]
    forged = ".".join([head, statuslist.base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig])
    with pytest.raises(JWException):
        independent_verify(forged, keys.jwks())
    report = local_verifier().verify(forged)
    assert not report.ok and report.first_failure.name == "signature"
    assert "altered or forged" in report.first_failure.message


def test_suspend_reinstate_revoke_update_the_signed_status_lists_at_once(active, reviewer, django_capture_on_commit_callbacks):
    _app, cert = active
    idx = cert.revocation_index
    assert bit(decode_bits(_published_list("suspension")["credentialSubject"]["encodedList"]), idx) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend(actor=reviewer, cert=cert, reason="investigation of complaint #12")
    susp = _published_list("suspension")
    assert susp["credentialSubject"]["statusPurpose"] == "suspension"
    bits = decode_bits(susp["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131072 and bit(bits, idx) == 1
    report = local_verifier().verify(cert.token)
    assert not report.ok and report.first_failure.name == "status" and "Suspended" in report.first_failure.message
    with django_capture_on_commit_callbacks(execute=True):
        services.reinstate(actor=reviewer, cert=cert, reason="complaint unfounded")
    assert bit(decode_bits(_published_list("suspension")["credentialSubject"]["encodedList"]), idx) == 0
    assert local_verifier().verify(cert.token).ok
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke(actor=reviewer, cert=cert, reason="forged licence")
    assert bit(decode_bits(_published_list("revocation")["credentialSubject"]["encodedList"]), idx) == 1
    report = local_verifier().verify(cert.token)
    assert report.first_failure.name == "status" and "Revoked" in report.first_failure.message
    actions = list(AuditEntry.objects.filter(object_type="certs.certificate", object_id=str(cert.pk)).values_list("action", "reason"))
    assert [a for a, _ in actions] == ["certs.issue", "certs.suspend", "certs.reinstate", "certs.revoke"]
    assert actions[1][1] == "investigation of complaint #12"
    seal = publish.read(f"seal/{cert.number}.svg").decode()
    assert "已撤销" in seal and "REVOKED" in seal


def test_status_changes_need_a_reason_and_the_permission_and_follow_the_table(active, member, reviewer):
    _app, cert = active
    with pytest.raises(PermissionDenied):
        services.suspend(actor=member, cert=cert, reason="x")
    with pytest.raises(ValidationFailed):
        services.suspend(actor=reviewer, cert=cert, reason=" ")
    with pytest.raises(Conflict) as err:
        services.reinstate(actor=reviewer, cert=cert, reason="not suspended")
    assert err.value.code == "illegal_transition"
    cert.refresh_from_db()
    assert cert.status == CertStatus.ACTIVE


@pytest.mark.parametrize(("frm", "action"), sorted(states.TRANSITIONS))
def test_every_allowed_transition_sets_the_bits_the_table_says(active, frm, action):
    _app, cert = active
    Certificate.objects.filter(pk=cert.pk).update(status=frm)
    for purpose, value in zip(("revocation", "suspension"), states.BITS[frm], strict=True):
        statuslist.set_bit(purpose, 1, cert.revocation_index, value)
    cert.refresh_from_db()
    services._transition(cert, action, actor=None, reason="test")
    to = states.TRANSITIONS[(frm, action)]
    assert cert.status == to
    rows = {r.purpose: r.bits for r in StatusList.objects.all()}
    assert (bool(bit(rows["revocation"], cert.revocation_index)), bool(bit(rows["suspension"], cert.revocation_index))) == states.BITS[to]


@pytest.mark.parametrize("frm", [CertStatus.REVOKED, CertStatus.EXPIRED])
def test_final_states_allow_nothing(active, frm):
    _app, cert = active
    Certificate.objects.filter(pk=cert.pk).update(status=frm)
    cert.refresh_from_db()
    for action in states.ACTIONS:
        with pytest.raises(Conflict):
            services._transition(cert, action, actor=None, reason="test")


def test_membership_changes_reach_the_certificate(active, admin_user, django_capture_on_commit_callbacks):
    app, cert = active
    with django_capture_on_commit_callbacks(execute=True):
        membership.suspend(actor=admin_user, app=app, reason="unpaid complaint refunds")
    cert.refresh_from_db()
    assert cert.status == CertStatus.SUSPENDED
    with django_capture_on_commit_callbacks(execute=True):
        membership.reinstate(actor=admin_user, app=app, reason="refunds paid")
    cert.refresh_from_db()
    assert cert.status == CertStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        membership.terminate(actor=admin_user, app=app, reason="left the association")
    cert.refresh_from_db()
    assert cert.status == CertStatus.REVOKED and cert.status_reason == "left the association"
    assert not local_verifier().verify(cert.token).ok


def test_blacklisting_revokes_the_seal(active, reviewer, django_capture_on_commit_callbacks):
    app, cert = active
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(actor=reviewer, subject=app.subject, kind="blacklist", reason="counterfeit goods", legal_basis="Art. 21")
    cert.refresh_from_db()
    assert cert.status == CertStatus.REVOKED and "counterfeit goods" in cert.status_reason
    assert bit(decode_bits(_published_list("revocation")["credentialSubject"]["encodedList"]), cert.revocation_index) == 1


def test_expiry_is_swept_and_the_verifier_says_expired(active, frozen_clock):
    app, cert = active
    frozen_clock.set(cert.valid_until + dt.timedelta(minutes=1))
    assert services.expire_due() == 1
    assert services.expire_due() == 0  # idempotent
    cert.refresh_from_db()
    assert cert.status == CertStatus.EXPIRED
    report = local_verifier().verify(cert.token)
    assert report.first_failure.name == "validity" and "Expired" in report.first_failure.message


def test_renewal_issues_a_new_certificate_and_supersedes_the_old(active, frozen_clock, reviewer, admin_user):
    from tests.membership.conftest import fill

    app, old = active
    frozen_clock.set(app.ends_at - dt.timedelta(days=20))
    renewal = membership.start_application(actor=app.applicant, subject=app.subject, renews=app)
    fill(renewal, app.applicant, app.sites.get())
    renewal = membership.submit(actor=app.applicant, app=renewal)
    renewal = membership.approve(actor=reviewer, app=renewal, reason="renewal")
    membership.record_payment(actor=admin_user, app=renewal, amount="3000", method="bank", reference="TX-2")
    old.refresh_from_db()
    renewal.refresh_from_db()
    new = renewal.certificates.get()
    assert old.status == CertStatus.SUPERSEDED and old.superseded_by == new
    assert new.valid_until == renewal.ends_at.replace(microsecond=0) and new.level_id == old.level_id
    assert services.current_certificate(app.subject) == new


def test_reissue_at_the_red_level(active, reviewer):
    app, cert = active
    new = services.reissue(actor=reviewer, cert=cert, level="red", reason="passed the full integrity evaluation")
    cert.refresh_from_db()
    assert cert.status == CertStatus.SUPERSEDED and new.level_id == "red"
    assert new.claims["credentialSubject"]["certificateLevel"]["name"] == "红标"
    with pytest.raises(ValidationFailed):
        services.reissue(actor=reviewer, cert=new, level="gold", reason="x")


def test_key_rotation_keeps_old_certificates_verifiable(active, client, reviewer):
    app, old = active
    old_kid = old.kid
    keys.rotate(actor=None, reason="yearly rotation")
    new = services.reissue(actor=reviewer, cert=old, level="blue", reason="new key")
    assert new.kid != old_kid
    jwks = client.get("/.well-known/jwks.json").json()
    assert {k["kid"] for k in jwks["keys"]} >= {old_kid, new.kid}
    assert all(k["alg"] == "Ed25519" and k["crv"] == "Ed25519" and "d" not in k for k in jwks["keys"])
    independent_verify(old.token, jwks)
    independent_verify(new.token, jwks)


def test_a_tampered_status_list_is_detected(active):
    _app, cert = active
    path = statuslist.list_path("revocation", 1)
    head, body, sig = publish.read(path).decode().split(".")
    claims = json.loads(statuslist.base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["encodedList"] = statuslist.encode(bytes(16384))
    publish.write(path, ".".join([head, statuslist.base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig]).encode())
    report = local_verifier().verify(cert.token)
    assert report.first_failure.name == "status" and "not genuine" in report.first_failure.message


@pytest.mark.parametrize(("token", "check"), [
    ("", "format"), ("abc", "format"), ("a.b.c", "format"), ("e30.e30.", "signature"),
])
def test_garbage_gets_a_clear_answer(db, token, check):
    report = local_verifier().verify(token)
    assert not report.ok and report.first_failure.name == check and report.first_failure.message


def test_unknown_key_and_other_algorithms_are_refused(active):
    from joserfc import jws
    from joserfc.jwk import OctKey, OKPKey

    _app, cert = active
    payload = json.dumps(cert.claims).encode()
    stranger = OKPKey.generate_key("Ed25519", private=True)
    foreign = jws.serialize_compact({"alg": "Ed25519", "kid": cert.kid, "typ": "vc+jwt"}, payload, stranger,
                                    registry=jws.JWSRegistry(algorithms=["Ed25519"]))
    assert local_verifier().verify(foreign).first_failure.name == "signature"
    unknown = jws.serialize_compact({"alg": "Ed25519", "kid": "someone-else", "typ": "vc+jwt"}, payload, stranger,
                                    registry=jws.JWSRegistry(algorithms=["Ed25519"]))
    assert "unknown key" in local_verifier().verify(unknown).first_failure.message
    hs = jws.serialize_compact({"alg": "HS256", "kid": cert.kid, "typ": "vc+jwt"}, payload, OctKey.generate_key(256),
                               registry=jws.JWSRegistry(algorithms=["HS256"]))
    assert "not accepted" in local_verifier().verify(hs).first_failure.message


def test_domain_binding_rules(active):
    _app, cert = active
    v = local_verifier()
    assert v.verify(cert.token, domain="yunshan-ec.com").ok
    assert v.verify(cert.token, domain="https://shop.yunshan-ec.com/x").ok
    for bad in ("yunshan-ec.com.evil.cn", "evil-yunshan-ec.com", "evil.cn"):
        report = v.verify(cert.token, domain=bad)
        assert report.first_failure.name == "domain", bad


def test_malformed_and_unknown_numbers(db):
    with pytest.raises(NotFound) as err:
        services.get_certificate("../../etc/passwd")
    assert err.value.code == "malformed_certificate_number"
    with pytest.raises(NotFound) as err:
        services.get_certificate("CX202600000000")
    assert err.value.code == "unknown_certificate"


def test_a_lost_artifact_write_is_repaired_by_the_sweep(active, reviewer):
    _app, cert = active
    services.suspend(actor=reviewer, cert=cert, reason="investigation")  # on_commit never runs here: as if the process died
    assert bit(decode_bits(_published_list("suspension")["credentialSubject"]["encodedList"]), cert.revocation_index) == 0
    done = services.publish_pending()
    assert done == {"status_lists": 1, "seals": 1}
    assert bit(decode_bits(_published_list("suspension")["credentialSubject"]["encodedList"]), cert.revocation_index) == 1
    assert services.publish_pending() == {"status_lists": 0, "seals": 0}


def test_application_for_membership_is_still_refused_while_blacklisted(active, reviewer):
    app, _cert = active
    add_entry(actor=reviewer, subject=app.subject, kind="blacklist", reason="fraud")
    with pytest.raises(ValidationFailed):
        membership.start_application(actor=app.applicant, subject=app.subject)
    assert app.status == Status.ACTIVE


def test_a_certificate_pointing_at_an_unknown_status_list_creates_nothing(active):
    _app, cert = active
    claims = json.loads(json.dumps(cert.claims))
    for entry in claims["credentialStatus"]:
        entry["statusListCredential"] = entry["statusListCredential"].replace("/1.jwt", "/999.jwt").replace("revocation/", "bogus/")
    token = keys.sign(claims)  # even signed by us
    before = StatusList.objects.count()
    report = local_verifier().verify(token)
    assert report.first_failure.name == "status" and "could not be fetched" in report.first_failure.message
    assert StatusList.objects.count() == before
