"""The package journeys' fixtures (SCORM 1.2 and xAPI): the live app pointed at the real LRS
(the `lrs` fixture of tests/conftest.py, one per module)."""

import pytest

from tests.lrs import PASSWORD, USERNAME


@pytest.fixture
def app_config(app_config, lrs):
    return {**app_config, "XAPI_ENDPOINT": lrs.endpoint, "XAPI_USERNAME": USERNAME,
            "XAPI_PASSWORD": PASSWORD}
