"""Content-addressed file storage for lesson attachments.

Files live in one directory outside the web root (config STORAGE_DIR, which may be a mounted
volume shared by every worker and host), each under the SHA-256 of its content. Identical
uploads share one file; a file is written to a temporary name first and renamed into place,
so a reader never sees half a file.
"""

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
HEAD = 8192  # what content sniffing (filetype) looks at
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    """The stream is longer than the limit it was stored with."""


@dataclass
class StoredFile:
    sha256: str
    size: int
    head: bytes  # the first bytes, for content sniffing


def path_for(storage_dir: str, sha256: str) -> Path:
    """Where the file with this digest lives (two-character fan-out keeps folders small)."""
    if not SHA256.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return Path(storage_dir) / sha256[:2] / sha256


def store(storage_dir: str, stream: BinaryIO, max_bytes: int,
          check_head=None) -> StoredFile:
    """Copy `stream` into storage and return its digest and size. Raises TooLarge beyond
    `max_bytes`; `check_head(head: bytes)` may raise to refuse the content before anything is
    kept. Nothing is left behind when either refuses."""
    root = Path(storage_dir)
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, temp_name = tempfile.mkstemp(dir=root / "tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                    if check_head is not None and len(head) >= HEAD:
                        check_head(head)
                        check_head = None
                digest.update(chunk)
                out.write(chunk)
        if check_head is not None:
            check_head(head)
        final = path_for(storage_dir, digest.hexdigest())
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, final)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return StoredFile(sha256=digest.hexdigest(), size=size, head=head)
