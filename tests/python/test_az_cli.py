"""The Azure CLI as a second judge of the emulator.

`az` (pip azure-cli, in .venv-az: scripts/python-env.sh) registers the emulator as a custom
cloud through its anonymous metadata endpoint, signs in with a service principal through the
emulator's token endpoint (OpenID discovery under the authority; MSAL's instance discovery
off, as for any private cloud), and then reads what azlift stood up from the production
example with its ordinary commands. Its writes make drift that `azlift plan` must show
exactly; after `az group delete`, plan proposes every create.

Environment: AZLIFT_AZ, the `az` executable (default: .venv-az/bin/az under the repository).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SUBSCRIPTION, TENANT, _binary

CLIENT_ID = "azlift-az-judge"
CLIENT_SECRET = "az-judge-secret"
CLOUD = "AzliftEmulator"
RG = "rg-blog08-prod"


def _az_path() -> Path:
    env = os.environ.get("AZLIFT_AZ")
    if env:
        path = Path(env)
        if not path.exists():
            pytest.fail(f"AZLIFT_AZ={env} does not exist: run scripts/python-env.sh")
        return path
    path = REPO / ".venv-az" / "bin" / "az"
    if not path.exists():
        pytest.skip("the Azure CLI is not installed: run scripts/python-env.sh (scripts/test.sh does)")
    return path


class Az:
    """`az` with its own configuration folder, trusting the emulator's CA."""

    def __init__(self, exe: Path, config_dir: Path, ca: str):
        self.exe = exe
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AZURE_", "AZLIFT_", "MSAL_"))
        }
        self.env.update(
            AZURE_CONFIG_DIR=str(config_dir),
            REQUESTS_CA_BUNDLE=ca,
            AZURE_CORE_COLLECT_TELEMETRY="false",
            AZURE_CORE_INSTANCE_DISCOVERY="false",
            AZURE_CORE_SURVEY_MESSAGE="false",
            AZURE_CORE_NO_COLOR="true",
            AZURE_CORE_ONLY_SHOW_ERRORS="true",
            AZURE_EXTENSION_USE_DYNAMIC_INSTALL="no",
        )

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run(
            [str(self.exe), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and r.returncode != 0:
            raise AssertionError(
                f"az {' '.join(args)} exited {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
            )
        return r

    def json(self, *args: str):
        out = self.run(*args, "--output", "json").stdout
        return json.loads(out) if out.strip() else None


class Azlift:
    """The azlift binary on a copy of an example, pointed at the emulator (not --local)."""

    def __init__(self, project: Path, url: str, ca: str):
        self.project = project
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AZURE_", "AZLIFT_", "ACTIONS_ID_TOKEN_", "SYSTEM_OIDC")) and k != "CI"
        }
        self.env.update(
            AZLIFT_ARM_ENDPOINT=url,
            AZURE_AUTHORITY_HOST=url,
            AZLIFT_CA_CERT=ca,
            AZURE_TENANT_ID=TENANT,
            AZURE_CLIENT_ID=CLIENT_ID,
            AZURE_CLIENT_SECRET=CLIENT_SECRET,
            AZURE_SUBSCRIPTION_ID=SUBSCRIPTION,
            NO_COLOR="1",
        )

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(_binary()), "-f", str(self.project / "azlift.toml"), "--no-color", *args],
            env=self.env,
            cwd=self.project,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def plan(self) -> tuple[int, dict]:
        r = self.run("plan", "--output", "json", "--detailed-exitcode")
        assert r.returncode in (0, 2), f"plan failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        return r.returncode, json.loads(r.stdout)

    def state(self) -> dict:
        # .azlift/<project>/<environment>/state.json (compacted when the run ends)
        files = sorted(self.project.glob(".azlift/*/*/state.json"))
        assert len(files) == 1, f"one environment's state: {files}"
        return json.loads(files[0].read_text())


def changed(plan: dict) -> dict[str, tuple[str, list[tuple[str, object, object]]]]:
    """address -> (action, [(path, old, new)]) for every change that is not a no-op."""
    out = {}
    for c in plan["changes"]:
        if c["action"] in ("no_op", "read"):
            continue
        attrs = [(a["path"], a.get("old"), a.get("new")) for a in c.get("attributes") or []]
        out[c["address"]] = (c["action"], attrs)
    return out


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """An emulator with the production example stood up by azlift, and `az` signed in."""
    from conftest import EmulatorProcess

    exe = _az_path()
    work = tmp_path_factory.mktemp("az-judge")
    proc = EmulatorProcess(work / "emulator", ["--strict-auth"])
    emu = proc.start()
    try:
        project = work / "production"
        shutil.copytree(REPO / "examples" / "production", project, ignore=shutil.ignore_patterns(".azlift"))
        azlift = Azlift(project, emu.url, emu.ca)
        up = azlift.run("up", "--yes")
        assert up.returncode == 0, f"azlift up:\n{up.stdout}\n{up.stderr}"

        az = Az(exe, work / "az-config", emu.ca)
        az.run("cloud", "register", "--name", CLOUD, "--endpoint-resource-manager", emu.url + "/")
        az.run("cloud", "set", "--name", CLOUD)
        az.run(
            "login", "--service-principal",
            "--username", CLIENT_ID, "--password", CLIENT_SECRET, "--tenant", TENANT,
        )
        az.run("account", "set", "--subscription", SUBSCRIPTION)
        yield az, azlift, emu
    finally:
        proc.stop()


def by_address(state: dict) -> dict[str, dict]:
    return dict(state["resources"])


def test_az_signs_in_to_the_custom_cloud(judged):
    az, _, emu = judged
    cloud = az.json("cloud", "show", "--name", CLOUD)
    assert cloud["endpoints"]["resourceManager"].rstrip("/") == emu.url
    assert cloud["endpoints"]["activeDirectory"].rstrip("/") == emu.url
    account = az.json("account", "show")
    assert account["id"] == SUBSCRIPTION
    assert account["tenantId"] == TENANT
    assert account["user"] == {"name": CLIENT_ID, "type": "servicePrincipal"}


def test_az_reads_every_kind_azlift_made(judged):
    az, azlift, _ = judged
    resources = by_address(azlift.state())

    group = az.json("group", "show", "--name", RG)
    assert group["name"] == RG and group["location"] == "eastus"
    assert group["properties"]["provisioningState"] == "Succeeded"

    listed = az.json("resource", "list", "--resource-group", RG)
    top_level = {
        r["id"].lower()
        for r in resources.values()
        if r["id"].lower().count("/providers/") == 1 and r["id"].count("/") == 8
    }
    assert {r["id"].lower() for r in listed} == top_level

    # Every resource, read through its id alone: az looks the api-version up in the
    # provider registration (GET /subscriptions/{s}/providers/{ns}).
    for address, r in resources.items():
        if address == "resource_group":
            continue
        shown = az.json("resource", "show", "--ids", r["id"])
        assert shown["id"].lower() == r["id"].lower(), address

    def name(address: str) -> str:
        return resources[address]["id"].rsplit("/", 1)[1]

    ws = az.json("monitor", "log-analytics", "workspace", "show", "-g", RG, "-n", name("monitoring.workspace"))
    assert ws["provisioningState"] == "Succeeded" and ws["customerId"]
    assert ws["retentionInDays"] == 30

    for key in ("high-error-rate", "slow-response"):
        alert = az.json("monitor", "metrics", "alert", "show", "-g", RG, "-n", name(f"alert.{key}"))
        assert alert["enabled"] is True
        assert alert["criteria"]["allOf"][0]["metricName"].startswith("requests/")

    ag = az.json("monitor", "action-group", "show", "-g", RG, "-n", name("action_group.ops"))
    assert ag["groupShortName"] == "blog08alert"
    assert ag["emailReceivers"][0]["emailAddress"] == "ops@example.com"

    env = az.json("containerapp", "env", "show", "-g", RG, "-n", name("environment"))
    assert env["properties"]["provisioningState"] == "Succeeded"
    assert env["properties"]["appLogsConfiguration"]["logAnalyticsConfiguration"]["customerId"] == ws["customerId"]

    for app in ("frontend", "task-api", "notification-svc", "audit-svc"):
        ca = az.json("containerapp", "show", "-g", RG, "-n", name(f"app.{app}"))
        assert ca["properties"]["provisioningState"] == "Succeeded", app
        assert ca["properties"]["template"]["scale"]["minReplicas"] == 1, app

    apim = az.json("apim", "show", "-g", RG, "-n", name("apim.service"))
    assert apim["sku"]["name"] == "Developer"
    assert apim["provisioningState"] == "Succeeded"


def test_drift_made_with_az_is_exactly_what_plan_shows(judged):
    az, azlift, _ = judged
    code, plan = azlift.plan()
    assert code == 0, f"converged before any az write: {changed(plan)}"
    resources = by_address(azlift.state())

    def name(address: str) -> str:
        return resources[address]["id"].rsplit("/", 1)[1]

    az.run("monitor", "metrics", "alert", "update", "-g", RG, "-n", name("alert.high-error-rate"),
           "--set", "criteria.allOf[0].threshold=25")
    az.run("containerapp", "update", "-g", RG, "-n", name("app.frontend"), "--min-replicas", "2")
    az.run("group", "update", "--name", RG, "--set", "tags.env=staging")

    code, plan = azlift.plan()
    assert code == 2, "drift is a change"
    got = changed(plan)
    assert set(got) == {"alert.high-error-rate", "app.frontend", "resource_group"}, got
    assert got["alert.high-error-rate"] == (
        "update",
        [("properties.criteria.allOf[name=Metric1].threshold", 25, 10)],
    ), got["alert.high-error-rate"]
    assert got["app.frontend"] == (
        "update",
        [("properties.template.scale.minReplicas", 2, 1)],
    ), got["app.frontend"]
    assert got["resource_group"] == ("update", [("tags.env", "staging", "prod")]), got["resource_group"]


def test_after_az_group_delete_plan_creates_everything(judged):
    az, azlift, _ = judged
    az.run("group", "delete", "--name", RG, "--yes")
    assert az.run("group", "exists", "--name", RG).stdout.strip() == "false"
    code, plan = azlift.plan()
    assert code == 2
    got = changed(plan)
    managed = [a for a, r in azlift.state()["resources"].items() if r.get("managed", True)]
    assert {a: c[0] for a, c in got.items()} == {a: "create" for a in managed}
