"""The package journeys' fixtures (SCORM 1.2 and xAPI): one real LRS (Ralph, tests/lrs.py)
per module, and the live app pointed at it."""

import pytest

from tests.lrs import PASSWORD, USERNAME, RunningLrs


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    running = RunningLrs(tmp_path_factory.mktemp("lrs"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def app_config(app_config, lrs):
    return {**app_config, "XAPI_ENDPOINT": lrs.endpoint, "XAPI_USERNAME": USERNAME,
            "XAPI_PASSWORD": PASSWORD}
