"""A SAML 2.0 identity provider for the tests: pysaml2's own IdP (`saml2.server.Server`) with a
fresh signing key, signing through xmlsec1 as a real one does. It reads the AuthnRequest the
site sends the browser to, and answers with a signed response for the browser to post back.
`answer(...)` can misbehave the ways the site must refuse: an unsigned assertion, another
audience, a lifetime already over, a key the metadata does not hold."""

import base64
import datetime
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORDPROTECTEDTRANSPORT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

ENTITY_ID = "https://idp.example.test/saml"
SSO_URL = "https://idp.example.test/saml/sso"
XMLSEC = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


def _key_pair(folder: Path, name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class SamlIdp:
    def __init__(self, folder: Path):
        self.folder = folder
        self.key_file, self.cert_file = _key_pair(folder, "idp")
        self.other_key_file, self.other_cert_file = _key_pair(folder, "other")
        self.users: dict[str, dict] = {}

    def _config(self, sp_metadata: str = "", key_file: str | None = None,
                cert_file: str | None = None, lifetime_minutes: int = 5) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": ENTITY_ID, "xmlsec_binary": XMLSEC,
            "key_file": key_file or self.key_file, "cert_file": cert_file or self.cert_file,
            "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes},
                                       "attribute_restrictions": None}},
            }},
        })
        return config

    def metadata(self) -> str:
        """The IdP's metadata, holding its signing certificate."""
        return str(entity_descriptor(self._config()))

    def add_user(self, login: str, **attributes) -> None:
        self.users[login] = {name: [value] for name, value in attributes.items()}

    def answer(self, redirect_url: str, sp_metadata: str, login: str, *, sign: bool = True,
               audience: str | None = None, lifetime_minutes: int = 5,
               wrong_key: bool = False) -> dict:
        """The form the browser would post to the site: {SAMLResponse, RelayState} for the
        AuthnRequest in `redirect_url`, signed in as `login`."""
        query = parse_qs(urlsplit(redirect_url).query)
        key, cert = (self.other_key_file, self.other_cert_file) if wrong_key else (None, None)
        server = Server(config=self._config(sp_metadata, key, cert, lifetime_minutes))
        request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        acs = server.config.metadata.assertion_consumer_service(
            message.issuer.text, BINDING_HTTP_POST)[0]["location"]
        response = server.create_authn_response(
            self.users[login], in_response_to=message.id, destination=acs,
            sp_entity_id=audience or message.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"nameid-{login}"),
            userid=login, sign_assertion=sign, sign_response=False,
            authn={"class_ref": PASSWORDPROTECTEDTRANSPORT, "authn_auth": SSO_URL})
        return {"SAMLResponse": base64.b64encode(str(response).encode("utf-8")).decode("ascii"),
                "RelayState": query["RelayState"][0], "acs": acs}
