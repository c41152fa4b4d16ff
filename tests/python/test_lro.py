"""The long-running-operation protocol on the wire (what the SDK pollers rely on):
PUT 201 + Azure-AsyncOperation, DELETE 202 + Location, Retry-After, terminal states."""

from __future__ import annotations

import time

from conftest import LOCATION, unique

H = {"Authorization": "Bearer t"}


def _poll(session, url, until, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        r = session.get(url, headers=H)
        if until(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_put_is_201_with_azure_async_operation(arm_session, emulator, resource_group):
    rid = f"/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.OperationalInsights/workspaces/{unique('log-lro-')}"
    r = arm_session.put(
        emulator.url + rid,
        params={"api-version": "2025-07-01"},
        headers=H,
        json={"location": LOCATION, "properties": {"sku": {"name": "PerGB2018"}}},
    )
    assert r.status_code in (200, 201), r.text
    body = r.json()
    assert body["id"].lower() == rid.lower()
    if r.status_code == 201:
        op = r.headers.get("Azure-AsyncOperation")
        assert op and op.startswith(emulator.url + "/"), f"Azure-AsyncOperation must point at the emulator: {op}"
        assert "retry-after" in {k.lower() for k in r.headers}
        assert body["properties"]["provisioningState"] not in ("Failed", "Canceled")
        status = _poll(arm_session, op, lambda x: x.json().get("status") in ("Succeeded", "Failed", "Canceled"))
        assert status.status_code == 200
        assert status.json()["status"] == "Succeeded"
    got = arm_session.get(emulator.url + rid, params={"api-version": "2025-07-01"}, headers=H)
    assert got.json()["properties"]["provisioningState"] == "Succeeded"


def test_group_delete_is_202_with_location(arm_session, emulator):
    rg = unique("rg-lro-")
    url = f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups/{rg}"
    r = arm_session.put(url, params={"api-version": "2025-04-01"}, headers=H, json={"location": LOCATION})
    assert r.status_code == 201, "a new group answers 201 Created"
    again = arm_session.put(url, params={"api-version": "2025-04-01"}, headers=H, json={"location": LOCATION})
    assert again.status_code == 200, "re-PUT of an existing group answers 200"

    d = arm_session.delete(url, params={"api-version": "2025-04-01"}, headers=H)
    assert d.status_code in (200, 202), d.text
    if d.status_code == 202:
        loc = d.headers.get("Location")
        assert loc and loc.startswith(emulator.url + "/")
        assert "retry-after" in {k.lower() for k in d.headers}
        done = _poll(arm_session, loc, lambda x: x.status_code != 202)
        assert done.status_code in (200, 204)
    gone = arm_session.get(url, params={"api-version": "2025-04-01"}, headers=H)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "ResourceGroupNotFound"
