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
    path = Path(env) if env else REPO / "target" / "debug" / "azlift"
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


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    workdir = tmp_path_factory.mktemp("emulator")
    state = workdir / "cloud.json"
    ca = workdir / "ca.pem"
    stderr_path = workdir / "stderr.log"
    stdout_path = workdir / "stdout.log"
    cmd = [
        str(_binary()),
        "emulator",
        "--port", "0",
        "--profile", "instant",
        "--state", str(state),
        "--cert-out", str(ca),
        "--output", "json",
    ]
    stderr_file = stderr_path.open("w")
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=str(REPO),
    )

    def fail(msg: str):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        stderr_file.close()
        err = stderr_path.read_text(errors="replace")[-4000:]
        pytest.exit(f"{msg}\ncommand: {' '.join(cmd)}\nstderr:\n{err}", returncode=3)

    line = _read_first_line(proc.stdout, START_TIMEOUT)
    if not line:
        fail("the emulator printed nothing on stdout")
    try:
        info = json.loads(line)
    except json.JSONDecodeError:
        fail(f"the emulator's first stdout line is not JSON: {line!r}")
    url = (info.get("url") or info.get("https_url") or "").rstrip("/")
    if not url.startswith("https://"):
        fail(f"no https url in the emulator's first stdout line: {line!r}")
    ca_path = info.get("ca") or info.get("cert") or info.get("ca_pem") or str(ca)
    _drain(proc.stdout, stdout_path)

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            fail(f"the emulator exited with status {proc.returncode}")
        try:
            if Path(ca_path).exists():
                r = requests.get(
                    f"{url}/subscriptions/{SUBSCRIPTION}",
                    params={"api-version": "2022-12-01"},
                    headers={"Authorization": "Bearer probe"},
                    verify=ca_path,
                    timeout=2,
                )
                if r.status_code < 500:
                    break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            fail("the emulator did not answer in time")
        time.sleep(0.1)

    yield Emulator(url=url, ca=str(ca_path), state=state, workdir=workdir)

    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    stderr_file.close()


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


def _make(cls, emulator, credential, **extra):
    return cls(credential, emulator.subscription, **client_kwargs(emulator), **extra)


@pytest.fixture(scope="session")
def resource_client(emulator, credential):
    from azure.mgmt.resource.resources import ResourceManagementClient

    return _make(ResourceManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def loganalytics_client(emulator, credential):
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient

    return _make(LogAnalyticsManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def appinsights_client(emulator, credential):
    from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient

    return _make(ApplicationInsightsManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def monitor_client(emulator, credential):
    from azure.mgmt.monitor import MonitorManagementClient

    return _make(MonitorManagementClient, emulator, credential)


@pytest.fixture(scope="session")
def containerapps_client(emulator, credential):
    from azure.mgmt.appcontainers import ContainerAppsAPIClient

    return _make(ContainerAppsAPIClient, emulator, credential)


@pytest.fixture(scope="session")
def apim_client(emulator, credential):
    from azure.mgmt.apimanagement import ApiManagementClient

    return _make(ApiManagementClient, emulator, credential)


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
    yield s
    s.close()
