"""Certificates: rules engine, awards, PDF rendering, verification, expiry."""
