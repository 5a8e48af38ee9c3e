"""Runs Ralph's LRS (`ralph.api:app`) with its file-system backend for the tests.

Ralph's file backend writes each batch with operation "create", which refuses a second write
to its one statements file; as an LRS it must append, so the backend's default is set to
"append" here before the app is served. Everything else (validation, authentication,
storage, queries) is Ralph's own. Usage: python tests/lrs_server.py PORT
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
