"""Absolute addresses of this site, from configuration only.

Badges, QR codes, e-mail, batch manifests and reset links are read outside the request that
made them, so they are built on PUBLIC_URL and never on the request's Host header (which a
client chooses). Start-up refuses to run without PUBLIC_URL except in debug and testing,
where the fallback is SERVER_NAME or the development server's address.
"""

from flask import current_app

DEVELOPMENT_URL = "http://localhost:5000"


def site_base() -> str:
    """The site's address without a trailing slash."""
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"].rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return DEVELOPMENT_URL


def public_url(path: str) -> str:
    """The absolute address of a site path ("/verify/abc" -> "https://academy…/verify/abc")."""
    return site_base() + path
