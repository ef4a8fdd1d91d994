"""End to end: the installed `netpol-tui demo` in tmux shows an explanation and a fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux

TMUX = shutil.which("tmux")
SCRIPT = Path(sys.executable).parent / "netpol-tui"


SOCKET = f"netpol-e2e-{uuid.uuid4().hex[:8]}"  # a private tmux server: other sessions cannot resize ours


def tmux(*args: str, **kw):
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], **kw)


def _capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session, capture_output=True, text=True, check=False).stdout


def _wait_for(session: str, *needles: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.2)  # polling another process: there is no event to wait on
    raise AssertionError(f"{needles} not on screen after {timeout}s:\n{screen}")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (CI installs it)")
@pytest.mark.skipif(not SCRIPT.exists(), reason=f"console script {SCRIPT} not installed (pip install -e .)")
@pytest.mark.parametrize("quit_key", ["q", "C-c"])
def test_demo_in_tmux_shows_an_explanation_and_a_fix(quit_key: str):
    session = f"netpol-e2e-{uuid.uuid4().hex[:8]}"
    cmd = f"env -u COLUMNS -u LINES {SCRIPT} demo"  # the size is tmux's, not the test runner's
    tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmd, check=True)
    try:
        # the first drop is the DNS one: no closest rule is named (none shares its peer or port, issue 15)
        screen = _wait_for(session, "DENIED", "Fix (", "apiVersion: networking.k8s.io/v1", "Hubble: DROPPED")
        assert "Hubble and the policies agree" in screen
        assert "DROPPED" in screen and "connected" in screen
        tmux("send-keys", "-t", session, "g", check=True)
        _wait_for(session, "Drop groups", "COUNT")
        tmux("send-keys", "-t", session, "?", check=True)
        _wait_for(session, "command palette")
        tmux("send-keys", "-t", session, "Escape", check=True)
        deadline = time.monotonic() + 10
        while "command palette" in _capture(session) and time.monotonic() < deadline:
            time.sleep(0.2)  # the help closes (ESC is followed by a short wait for an escape sequence)
        tmux("send-keys", "-t", session, quit_key, check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = tmux("has-session", "-t", session, capture_output=True).returncode == 0
            if not alive:
                break
            time.sleep(0.2)
        assert not alive, f"netpol-tui did not quit on {quit_key}"
    finally:
        tmux("kill-server", capture_output=True)
