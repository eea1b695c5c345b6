import pytest
from django.db import DatabaseError, connection, transaction
from chengxin.registry.models import Region
from chengxin.ledger.models import AuditEntry
from tests.factories import make_subject

@pytest.mark.django_db(transaction=True)
def test_after():
    assert Region.objects.filter(level="province").count() > 30
    make_subject()
    assert AuditEntry.objects.count() >= 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_auditentry")
