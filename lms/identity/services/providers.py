"""Identity providers as an administrator configures them: discovery, the encrypted client
secret, and the claim → team/tier/roles mapping. Callers own the commit."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core import audit
from lms.core.errors import DomainError
from lms.identity.models import IdentityProvider
from lms.identity.services import secrets
from lms.identity.services.saml import read_idp_metadata
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team

# Roles a mapping may give: HR and administrator are granted by an administrator only.
MAPPABLE_ROLES = ("agent", "mentor", "manager")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
HTTP_TIMEOUT_SECONDS = 10

Fetch = Callable[[str], dict]


def fetch_json(url: str) -> dict:
    """GET `url` and return its JSON object; refuses anything else with a readable reason."""
    import requests  # here, not at the top: few processes that load the app fetch anything

    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS,
                                headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise DomainError(_("Could not read %(url)s: %(error)s", url=url,
                            error=type(error).__name__)) from None
    if not isinstance(document, dict):
        raise DomainError(_("%(url)s did not answer with a JSON object.", url=url))
    return document


def normalise_issuer(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def discover(issuer: str, fetch: Fetch = fetch_json) -> dict:
    """The provider's discovery document; refuses one for another issuer or without the
    endpoints the code flow needs."""
    issuer = normalise_issuer(issuer)
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise DomainError(_("The issuer must be an https:// address."), "issuer")
    try:
        document = fetch(f"{issuer}/.well-known/openid-configuration")
    except DomainError as error:
        raise DomainError(error.message, "issuer") from None
    if normalise_issuer(str(document.get("issuer", ""))) != issuer:
        raise DomainError(_("The discovery document names another issuer (%(found)s).",
                            found=document.get("issuer", "")), "issuer")
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
               if not document.get(name)]
    if missing:
        raise DomainError(_("The discovery document lacks %(names)s.",
                            names=", ".join(missing)), "issuer")
    return document


@dataclass
class ProviderData:
    """What an administrator types for a provider, as plain values."""

    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str | None  # None: keep the stored one
    scopes: str = "openid profile email"
    employee_id_claim: str = "employee_id"
    provisioning: bool = False
    default_team_id: int | None = None
    default_tier_id: int | None = None
    mapping_text: str = ""
    enabled: bool = True
    protocol: str = "oidc"
    idp_metadata_xml: str = ""  # SAML: the identity provider's metadata


def parse_mapping(session, text: str) -> list[dict]:
    """Rules from lines like `department=North -> team=North team; tier=NEW_HIRE;
    roles=agent,mentor`; refuses unknown teams, tiers and roles with the line number."""
    teams = {t.name.lower(): t.id for t in session.scalars(select(Team).where(Team.active))}
    tiers = {p.code.lower(): p.id for p in session.scalars(select(CertificationPath))}
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        condition, arrow, outcome = line.partition("->")
        claim, equals, value = condition.partition("=")
        if not arrow or not equals or not claim.strip() or not value.strip():
            raise DomainError(_("Mapping line %(n)d: write claim=value -> team=…; tier=…; "
                                "roles=….", n=number), "mapping_text")
        rule: dict = {"claim": claim.strip(), "value": value.strip()}
        for part in outcome.split(";"):
            name, equals, wanted = (s.strip() for s in part.partition("="))
            if not name:
                continue
            if name == "team" and wanted.lower() in teams:
                rule["team_id"] = teams[wanted.lower()]
            elif name == "tier" and wanted.lower() in tiers:
                rule["tier_id"] = tiers[wanted.lower()]
            elif name == "roles" and wanted and set(
                    r.strip() for r in wanted.split(",")) <= set(MAPPABLE_ROLES):
                rule["roles"] = [r for r in MAPPABLE_ROLES
                                 if r in {w.strip() for w in wanted.split(",")}]
            else:
                raise DomainError(_("Mapping line %(n)d: %(part)s is not a known team, tier "
                                    "code or roles (agent, mentor, manager).", n=number,
                                    part=part.strip()), "mapping_text")
        rules.append(rule)
    return rules


def mapping_text(session, rules: list[dict]) -> str:
    """The stored rules written back as the lines `parse_mapping` reads."""
    teams = dict(session.execute(select(Team.id, Team.name)).all())
    tiers = dict(session.execute(select(CertificationPath.id, CertificationPath.code)).all())
    lines = []
    for rule in rules or []:
        parts = []
        if rule.get("team_id") in teams:
            parts.append(f"team={teams[rule['team_id']]}")
        if rule.get("tier_id") in tiers:
            parts.append(f"tier={tiers[rule['tier_id']]}")
        if rule.get("roles"):
            parts.append("roles=" + ",".join(rule["roles"]))
        lines.append(f"{rule['claim']}={rule['value']} -> " + "; ".join(parts))
    return "\n".join(lines)


def save_provider(session, actor: Person, provider: IdentityProvider | None, data: ProviderData,
                  secret_key: str, fetch: Fetch = fetch_json) -> IdentityProvider:
    """Create (provider=None) or change a provider: reads its discovery document (refusing a
    provider that does not answer as one), encrypts the client secret, checks the mapping.
    The audit entry names what changed, never the secret."""
    key = data.key.strip().lower()
    if not KEY_PATTERN.match(key):
        raise DomainError(_("Use lower-case letters, digits and hyphens (up to 40)."), "key")
    clash = session.scalar(select(IdentityProvider.id).where(
        func.lower(IdentityProvider.key) == key))
    if clash is not None and (provider is None or clash != provider.id):
        raise DomainError(_("Another provider uses the key %(key)s.", key=key), "key")
    if not data.employee_id_claim.strip():
        raise DomainError(_("Name the claim that carries the employee ID."), "employee_id_claim")
    for field, model in (("default_team_id", Team), ("default_tier_id", CertificationPath)):
        if getattr(data, field) is not None and session.get(model, getattr(data, field)) is None:
            raise DomainError(_("Unknown choice."), field)
    rules = parse_mapping(session, data.mapping_text)
    if data.protocol == "saml":
        document = read_idp_metadata(data.idp_metadata_xml)
        issuer = document["entity_id"]
    else:
        if "openid" not in data.scopes.split():
            raise DomainError(_("The scopes must include openid."), "scopes")
        document = discover(data.issuer, fetch)
        issuer = normalise_issuer(data.issuer)
    created = provider is None
    provider = provider or IdentityProvider(protocol=data.protocol)
    if provider.protocol != data.protocol:
        raise DomainError(_("A provider's protocol cannot change; add another provider."))
    provider.key, provider.name = key, data.name.strip()
    provider.issuer = issuer
    provider.client_id = data.client_id.strip()
    if data.client_secret:
        provider.client_secret_encrypted = secrets.encrypt(secret_key, data.client_secret)
    provider.scopes = " ".join(data.scopes.split())
    provider.employee_id_claim = data.employee_id_claim.strip()
    provider.provisioning = data.provisioning
    provider.default_team_id, provider.default_tier_id = data.default_team_id, data.default_tier_id
    provider.mapping, provider.metadata_doc, provider.enabled = rules, document, data.enabled
    session.add(provider)
    session.flush()
    audit.record(actor, "identity.provider_create" if created else "identity.provider_update",
                 provider, key=key, issuer=provider.issuer, provisioning=data.provisioning,
                 enabled=data.enabled, secret_changed=bool(data.client_secret))
    return provider


def enabled_providers(session) -> list[IdentityProvider]:
    """The providers people may sign in with, by name."""
    return list(session.scalars(select(IdentityProvider).where(IdentityProvider.enabled)
                                .order_by(IdentityProvider.name)))
