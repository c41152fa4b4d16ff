"""Fixtures for the emulator fidelity tests.

One `azlift emulator` process serves the whole session (instant profile, a state file and
the CA certificate in a temporary directory). Every official Azure SDK client is pointed at
it with `base_url`, trusts its CA with `connection_verify`, and polls long-running operations
without waiting (`polling_interval=0`).

Environment:
  AZLIFT_BIN   the azlift binary (default: target/debug/azlift under the repository root).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError

REPO = Path(__file__).resolve().parents[2]
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "11111111-1111-1111-1111-111111111111"
LOCATION = "eastus"
ARM_SCOPE = "https://management.azure.com/.default"
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Emulator:
    url: str
    ca: str
    state: Path
    workdir: Path
    subscription: str = SUBSCRIPTION

    def arm(self, path: str) -> str:
        return self.url + path


class StaticCredential:
    """A TokenCredential handing out a fixed bearer token (the emulator accepts any token
    unless started with --strict-auth)."""

    def __init__(self, token: str = "azlift-emulator-test-token"):
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes, **kwargs):  # noqa: ARG002 - TokenCredential protocol
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    def close(self):
        pass


def _binary() -> Path:
    env = os.environ.get("AZLIFT_BIN")
    path = Path(env).resolve() if env else REPO / "target" / "debug" / "azlift"
    if not path.exists():
        pytest.exit(
            f"azlift binary not found at {path}: run `cargo build --bin azlift` first "
            "(or set AZLIFT_BIN)",
            returncode=3,
        )
    return path


def _read_first_line(stream, timeout: float) -> str:
    q: "queue.Queue[str]" = queue.Queue()

    def reader():
        q.put(stream.readline())

    threading.Thread(target=reader, daemon=True).start()
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        return ""


def _drain(stream, sink: Path):
    def pump():
        with sink.open("a", encoding="utf-8", errors="replace") as out:
            for line in iter(stream.readline, ""):
                out.write(line)
                out.flush()

    threading.Thread(target=pump, daemon=True).start()


class EmulatorProcess:
    """One `azlift emulator` child process."""

    def __init__(self, workdir: Path, extra_args: list[str] | None = None, state: Path | None = None,
                 profile: str = "instant"):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.state = state or workdir / "cloud.json"
        self.ca_out = workdir / "ca.pem"
        self.stderr_path = workdir / "stderr.log"
        self.stdout_path = workdir / "stdout.log"
        self.cmd = [
            str(_binary()),
            "emulator",
            "--port", "0",
            "--profile", profile,
            "--state", str(self.state),
            "--cert-out", str(self.ca_out),
            "--output", "json",
            *(extra_args or []),
        ]
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def start(self) -> Emulator:
        self._stderr_file = self.stderr_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=str(REPO),
        )
        line = _read_first_line(self.proc.stdout, START_TIMEOUT)
        if not line:
            self._fail("the emulator printed nothing on stdout")
        try:
            self.info = json.loads(line)
        except json.JSONDecodeError:
            self._fail(f"the emulator's first stdout line is not JSON: {line!r}")
        url = (self.info.get("url") or self.info.get("https_url") or "").rstrip("/")
        if not url.startswith("https://"):
            self._fail(f"no https url in the emulator's first stdout line: {line!r}")
        ca = self.info.get("ca_certificate") or self.info.get("ca") or str(self.ca_out)
        _drain(self.proc.stdout, self.stdout_path)
        self._wait_ready(url, ca)
        return Emulator(url=url, ca=str(ca), state=self.state, workdir=self.workdir)

    def _wait_ready(self, url: str, ca: str):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                self._fail(f"the emulator exited with status {self.proc.returncode}")
            try:
                if Path(ca).exists():
                    r = requests.get(
                        f"{url}/subscriptions/{SUBSCRIPTION}",
                        params={"api-version": "2022-12-01"},
                        headers={"Authorization": "Bearer probe"},
                        verify=ca,
                        timeout=2,
                    )
                    if r.status_code < 500:
                        return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self._fail("the emulator did not answer in time")
            time.sleep(0.1)

    def _fail(self, msg: str):
        self.stop()
        raise RuntimeError(f"{msg}\ncommand: {' '.join(self.cmd)}\nstderr:\n{self.stderr()[-4000:]}")

    def stop(self) -> int | None:
        """Stop with SIGINT (as Ctrl-C would), then SIGKILL if it lingers; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._stderr_file.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    """The emulator shared by the session (instant profile, state file, no faults)."""
    proc = EmulatorProcess(tmp_path_factory.mktemp("emulator"))
    try:
        emu = proc.start()
    except RuntimeError as e:
        pytest.exit(str(e), returncode=3)
    yield emu
    proc.stop()


@pytest.fixture
def spawn_emulator(tmp_path):
    """Start extra emulators (own profile, faults, state file) for one test; all are
    stopped after it. Returns (Emulator, EmulatorProcess)."""
    started: list[EmulatorProcess] = []

    def spawn(*extra_args: str, profile: str = "instant", state: Path | None = None, name: str | None = None):
        proc = EmulatorProcess(tmp_path / (name or f"emu{len(started)}"), list(extra_args), state=state, profile=profile)
        started.append(proc)
        return proc.start(), proc

    yield spawn
    for p in started:
        p.stop()


@pytest.fixture(scope="session")
def credential() -> StaticCredential:
    return StaticCredential()


def client_kwargs(emulator: Emulator) -> dict:
    """Keyword arguments every management client gets: the emulator's URL, its CA, no
    waiting between polls, and quick retries."""
    return dict(
        base_url=emulator.url,
        connection_verify=emulator.ca,
        polling_interval=0,
        retry_total=2,
        retry_backoff_factor=0.05,
        retry_backoff_max=0.2,
    )


def make_client(cls, emulator, credential=None, **extra):
    """An official management client of class `cls` talking to `emulator`."""
    return cls(credential or StaticCredential(), emulator.subscription, **{**client_kwargs(emulator), **extra})


@pytest.fixture(scope="session")
def resource_client(emulator, credential):
    from azure.mgmt.resource.resources import ResourceManagementClient

    return make_client(ResourceManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def loganalytics_client(emulator, credential):
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient

    return make_client(LogAnalyticsManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def appinsights_client(emulator, credential):
    from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient

    return make_client(ApplicationInsightsManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def monitor_client(emulator, credential):
    from azure.mgmt.monitor import MonitorManagementClient

    return make_client(MonitorManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def containerapps_client(emulator, credential):
    from azure.mgmt.appcontainers import ContainerAppsAPIClient

    return make_client(ContainerAppsAPIClient, emulator, credential)


@pytest.fixture(scope="session")
def apim_client(emulator, credential):
    from azure.mgmt.apimanagement import ApiManagementClient

    return make_client(ApiManagementClient, emulator, credential)


def unique(prefix: str, length: int = 8) -> str:
    """A name unique to this run (lowercase letters and digits after the prefix)."""
    return f"{prefix}{uuid.uuid4().hex[:length]}"


@pytest.fixture
def resource_group(resource_client):
    """A fresh resource group, deleted (with everything in it) after the test."""
    from azure.mgmt.resource.resources.models import ResourceGroup

    name = unique("rg-pytest-")
    rg = resource_client.resource_groups.create_or_update(name, ResourceGroup(location=LOCATION))
    assert rg.name == name
    yield name
    try:
        resource_client.resource_groups.begin_delete(name).result()
    except HttpResponseError as e:  # already deleted by the test
        if e.status_code != 404:
            raise


@pytest.fixture(scope="session")
def arm_session(emulator):
    """A raw requests session to the emulator (no SDK), trusting its CA."""
    s = requests.Session()
    s.verify = emulator.ca
    s.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override `verify`
    yield s
    s.close()
