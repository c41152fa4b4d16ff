"""Action groups (2023-01-01) and metric alerts (2018-03-01) through azure-mgmt-monitor."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.applicationinsights.v2020_02_02.models import ApplicationInsightsComponent
from azure.mgmt.monitor.models import (
    ActionGroupPatchBody,
    ActionGroupResource,
    EmailReceiver,
    MetricAlertAction,
    MetricAlertResource,
    MetricAlertResourcePatch,
    MetricAlertSingleResourceMultipleMetricCriteria,
    MetricCriteria,
)

from conftest import LOCATION, unique
from helpers import assert_arm_error, same_id

SINGLE = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"


def _action_group(short: str = "oncall", enabled: bool = True) -> ActionGroupResource:
    return ActionGroupResource(
        location="Global",
        group_short_name=short,
        enabled=enabled,
        email_receivers=[EmailReceiver(name="ops", email_address="ops@example.com", use_common_alert_schema=True)],
    )


def test_action_group_lifecycle(monitor_client, resource_group):
    ag = monitor_client.action_groups
    name = unique("ag-")
    created = ag.create_or_update(resource_group, name, _action_group())
    assert created.name == name
    assert created.type.lower() == "microsoft.insights/actiongroups"
    assert created.location.lower() == "global"
    assert created.group_short_name == "oncall" and created.enabled is True
    assert [(r.name, r.email_address) for r in created.email_receivers] == [("ops", "ops@example.com")]

    got = ag.get(resource_group, name)
    assert got.id == created.id and got.email_receivers[0].use_common_alert_schema is True

    # update by PUT
    ag.create_or_update(resource_group, name, _action_group(short="oncall2"))
    assert ag.get(resource_group, name).group_short_name == "oncall2"
    # update by PATCH
    patched = ag.update(resource_group, name, ActionGroupPatchBody(enabled=False, tags={"k": "v"}))
    assert patched.enabled is False and patched.tags == {"k": "v"}
    got = ag.get(resource_group, name)
    assert got.enabled is False and got.group_short_name == "oncall2"

    assert name in [g.name for g in ag.list_by_resource_group(resource_group)]

    ag.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError) as e:
        ag.get(resource_group, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")


@pytest.fixture
def component(appinsights_client, resource_group):
    return appinsights_client.components.create_or_update(
        resource_group,
        unique("appi-alert-"),
        ApplicationInsightsComponent(location=LOCATION, kind="web", application_type="web"),
    )


def _alert(scope: str, action_group_id: str, threshold: float, severity: int = 2) -> MetricAlertResource:
    return MetricAlertResource(
        location="global",
        description="failed requests",
        severity=severity,
        enabled=True,
        scopes=[scope],
        evaluation_frequency="PT1M",
        window_size="PT5M",
        criteria=MetricAlertSingleResourceMultipleMetricCriteria(
            all_of=[
                MetricCriteria(
                    name="failed",
                    metric_name="requests/failed",
                    metric_namespace="microsoft.insights/components",
                    time_aggregation="Count",
                    operator="GreaterThan",
                    threshold=threshold,
                )
            ]
        ),
        auto_mitigate=True,
        actions=[MetricAlertAction(action_group_id=action_group_id)],
    )


def test_metric_alert_lifecycle(monitor_client, resource_group, component, arm_session, emulator):
    group = monitor_client.action_groups.create_or_update(resource_group, unique("ag-alert-"), _action_group())
    alerts = monitor_client.metric_alerts
    name = unique("alert-")

    created = alerts.create_or_update(resource_group, name, _alert(component.id, group.id, threshold=5))
    assert created.name == name
    assert created.type.lower() == "microsoft.insights/metricalerts"
    assert created.location.lower() == "global"
    assert [s.lower() for s in created.scopes] == [component.id.lower()]
    assert created.criteria.odata_type == SINGLE
    assert isinstance(created.criteria, MetricAlertSingleResourceMultipleMetricCriteria)
    crit = created.criteria.all_of[0]
    assert (crit.metric_name, crit.operator, crit.time_aggregation, crit.threshold) == (
        "requests/failed", "GreaterThan", "Count", 5
    )
    assert crit.criterion_type == "StaticThresholdCriterion"
    assert same_id(created.actions[0].action_group_id, group.id)

    raw = arm_session.get(
        emulator.url + created.id, params={"api-version": "2018-03-01"}, headers={"Authorization": "Bearer t"}
    ).json()
    assert raw["properties"]["criteria"]["odata.type"] == SINGLE

    got = alerts.get(resource_group, name)
    assert got.id == created.id and got.criteria.all_of[0].threshold == 5

    # update the threshold with a PUT
    alerts.create_or_update(resource_group, name, _alert(component.id, group.id, threshold=10))
    assert alerts.get(resource_group, name).criteria.all_of[0].threshold == 10

    # and the severity with a PATCH
    patched = alerts.update(resource_group, name, MetricAlertResourcePatch(severity=1, tags={"t": "1"}))
    assert patched.severity == 1 and patched.tags == {"t": "1"}
    got = alerts.get(resource_group, name)
    assert got.severity == 1 and got.criteria.all_of[0].threshold == 10

    assert name in [a.name for a in alerts.list_by_resource_group(resource_group)]

    alerts.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError) as e:
        alerts.get(resource_group, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")


def test_action_group_in_use_can_be_deleted(monitor_client, resource_group, component):
    """ARM lets an action group referenced by an alert go; the alert keeps the dangling id."""
    group = monitor_client.action_groups.create_or_update(resource_group, unique("ag-used-"), _action_group())
    alert = monitor_client.metric_alerts.create_or_update(
        resource_group, unique("alert-used-"), _alert(component.id, group.id, threshold=1)
    )
    monitor_client.action_groups.delete(resource_group, group.name)
    kept = monitor_client.metric_alerts.get(resource_group, alert.name)
    assert same_id(kept.actions[0].action_group_id, group.id)


def test_alert_on_missing_scope_is_rejected(monitor_client, resource_group, component):
    group = monitor_client.action_groups.create_or_update(resource_group, unique("ag-scope-"), _action_group())
    missing = component.id.rsplit("/", 1)[0] + "/" + unique("appi-missing-")
    with pytest.raises(HttpResponseError) as e:
        monitor_client.metric_alerts.create_or_update(resource_group, unique("alert-dangling-"), _alert(missing, group.id, threshold=1))
    assert e.value.status_code in (400, 404)
    assert_arm_error(e.value, e.value.status_code)


def test_alert_window_and_frequency_rules(monitor_client, resource_group, component):
    group = monitor_client.action_groups.create_or_update(resource_group, unique("ag-win-"), _action_group())
    bad = _alert(component.id, group.id, threshold=1)
    bad.evaluation_frequency, bad.window_size = "PT15M", "PT5M"  # frequency longer than the window
    with pytest.raises(HttpResponseError) as e:
        monitor_client.metric_alerts.create_or_update(resource_group, unique("alert-win-"), bad)
    assert_arm_error(e.value, 400)
