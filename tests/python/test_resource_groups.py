"""Resource groups through azure-mgmt-resource: create, read, list, update, delete, and the
cascade of a group delete onto what it holds."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.resource.resources.models import ResourceGroup, ResourceGroupPatchable

from conftest import LOCATION, unique
from helpers import assert_arm_error, same_id


def test_create_get_list_update_delete(resource_client, emulator):
    name = unique("rg-crud-")
    created = resource_client.resource_groups.create_or_update(
        name, ResourceGroup(location="East US", tags={"team": "platform"})
    )
    assert created.name == name
    assert same_id(created.id, f"/subscriptions/{emulator.subscription}/resourceGroups/{name}")
    assert created.location == "eastus", "ARM returns the location normalised"
    assert created.properties.provisioning_state == "Succeeded"
    assert created.tags == {"team": "platform"}

    got = resource_client.resource_groups.get(name)
    assert got.id == created.id and got.tags == {"team": "platform"}
    # names are case-insensitive
    assert same_id(resource_client.resource_groups.get(name.upper()).id, created.id)
    assert resource_client.resource_groups.check_existence(name) is True

    names = [g.name for g in resource_client.resource_groups.list()]
    assert name in names

    patched = resource_client.resource_groups.update(
        name, ResourceGroupPatchable(tags={"team": "platform", "env": "test"})
    )
    assert patched.tags == {"team": "platform", "env": "test"}
    assert resource_client.resource_groups.get(name).tags == {"team": "platform", "env": "test"}

    poller = resource_client.resource_groups.begin_delete(name)
    assert poller.result() is None
    assert poller.done() and poller.status().lower() == "succeeded"
    assert resource_client.resource_groups.check_existence(name) is False
    with pytest.raises(ResourceNotFoundError) as e:
        resource_client.resource_groups.get(name)
    assert_arm_error(e.value, 404, "ResourceGroupNotFound")


def test_missing_group_is_404_resource_group_not_found(resource_client):
    with pytest.raises(ResourceNotFoundError) as e:
        resource_client.resource_groups.get(unique("rg-missing-"))
    assert_arm_error(e.value, 404, "ResourceGroupNotFound")


def test_group_delete_cascades_to_its_resources(resource_client, loganalytics_client):
    rg = unique("rg-cascade-")
    resource_client.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION))
    ws_name = unique("log-cascade-")
    ws = loganalytics_client.workspaces.begin_create_or_update(
        rg, ws_name, Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"), retention_in_days=30)
    ).result()
    listed = [r.id.lower() for r in resource_client.resources.list_by_resource_group(rg)]
    assert ws.id.lower() in listed

    resource_client.resource_groups.begin_delete(rg, polling_interval=0).result()

    # The group is gone: reads inside it answer 404 ResourceGroupNotFound, as ARM does.
    with pytest.raises(ResourceNotFoundError) as e:
        loganalytics_client.workspaces.get(rg, ws_name)
    assert_arm_error(e.value, 404, "ResourceGroupNotFound")

    # Re-creating a group of the same name must not bring the workspace back.
    resource_client.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION))
    try:
        with pytest.raises(ResourceNotFoundError) as e:
            loganalytics_client.workspaces.get(rg, ws_name)
        assert_arm_error(e.value, 404, "ResourceNotFound")
        assert list(resource_client.resources.list_by_resource_group(rg)) == []
    finally:
        resource_client.resource_groups.begin_delete(rg).result()


def test_state_file_records_the_cloud(resource_client, emulator):
    name = unique("rg-state-")
    resource_client.resource_groups.create_or_update(name, ResourceGroup(location=LOCATION))
    try:
        assert emulator.state.exists(), "the emulator was started with --state"
        json.loads(emulator.state.read_text())
        # A change is appended to the journal beside the base file (compacted later).
        journal = emulator.state.with_name(emulator.state.name + ".journal")
        text = emulator.state.read_text() + (journal.read_text() if journal.exists() else "")
        assert name.lower() in text.lower()
    finally:
        resource_client.resource_groups.begin_delete(name).result()


@pytest.mark.parametrize("bad", ["rg-" + "x" * 95, "rg*bad", "rg-ends-with-dot."])
def test_invalid_group_name_is_400(resource_client, bad):
    # names: 1-90 characters of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'
    with pytest.raises(HttpResponseError) as e:
        resource_client.resource_groups.create_or_update(bad, ResourceGroup(location=LOCATION))
    assert_arm_error(e.value, 400)
