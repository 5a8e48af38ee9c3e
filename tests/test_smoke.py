def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_login_and_home(client, auth, make_person, defaults):
    agent = make_person(roles=("agent",), name="王小明", tier_id=defaults["NEWHIRE"].id)
    response = auth.login(agent)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "王小明" in page
    assert "New hire — basic certification" in page
