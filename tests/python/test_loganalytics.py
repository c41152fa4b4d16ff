"""Log Analytics workspaces through azure-mgmt-loganalytics: create (LRO), read, update,
shared keys, soft delete and forced delete."""

from __future__ import annotations

import base64

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.loganalytics.models import Workspace, WorkspacePatch, WorkspaceSku

from conftest import LOCATION, unique
from helpers import assert_arm_error, is_uuid


def _workspace(retention: int = 30, **kw) -> Workspace:
    return Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"), retention_in_days=retention, **kw)


def test_workspace_lifecycle(loganalytics_client, resource_group, arm_session, emulator):
    la = loganalytics_client
    name = unique("log-")
    poller = la.workspaces.begin_create_or_update(resource_group, name, _workspace(tags={"a": "1"}))
    ws = poller.result()
    assert poller.status().lower() == "succeeded"
    assert ws.name == name
    assert ws.type.lower() == "microsoft.operationalinsights/workspaces"
    assert ws.location == LOCATION
    assert ws.provisioning_state == "Succeeded"
    assert is_uuid(ws.customer_id), f"customerId is a server-set GUID, got {ws.customer_id!r}"
    assert ws.retention_in_days == 30
    assert ws.sku.name.lower() == "pergb2018"

    got = la.workspaces.get(resource_group, name)
    assert got.id == ws.id and got.customer_id == ws.customer_id and got.tags == {"a": "1"}

    # update through a second PUT: retention changes, the customerId stays
    updated = la.workspaces.begin_create_or_update(resource_group, name, _workspace(retention=90, tags={"a": "1"})).result()
    assert updated.retention_in_days == 90
    assert updated.customer_id == ws.customer_id
    assert la.workspaces.get(resource_group, name).retention_in_days == 90

    # update through PATCH
    patched = la.workspaces.update(resource_group, name, WorkspacePatch(tags={"a": "2"}))
    assert patched.tags == {"a": "2"}
    after = la.workspaces.get(resource_group, name)
    assert after.tags == {"a": "2"} and after.retention_in_days == 90

    # shared keys are served by the action only, never by GET
    keys = la.shared_keys.get_shared_keys(resource_group, name)
    assert keys.primary_shared_key and keys.secondary_shared_key
    assert keys.primary_shared_key != keys.secondary_shared_key
    base64.b64decode(keys.primary_shared_key, validate=True)
    assert la.shared_keys.get_shared_keys(resource_group, name).primary_shared_key == keys.primary_shared_key
    raw = arm_session.get(
        emulator.url + ws.id, params={"api-version": "2025-07-01"}, headers={"Authorization": "Bearer t"}
    )
    assert raw.status_code == 200
    assert keys.primary_shared_key not in raw.text and keys.secondary_shared_key not in raw.text

    # listed in the group
    assert name in [w.name for w in la.workspaces.list_by_resource_group(resource_group)]

    la.workspaces.begin_delete(resource_group, name, force=True).result()
    with pytest.raises(ResourceNotFoundError) as e:
        la.workspaces.get(resource_group, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")
    # a forced delete skips the soft delete
    assert name not in [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]


def test_delete_without_force_soft_deletes(loganalytics_client, resource_group):
    la = loganalytics_client
    name = unique("log-soft-")
    la.workspaces.begin_create_or_update(resource_group, name, _workspace()).result()
    la.workspaces.begin_delete(resource_group, name).result()
    with pytest.raises(ResourceNotFoundError):
        la.workspaces.get(resource_group, name)
    deleted = [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]
    assert name in deleted, "a workspace deleted without force=true is recoverable (soft-deleted)"


def test_shared_keys_of_missing_workspace_is_404(loganalytics_client, resource_group):
    with pytest.raises(ResourceNotFoundError) as e:
        loganalytics_client.shared_keys.get_shared_keys(resource_group, unique("log-missing-"))
    assert_arm_error(e.value, 404)


def test_recreate_after_soft_delete_restores_the_workspace(loganalytics_client, resource_group):
    """ARM silently recovers a soft-deleted workspace re-created with the same name: the
    customerId comes back (azurerm #26644)."""
    la = loganalytics_client
    name = unique("log-restore-")
    first = la.workspaces.begin_create_or_update(resource_group, name, _workspace()).result()
    la.workspaces.begin_delete(resource_group, name).result()
    again = la.workspaces.begin_create_or_update(resource_group, name, _workspace()).result()
    assert again.customer_id == first.customer_id
    assert name not in [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]
    la.workspaces.begin_delete(resource_group, name, force=True).result()


def test_list_workspaces_in_subscription(loganalytics_client, resource_group):
    name = unique("log-list-")
    ws = loganalytics_client.workspaces.begin_create_or_update(resource_group, name, _workspace()).result()
    ids = [w.id.lower() for w in loganalytics_client.workspaces.list()]
    assert ws.id.lower() in ids
