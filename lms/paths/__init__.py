"""Certification paths (tiers) as data."""
