"""Behaviour that needs an emulator of its own: persistence across restarts, the scaled
latency profile (pollers that really poll), injected faults the SDK must survive or report,
and --strict-auth with tokens from the token endpoint."""

from __future__ import annotations

import time

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import ApiManagementServiceResource, ApiManagementServiceSkuProperties
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from conftest import LOCATION, TENANT, make_client, unique
from helpers import assert_arm_error


def _raw(emu) -> requests.Session:
    s = requests.Session()
    s.verify = emu.ca
    s.trust_env = False
    return s


def test_state_survives_a_restart(spawn_emulator, tmp_path):
    state = tmp_path / "shared-cloud.json"
    emu, proc = spawn_emulator(state=state, name="first")
    rc = make_client(ResourceManagementClient, emu)
    la = make_client(LogAnalyticsManagementClient, emu)
    rg = unique("rg-persist-")
    rc.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION, tags={"k": "v"}))
    ws = la.workspaces.begin_create_or_update(
        rg, unique("log-persist-"), Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"))
    ).result()
    key = la.shared_keys.get_shared_keys(rg, ws.name).primary_shared_key
    assert proc.stop() is not None

    emu2, _ = spawn_emulator(state=state, name="second")
    rc2 = make_client(ResourceManagementClient, emu2)
    la2 = make_client(LogAnalyticsManagementClient, emu2)
    assert rc2.resource_groups.get(rg).tags == {"k": "v"}
    again = la2.workspaces.get(rg, ws.name)
    assert again.customer_id == ws.customer_id
    assert la2.shared_keys.get_shared_keys(rg, ws.name).primary_shared_key == key


def test_scaled_profile_pollers_poll(spawn_emulator):
    """With realistic durations scaled down, a create is observably in progress first."""
    emu, _ = spawn_emulator(profile="scaled:0.001")
    rc = make_client(ResourceManagementClient, emu)
    apim = make_client(ApiManagementClient, emu)
    rg = unique("rg-scaled-")
    rc.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION))
    name = unique("apim-scaled-", 10)
    body = ApiManagementServiceResource(
        location=LOCATION,
        sku=ApiManagementServiceSkuProperties(name="Developer", capacity=1),
        publisher_email="api@example.com",
        publisher_name="Example",
    )
    started = time.monotonic()
    poller = apim.api_management_service.begin_create_or_update(rg, name, body)
    assert not poller.done(), "a Developer service takes a while even scaled by 0.001"
    mid = _raw(emu).get(
        f"{emu.url}/subscriptions/{emu.subscription}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}",
        params={"api-version": "2024-05-01"},
        headers={"Authorization": "Bearer t"},
    )
    assert mid.status_code == 200
    assert mid.json()["properties"]["provisioningState"] in ("Creating", "Activating", "InProgress")

    # a second write while the first runs is refused, as ARM does
    with pytest.raises(HttpResponseError) as e:
        apim.api_management_service.begin_create_or_update(rg, name, body).result()
    assert_arm_error(e.value, 409)

    svc = poller.result()
    assert svc.provisioning_state == "Succeeded"
    assert poller.status().lower() == "succeeded"
    assert time.monotonic() - started >= 1.0, "the poller waited for the operation"


def test_injected_429_is_retried_by_the_sdk(spawn_emulator):
    emu, _ = spawn_emulator("--faults", "every:2=429@GET,retry-after:1")
    raw = _raw(emu)
    url = f"{emu.url}/subscriptions/{emu.subscription}/resourcegroups"
    statuses = []
    for _ in range(2):
        r = raw.get(url, params={"api-version": "2025-04-01"}, headers={"Authorization": "Bearer t"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert r.headers.get("Retry-After") == "1"
            assert r.json()["error"]["code"] in ("TooManyRequests", "RetryableError", "SubscriptionRequestsThrottled")
    assert 429 in statuses, statuses
    # the SDK's retry policy honours Retry-After and gets through
    rc = make_client(ResourceManagementClient, emu)
    for _ in range(3):
        assert isinstance(list(rc.resource_groups.list()), list)


def test_failed_lro_surfaces_in_the_poller(spawn_emulator):
    emu, _ = spawn_emulator("--faults", "fail-lro:Microsoft.OperationalInsights/workspaces")
    rc = make_client(ResourceManagementClient, emu)
    la = make_client(LogAnalyticsManagementClient, emu)
    rg = unique("rg-faillro-")
    rc.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION))
    poller = la.workspaces.begin_create_or_update(
        rg, unique("log-fail-"), Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"))
    )
    with pytest.raises(HttpResponseError):
        poller.result()
    assert poller.status().lower() == "failed"


def test_strict_auth_accepts_only_issued_tokens(spawn_emulator):
    emu, _ = spawn_emulator("--strict-auth")
    r = _raw(emu).get(
        f"{emu.url}/subscriptions/{emu.subscription}/resourcegroups",
        params={"api-version": "2025-04-01"},
        headers={"Authorization": "Bearer not-issued-here"},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"

    bogus = make_client(ResourceManagementClient, emu)
    with pytest.raises((ClientAuthenticationError, HttpResponseError)) as e:
        list(bogus.resource_groups.list())
    assert e.value.status_code == 401

    cred = ClientSecretCredential(
        TENANT, "33333333-3333-3333-3333-333333333333", "s", authority=emu.url,
        disable_instance_discovery=True, connection_verify=emu.ca,
    )
    good = make_client(ResourceManagementClient, emu, credential=cred)
    name = unique("rg-strict-")
    assert good.resource_groups.create_or_update(name, ResourceGroup(location=LOCATION)).name == name
