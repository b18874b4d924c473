"""An audit hook that keeps learner code away from the network, other processes and hidden files.

Audit hooks cannot be removed once installed, so learner code running after this hook cannot
switch it off from Python. It is best effort against native code, which the process limits and
the process-tree clean-up in ``reaper`` back up.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Iterable

PROCESS_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "subprocess.Popen", "os.startfile"}
)
NETWORK_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
LISTING_EVENTS = frozenset({"os.listdir", "os.scandir"})


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


def install_guards(protected_dirs: Iterable[str]) -> None:
    """Install the sandbox audit hook for the rest of this process's life."""
    protected = tuple(os.path.join(os.path.realpath(p), "") for p in protected_dirs)
    own_pid = os.getpid()

    def is_protected(path: object) -> bool:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or not protected:
            return False
        real = os.path.join(os.path.realpath(path), "")
        return real.startswith(protected)

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
        elif event == "open" or event in LISTING_EVENTS:
            if args and is_protected(args[0]):
                raise SandboxViolation("reading the grader's checks or solutions is not allowed")

    sys.addaudithook(hook)
