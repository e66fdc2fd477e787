"""One instance at a time: a lock on the database, and stopping on Telegram's 409 Conflict.

Two bots on one database would send every digest twice and fight over the schedule; two
bots polling one token make Telegram answer 409 Conflict to one of them, forever. So:

- `InstanceLock` takes an exclusive `flock` on `<database>.lock` for the life of the process
  and writes the holder's pid into it. The OS drops the lock when the process ends, even by
  SIGKILL or a crash, so a stale lock file never blocks a restart. The file stays: deleting
  it would let a late starter lock a file no one else can see. The lock is taken on the
  resolved path, so a symlink to the database meets the same lock.
- `process_owner` names this process in the claims it takes (`bot.storage`), and
  `owner_is_alive` tells whether the process that took a claim still runs, so that a
  restart takes over only what a dead process left and never a live process's claims.
- `bot.runtime.stop_on_conflict` (called by the error handler) reports a 409 plainly, with
  `CONFLICT_MESSAGE`, and stops the application with `EXIT_CONFLICT`, instead of PTB's
  default of retrying the poll every few seconds.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no flock; the instance check is skipped there
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Exit statuses of `python -m bot`, distinct so that a supervisor can tell them apart
# (e.g. systemd's RestartPreventExitStatus=3 4: restarting would only fail again).
EXIT_ALREADY_RUNNING = 3
EXIT_CONFLICT = 4
CONFLICT_MESSAGE = (
    "Telegram answered 409 Conflict: another bot instance is polling with this token; "
    "stop it (or give this one its own token from @BotFather), then start this one again. "
    "Stopping now rather than fighting over updates."
)


class AlreadyRunning(Exception):
    """Another newsbot process holds the lock on this database."""

    def __init__(self, database: Path, pid: int | None) -> None:
        self.database = database
        self.pid = pid
        holder = f" (pid {pid})" if pid else ""
        super().__init__(
            f"another newsbot{holder} is already running on {database}; stop it first, "
            "or point NEWSBOT_DB at another database file."
        )


def lock_path(database: Path) -> Path:
    """The lock file of a database: `<database>.lock` beside the file itself.

    The path is resolved first: two names of one file (a symlink, `..` in the path) must
    meet at one lock, or two bots would run on one database.
    """
    real = Path(os.path.realpath(database))
    return real.with_name(real.name + ".lock")


class InstanceLock:
    """An exclusive lock on a database for this process; `with` it, or acquire() / release()."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> InstanceLock:
        """Take the lock (if not held already), or raise AlreadyRunning naming the holder."""
        if self._file is not None:
            return self
        if fcntl is None:
            logger.warning("no flock on this system: not checking for a second instance")
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+": never truncate before holding the lock; the holder's pid must stay readable.
        file = self.path.open("a+", encoding="ascii")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(file)
            file.close()
            raise AlreadyRunning(self.database, pid) from None
        except BaseException:
            file.close()
            raise
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return self

    def release(self) -> None:
        """Give the lock up (closing the file releases the flock)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.seek(0)
                self._file.truncate()
            self._file.close()
            self._file = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def lock_holder(database: Path) -> int | None:
    """The pid of the process running on `database` (0: pid unknown); None when none is."""
    path = lock_path(database)
    if fcntl is None or not path.exists():
        return None
    with path.open("r", encoding="ascii") as file:
        try:
            # A shared lock is refused only while an instance holds the exclusive one.
            fcntl.flock(file.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(file) or 0
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
    return None


def _read_pid(file: IO[str]) -> int | None:
    file.seek(0)
    text = file.read(32).strip()
    return int(text) if text.isdigit() else None


# -- claim owners -------------------------------------------------------------------------------
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@functools.cache
def process_owner() -> str:
    """This process as the owner of delivery claims: `pid@machine:start`.

    On Linux, the machine is the boot id and the start is the process's start time since
    boot, so a pid reused after a crash or a reboot is never mistaken for the old process.
    Elsewhere the host name stands in and the start is unknown (`-`).
    """
    pid = os.getpid()
    return f"{pid}@{_machine()}:{_start_time(pid) or '-'}"


def owner_is_alive(owner: str | None) -> bool:
    """Whether the process named by a claim owner (see `process_owner`) still runs here.

    An owner from another boot, or written in another form (older versions), is dead.
    """
    pid_text, _, rest = (owner or "").partition("@")
    machine, _, start = rest.rpartition(":")
    if not pid_text.isdigit() or machine != _machine():
        return False
    pid = int(pid_text)
    if start != "-":
        return _start_time(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


@functools.cache
def _machine() -> str:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return socket.gethostname()


def _start_time(pid: int) -> str | None:
    """A process's start time in clock ticks since boot (Linux), None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces and parentheses, so count from
    # the last closing parenthesis.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None
