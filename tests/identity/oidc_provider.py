"""A small OpenID Connect provider for the tests, served on a loopback port by a real HTTP
server: discovery, authorization (signs in whoever `next_login` names, without a form), the
token endpoint (client secret and PKCE checked, codes used once), the signing keys, and
end-session. `tamper` makes it misbehave the ways the app must refuse: another audience or
issuer, an expired token, a signature by a key it does not publish, a nonce from elsewhere."""

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "lms-test-client"
CLIENT_SECRET = "test-client-secret-123"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class OidcProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing-1", "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "signing-1"})
        self.users: dict[str, dict] = {}
        self.next_login: str | None = None
        self.tamper: dict = {}
        self.codes: dict[str, dict] = {}
        self.issued: list[str] = []
        self.ended: list[dict] = []
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                  request_handler=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.users.clear()
        self.next_login, self.tamper = None, {}
        self.codes.clear()
        self.issued.clear()
        self.ended.clear()

    def add_user(self, login: str, **claims) -> None:
        self.users[login] = {"sub": f"sub-{login}", **claims}

    def close(self) -> None:
        self.server.shutdown()

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {**self.users[grant["login"]], "iss": self.tamper.get("iss", self.issuer),
                  "aud": self.tamper.get("aud", CLIENT_ID), "iat": now,
                  "exp": now + self.tamper.get("exp_delta", 300), "nonce": grant["nonce"]}
        if "replay" in self.tamper and self.issued:
            return self.issued[-1]
        key = self.other_key if self.tamper.get("wrong_key") else self.key
        token = jwt.encode({"alg": "RS256", "kid": "signing-1"}, claims, key)
        self.issued.append(token)
        return token

    def _make_app(self) -> Flask:
        app = Flask("test-oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400, "PKCE required")
            if self.next_login not in self.users:
                return redirect(args["redirect_uri"] + "?" + urlencode(
                    {"error": "access_denied", "state": args.get("state", "")}))
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"login": self.next_login, "nonce": args.get("nonce"),
                                "challenge": args["code_challenge"],
                                "redirect_uri": args["redirect_uri"]}
            return redirect(args["redirect_uri"] + "?" + urlencode(
                {"code": code, "state": args.get("state", "")}))

        @app.post("/token")
        def token():
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify({"error": "invalid_grant"}), 400
            verifier = request.form.get("code_verifier", "").encode("ascii")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()) \
                .rstrip(b"=").decode("ascii")
            if challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant",
                                "error_description": "PKCE verification failed"}), 400
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                            "expires_in": 300, "id_token": self._id_token(grant)})

        @app.get("/logout")
        def logout():
            self.ended.append(dict(request.args))
            return redirect(request.args.get("post_logout_redirect_uri", "/"))

        return app
