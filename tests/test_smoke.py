def test_healthz(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
