"""Application Insights components through azure-mgmt-applicationinsights (api-version
2020-02-02 for components): create a workspace-based web component, read its server-set
keys, update its tags, delete it."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.applicationinsights.v2020_02_02.models import ApplicationInsightsComponent, TagsResource
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku

from conftest import LOCATION, unique
from helpers import assert_arm_error, is_uuid, same_id


@pytest.fixture
def workspace(loganalytics_client, resource_group):
    return loganalytics_client.workspaces.begin_create_or_update(
        resource_group, unique("log-ai-"), Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"))
    ).result()


def test_component_lifecycle(appinsights_client, resource_group, workspace, arm_session, emulator):
    ai = appinsights_client.components
    name = unique("appi-")
    created = ai.create_or_update(
        resource_group,
        name,
        ApplicationInsightsComponent(
            location=LOCATION,
            kind="web",
            application_type="web",
            workspace_resource_id=workspace.id,
            tags={"svc": "api"},
        ),
    )
    assert created.name == name
    assert created.type.lower() == "microsoft.insights/components"
    assert created.kind == "web" and created.application_type == "web"
    assert created.provisioning_state == "Succeeded"
    assert same_id(created.workspace_resource_id, workspace.id)
    assert is_uuid(created.instrumentation_key)
    assert is_uuid(created.app_id)
    assert created.connection_string and f"InstrumentationKey={created.instrumentation_key}" in created.connection_string

    # the wire format is PascalCase, as the real service answers
    raw = arm_session.get(
        emulator.url + created.id, params={"api-version": "2020-02-02"}, headers={"Authorization": "Bearer t"}
    ).json()
    props = raw["properties"]
    for key in ("Application_Type", "WorkspaceResourceId", "ConnectionString", "InstrumentationKey"):
        assert key in props, f"{key} missing from GET properties: {sorted(props)}"

    got = ai.get(resource_group, name)
    assert got.instrumentation_key == created.instrumentation_key
    assert got.connection_string == created.connection_string

    tagged = ai.update_tags(resource_group, name, TagsResource(tags={"svc": "api", "tier": "1"}))
    assert tagged.tags == {"svc": "api", "tier": "1"}
    again = ai.get(resource_group, name)
    assert again.tags == {"svc": "api", "tier": "1"}
    assert again.instrumentation_key == created.instrumentation_key, "keys survive an update"
    assert same_id(again.workspace_resource_id, workspace.id)

    assert name in [c.name for c in ai.list_by_resource_group(resource_group)]

    ai.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError) as e:
        ai.get(resource_group, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")


def test_update_by_put_keeps_keys(appinsights_client, resource_group, workspace):
    ai = appinsights_client.components
    name = unique("appi-put-")
    body = dict(location=LOCATION, kind="web", application_type="web", workspace_resource_id=workspace.id)
    first = ai.create_or_update(resource_group, name, ApplicationInsightsComponent(**body, retention_in_days=90))
    second = ai.create_or_update(resource_group, name, ApplicationInsightsComponent(**body, retention_in_days=120))
    assert second.retention_in_days == 120
    assert second.instrumentation_key == first.instrumentation_key
    assert second.connection_string == first.connection_string
    ai.delete(resource_group, name)
