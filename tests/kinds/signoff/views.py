"""The sign-off page: who has been signed off."""

from lms.core.policy import require
from tests.kinds.signoff.kind import SIGNED_OFF


@require("signoff.view")
def signed_off():
    return {"signed_off": sorted(SIGNED_OFF)}
