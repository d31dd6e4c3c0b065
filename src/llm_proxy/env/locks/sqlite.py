"""SQLite: an exclusive ``flock`` on a small file beside the database.

The kernel drops it the moment its holder dies, so a crash can never leave the lock stuck
(the Go server's lock row could); the file records who holds it, for the waiting message.
It is never deleted: unlinking a lock file lets two processes lock two different inodes.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from llm_proxy.env.locks.connection import whoami
from llm_proxy.errors import MigrationError

if TYPE_CHECKING:
    from pathlib import Path


class NoLock:
    """An in-memory SQLite database is private to its connection: nothing to exclude."""

    def try_acquire(self) -> bool:
        return True

    def holder(self) -> str:
        return "nobody"

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None


class FileLock:
    """``flock`` on a file beside the SQLite database; the kernel frees it if we die."""

    def __init__(self, path: Path) -> None:
        import fcntl

        self.path = path
        self._fcntl = fcntl
        try:
            self.fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise MigrationError(
                f"{path}: cannot create the migration lock file: {exc.strerror or exc}; "
                "the database's folder must be writable (SQLite writes its journal there too)"
            ) from exc

    def try_acquire(self) -> bool:
        assert self.fd is not None
        try:
            self._fcntl.flock(self.fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        from datetime import datetime, timezone

        record = json.dumps({"holder": whoami(), "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, record.encode(), 0)
        return True

    def holder(self) -> str:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        if "holder" not in record:
            return "another process"
        return f"{record['holder']} since {record.get('since', '?')}"

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            self._fcntl.flock(self.fd, self._fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
