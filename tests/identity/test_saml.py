"""Signing in through a SAML 2.0 identity provider (pysaml2's IdP, signing with xmlsec1): SP
metadata published, signed assertions required, a replayed assertion refused, and the same
provisioning rules as OpenID Connect. Every refusal: a clear page, nothing changed, audited."""

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.identity.forms import OidcProviderForm, ProviderForm, SamlProviderForm
from lms.identity.models import ExternalIdentity, IdentityProvider, UsedToken
from lms.identity.services.providers import ProviderData, save_provider
from lms.people.models import Person
from tests.identity.conftest import local_path
from tests.identity.saml_idp import ENTITY_ID, SamlIdp


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    return SamlIdp(tmp_path_factory.mktemp("saml-idp"))


@pytest.fixture
def make_saml_provider(app, db, idp):
    def make(**fields):
        data = ProviderData(key="corp-saml", name="Corp SAML", issuer="", client_id="",
                            client_secret=None, scopes="", employee_id_claim="employeeNumber",
                            protocol="saml", idp_metadata_xml=idp.metadata())
        for name, value in fields.items():
            setattr(data, name, value)
        provider = save_provider(db.session, None, None, data, app.config["SECRET_KEY"])
        db.session.commit()
        return provider

    return make


def _sign_in(client, idp, login, **misbehave):
    """Start at the site, let the IdP answer, post the answer back; returns (response, form)."""
    started = client.get("/sso/corp-saml/start")
    assert started.status_code == 302
    sp_metadata = client.get("/sso/corp-saml/saml/metadata").get_data(as_text=True)
    form = idp.answer(started.headers["Location"], sp_metadata, login, **misbehave)
    acs = local_path(form.pop("acs"))
    return client.post(acs, data=form), (acs, form)


def _refusals(db) -> list[str]:
    return [e.details["code"] for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity.sign_in_refused").order_by(AuditEntry.id))]


def _counts(db) -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Person, ExternalIdentity, UsedToken))


def test_sp_metadata_is_published(client, make_saml_provider):
    make_saml_provider()
    metadata = client.get("/sso/corp-saml/saml/metadata")
    assert metadata.status_code == 200
    text = metadata.get_data(as_text=True)
    assert 'entityID="http://localhost/sso/corp-saml/saml/metadata"' in text
    assert "http://localhost/sso/corp-saml/acs" in text and 'WantAssertionsSigned="true"' in text


def test_a_signed_assertion_signs_a_person_in(client, db, make_person, make_saml_provider, idp):
    agent = make_person(employee_id="E3001")
    provider = make_saml_provider()
    assert provider.issuer == ENTITY_ID
    idp.add_user("li", employeeNumber="E3001", mail="li@example.com", displayName="Li")
    answer, _form = _sign_in(client, idp, "li")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert client.get("/account").status_code == 200
    link = db.session.scalar(select(ExternalIdentity))
    assert (link.person_id, link.subject) == (agent.id, "nameid-li")


def test_a_replayed_assertion_is_refused(client, db, make_person, make_saml_provider, idp):
    make_person(employee_id="E3001")
    make_saml_provider()
    idp.add_user("li", employeeNumber="E3001")
    answer, (acs, form) = _sign_in(client, idp, "li")
    assert answer.status_code == 302
    client.post("/logout")
    before = _counts(db)
    again = client.post(acs, data=form)
    assert again.status_code == 403
    assert "already used" in again.get_data(as_text=True)
    assert _counts(db) == before
    assert _refusals(db) == ["assertion_replayed"]


@pytest.mark.parametrize("misbehave, code", [
    ({"sign": False}, "unsigned_assertion"),
    ({"wrong_key": True}, "bad_signature"),
    ({"audience": "https://another-sp.example/metadata"}, "wrong_audience"),
    ({"lifetime_minutes": -10}, "conditions_failed"),  # expired
])
def test_a_bad_answer_is_refused_and_changes_nothing(client, db, make_person, make_saml_provider,
                                                     idp, misbehave, code):
    make_person(employee_id="E3001")
    make_saml_provider()
    idp.add_user("li", employeeNumber="E3001")
    before = _counts(db)
    answer, _form = _sign_in(client, idp, "li", **misbehave)
    assert answer.status_code == 403
    assert "Nothing was changed" in answer.get_data(as_text=True)
    assert _counts(db) == before
    [found] = _refusals(db)
    assert found == code


def test_unknown_and_deactivated_people(client, db, make_person, make_team, make_saml_provider,
                                        idp):
    team = make_team("SAML team")
    provider = make_saml_provider(provisioning=False)
    idp.add_user("new", employeeNumber="E3999", mail="new3999@example.com",
                 displayName="New Hire")
    answer, _ = _sign_in(client, idp, "new")
    assert answer.status_code == 403 and _refusals(db) == ["unknown_employee"]

    provider.provisioning, provider.default_team_id = True, team.id
    db.session.commit()
    answer, _ = _sign_in(client, idp, "new")
    assert answer.status_code == 302
    person = db.session.scalar(select(Person).where(Person.employee_id == "E3999"))
    assert (person.name, person.email, person.team_id) == ("New Hire", "new3999@example.com",
                                                           team.id)
    client.post("/logout")
    person.active = False
    db.session.commit()
    answer, _ = _sign_in(client, idp, "new")
    assert answer.status_code == 403 and "deactivated" in answer.get_data(as_text=True)


def test_bad_metadata_is_refused(app, db):
    from lms.core.errors import DomainError

    with pytest.raises(DomainError, match="exactly one identity provider"):
        save_provider(db.session, None, None, ProviderData(
            key="bad", name="Bad", issuer="", client_id="", client_secret=None,
            protocol="saml", idp_metadata_xml="<nonsense/>"), app.config["SECRET_KEY"])


def test_an_admin_adds_a_saml_provider_through_the_form(client, db, auth, make_person, idp):
    auth.login(make_person(roles=("admin",)))
    assert client.get("/admin/sign-in/providers/new-saml").status_code == 200
    form = {"name": "ADFS", "key": "adfs", "employee_id_claim": "employeeNumber",
            "enabled": "y", "idp_metadata_xml": "<EntityDescriptor/>"}
    refused = client.post("/admin/sign-in/providers/new-saml", data=form)
    assert refused.status_code == 422
    saved = client.post("/admin/sign-in/providers/new-saml",
                        data={**form, "idp_metadata_xml": idp.metadata()})
    assert saved.status_code == 302
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "/sso/adfs/saml/metadata" in page and "SAML" in page
    provider_id = db.session.scalar(select(IdentityProvider.id))
    provider_page = client.get(f"/admin/sign-in/providers/{provider_id}").get_data(as_text=True)
    assert "http://localhost/sso/adfs/acs" in provider_page


def test_the_idp_posts_without_a_csrf_token_and_scim_takes_json(app_config, make_app, db,
                                                                  make_person, idp):
    """With CSRF protection on, as in production: the IdP's POST and SCIM's JSON carry no
    CSRF token and are still taken (each has its own proof: a signed assertion, a token)."""
    from lms.identity.services.scim_tokens import create_token

    protected = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = protected.test_client()
    make_person(employee_id="E3001")
    save_provider(db.session, None, None, ProviderData(
        key="corp-saml", name="Corp SAML", issuer="", client_id="", client_secret=None,
        employee_id_claim="employeeNumber", protocol="saml", idp_metadata_xml=idp.metadata()),
        app_config["SECRET_KEY"])
    token = create_token(db.session, make_person(roles=("admin",)), "Entra")
    db.session.commit()
    idp.add_user("li", employeeNumber="E3001")
    answer, _ = _sign_in(client, idp, "li")
    assert answer.status_code == 302
    created = client.post("/scim/v2/Groups", json={"displayName": "CSRF-free"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
    # Everything else still wants its CSRF token.
    assert client.post("/forgot", data={"email": "x@example.com"}).status_code == 400


def test_the_protocol_forms_share_one_base():
    """OIDC and SAML providers differ in how the provider is reached and which claim is the
    employee ID; the rest is one set of fields, declared once."""
    shared = ("name", "key", "provisioning", "default_team_id", "default_tier_id",
              "mapping_text", "enabled")
    for form in (OidcProviderForm, SamlProviderForm):
        assert issubclass(form, ProviderForm)
        assert all(getattr(form, name) is getattr(ProviderForm, name) for name in shared)
    assert OidcProviderForm.employee_id_claim.kwargs["default"] == "employee_id"
    assert SamlProviderForm.employee_id_claim.kwargs["default"] == "employeeNumber"
