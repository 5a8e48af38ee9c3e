"""The time bounds every provider sign-in is held to, OpenID Connect and SAML alike."""

# How far the provider's clock may be from ours when checking expiry and issue times.
MAX_CLOCK_SKEW_SECONDS = 120
# How long the browser may stay at the provider between leaving and coming back.
MAX_ROUND_TRIP_SECONDS = 600
