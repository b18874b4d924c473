"""An audit hook that keeps learner code away from the network, other processes and hidden files.

Audit hooks cannot be removed once installed, so learner code running after this hook cannot
switch it off from Python. It is best effort against native code, which the process limits and
the process-tree clean-up in ``reaper`` back up.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Iterable

PROCESS_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "subprocess.Popen", "os.startfile"}
)
NETWORK_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
# Events that name files, as (path argument, dir_fd argument or None) pairs. A protected file may be
# neither read nor changed, moved, linked or copied elsewhere (where it could then be read).
READING_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "open": ((0, None),),
    "os.listdir": ((0, None),),
    "os.scandir": ((0, None),),
    "os.walk": ((0, None),),
    "os.fwalk": ((0, 4),),
    "os.chdir": ((0, None),),
    "os.getxattr": ((0, None),),
    "os.listxattr": ((0, None),),
}
# (path argument, dir_fd argument or None, whether the event writes there). Written places must also
# stay outside the read-only folders: the grader's own code, the Python installation, the course.
CHANGING_EVENTS: dict[str, tuple[tuple[int, int | None, bool], ...]] = {
    "os.rename": ((0, 2, True), (1, 3, True)),  # os.replace too
    "os.link": ((0, 2, False), (1, 3, True)),
    "os.symlink": ((1, 2, True),),  # the link's target is checked separately
    "os.remove": ((0, 1, True),),
    "os.rmdir": ((0, 1, True),),
    "os.mkdir": ((0, 2, True),),
    "os.chmod": ((0, 2, True),),
    "os.chown": ((0, 3, True),),
    "os.chflags": ((0, None, True),),
    "os.utime": ((0, 3, True),),
    "os.truncate": ((0, None, True),),
    "os.setxattr": ((0, None, True),),
    "os.removexattr": ((0, None, True),),
    "shutil.copyfile": ((0, None, False), (1, None, True)),
    "shutil.copymode": ((0, None, False), (1, None, True)),
    "shutil.copystat": ((0, None, False), (1, None, True)),
    "shutil.copytree": ((0, None, False), (1, None, True)),
    "shutil.move": ((0, None, True), (1, None, True)),
    "shutil.rmtree": ((0, 1, True),),
    "shutil.chown": ((0, None, True),),
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def read_only_dirs(protected_dirs: Iterable[str], work_dir: str) -> list[str]:
    """Folders learner code may read but never change: whatever a later grading run would execute.

    That is the grader's package, the Python installation (a ``.pth`` file in site-packages runs at
    every start), every folder on ``sys.path``, and the course holding the protected folders; never
    the file system's root, nor ``work_dir`` (the learner's copy) or a folder that holds it.
    """
    work = os.path.join(os.path.realpath(work_dir), "")
    candidates = read_only_candidates(tuple(protected_dirs), tuple(sys.path))
    return sorted(real for real in candidates if not work.startswith(os.path.join(real, "")))


@functools.lru_cache(maxsize=8)
def read_only_candidates(protected_dirs: tuple[str, ...], path: tuple[str, ...]) -> frozenset[str]:
    """The resolved folders ``read_only_dirs`` starts from, for these protected folders and this
    ``sys.path`` (the zygote works them out once; a child with the same ones inherits them)."""
    import site

    folders = {os.path.dirname(os.path.dirname(os.path.abspath(__file__))), sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    folders.update(getattr(site, "getsitepackages", list)())
    user_site = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user_site, str):
        folders.add(user_site)
    folders.update(entry for entry in path if entry and os.path.isdir(entry))
    folders.update(os.path.dirname(os.path.realpath(folder)) for folder in protected_dirs)
    resolved = (os.path.realpath(folder) for folder in folders)
    return frozenset(real for real in resolved if real != os.path.dirname(real))


class SandboxViolation(PermissionError):
    """Raised inside the sandbox when learner code does something the grader forbids."""


def is_loopback(host: object) -> bool:
    """True for loopback addresses and the name ``localhost``."""
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def protection_check(protected_dirs: Iterable[str]) -> Callable[[object], bool]:
    """A predicate: does this path (after resolving every symlink) lie inside a protected folder?"""
    protected = tuple(os.path.join(os.path.realpath(p), "") for p in protected_dirs)

    def is_protected(path: object) -> bool:
        path = _as_text(path)
        if path is None or not protected:
            return False
        real = os.path.join(os.path.realpath(path), "")
        return real.startswith(protected)

    return is_protected


def lexically_inside(path: str, folders: Iterable[str]) -> bool:
    """True when ``path`` as written (symlinks not resolved) lies inside one of ``folders``."""
    here = os.path.join(os.path.abspath(path), "")
    return any(here.startswith(os.path.join(form, "")) for f in folders for form in (os.path.abspath(f), os.path.realpath(f)))


def _as_text(path: object) -> str | None:
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path if isinstance(path, str) else None


def _open_directories() -> list[str]:
    """The folders this process holds open file descriptors on (candidates for an unseen ``dir_fd``)."""
    folders = []
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return folders
    for name in names:
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target.startswith("/") and os.path.isdir(target):
            folders.append(target)
    return folders


def _resolutions(path: object, dir_fd: object, *, unseen_dir_fd: bool) -> list[str]:
    """Every file ``path`` may name: relative to ``dir_fd`` when given, else to the working directory.

    The ``open`` event does not report ``dir_fd`` (``os.open(name, flags, dir_fd=fd)``), so for it a
    relative path is also tried against every folder the process holds open.
    """
    text = _as_text(path)
    if text is None:
        return []
    if os.path.isabs(text):
        return [text]
    if isinstance(dir_fd, int) and dir_fd >= 0:
        try:
            return [os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)]
        except OSError:
            return [text]
    if unseen_dir_fd:
        return [text, *(os.path.join(folder, text) for folder in _open_directories())]
    return [text]


def install_guards(protected_dirs: Iterable[str], read_only: Iterable[str] = ()) -> None:
    """Install the sandbox audit hook for the rest of this process's life."""
    is_protected = protection_check(protected_dirs)
    is_read_only = protection_check(read_only)
    own_pid = os.getpid()

    def touches(check: Callable[[object], bool], event: str, args: tuple, places: tuple[tuple[int, int | None, bool], ...]) -> bool:
        for path_at, fd_at, _ in places:
            if path_at >= len(args):
                continue
            dir_fd = args[fd_at] if fd_at is not None and fd_at < len(args) else None
            if any(check(p) for p in _resolutions(args[path_at], dir_fd, unseen_dir_fd=event == "open")):
                return True
        return False

    def read_places(event: str) -> tuple[tuple[int, int | None, bool], ...]:
        return tuple((path_at, fd_at, False) for path_at, fd_at in READING_EVENTS[event])

    def opens_for_writing(args: tuple) -> bool:
        return len(args) > 2 and isinstance(args[2], int) and bool(args[2] & WRITE_FLAGS)

    def links_to_protected(args: tuple) -> bool:
        """``os.symlink(target, link)``: does the new link lead into a protected folder?"""
        target, link = _as_text(args[0]), _as_text(args[1])
        if target is None or link is None:
            return False
        places = _resolutions(link, args[2] if len(args) > 2 else None, unseen_dir_fd=False)
        return any(is_protected(os.path.join(os.path.dirname(os.path.abspath(p)), target)) for p in places)

    def hook(event: str, args: tuple) -> None:
        if event in NETWORK_EVENTS:
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
                host = address[0] if isinstance(address, tuple) and address else address
                if not is_loopback(host):
                    raise SandboxViolation(
                        f"network access to {host!r} is blocked while grading; only loopback (127.0.0.1) is allowed"
                    )
        elif event in PROCESS_EVENTS:
            raise SandboxViolation(f"starting processes ({event}) is not allowed while grading")
        elif event in ("os.kill", "os.killpg"):
            target = args[0]
            if target not in (0, own_pid):
                raise SandboxViolation(f"sending signals to other processes ({event} {target}) is not allowed while grading")
        elif event in READING_EVENTS:
            if touches(is_protected, event, args, read_places(event)):
                raise SandboxViolation("reading the grader's checks or solutions is not allowed")
            if event == "open" and opens_for_writing(args) and touches(is_read_only, event, args, read_places(event)):
                raise SandboxViolation(f"writing into the grader's code, the course or the Python installation ({args[0]}) is not allowed")
        elif event in CHANGING_EVENTS:
            places = CHANGING_EVENTS[event]
            if touches(is_protected, event, args, places) or (event == "os.symlink" and links_to_protected(args)):
                raise SandboxViolation(f"changing, moving or linking the grader's checks or solutions ({event}) is not allowed")
            if touches(is_read_only, event, args, tuple(place for place in places if place[2])):
                raise SandboxViolation(f"changing the grader's code, the course or the Python installation ({event}) is not allowed")

    sys.addaudithook(hook)
