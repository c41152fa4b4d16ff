"""ARM's error behaviour as the official clients see it: 400 with an ARM error code for
invalid bodies, 404 with `ResourceNotFound` for missing resources, 401 without a token,
api-version checks."""

from __future__ import annotations

import io
import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.applicationinsights.v2020_02_02.models import ApplicationInsightsComponent

from conftest import LOCATION, unique
from helpers import ARM_CODE, assert_arm_error

WORKSPACE_API = "2025-07-01"


def _body(obj) -> io.BytesIO:
    return io.BytesIO(json.dumps(obj).encode())


def _workspace_body(**props):
    return {"location": LOCATION, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30, **props}}


# -- 400: invalid bodies, sent through the official clients as raw JSON --------------------------


def test_missing_required_property_is_400(monitor_client, resource_group):
    body = {
        "location": "Global",
        "properties": {"enabled": True, "emailReceivers": []},  # no groupShortName
    }
    with pytest.raises(HttpResponseError) as e:
        monitor_client.action_groups.create_or_update(resource_group, unique("ag-bad-"), _body(body))
    err = assert_arm_error(e.value, 400)
    assert "groupShortName" in json.dumps(err), err


def test_action_group_short_name_too_long_is_400(monitor_client, resource_group):
    body = {"location": "Global", "properties": {"groupShortName": "x" * 13, "enabled": True}}
    with pytest.raises(HttpResponseError) as e:
        monitor_client.action_groups.create_or_update(resource_group, unique("ag-long-"), _body(body))
    err = assert_arm_error(e.value, 400)
    assert "groupShortName" in json.dumps(err), err


@pytest.fixture
def component(appinsights_client, resource_group):
    return appinsights_client.components.create_or_update(
        resource_group, unique("appi-err-"), ApplicationInsightsComponent(location=LOCATION, kind="web", application_type="web")
    )


def _alert_body(scope: str, operator: str = "GreaterThan", window: str = "PT5M"):
    return {
        "location": "global",
        "properties": {
            "severity": 3,
            "enabled": True,
            "scopes": [scope],
            "evaluationFrequency": "PT1M",
            "windowSize": window,
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [
                    {
                        "criterionType": "StaticThresholdCriterion",
                        "name": "c1",
                        "metricName": "requests/failed",
                        "timeAggregation": "Count",
                        "operator": operator,
                        "threshold": 1,
                    }
                ],
            },
        },
    }


def test_unknown_enum_value_is_400(monitor_client, resource_group, component):
    # control: the same body with a valid operator is accepted
    ok = monitor_client.metric_alerts.create_or_update(resource_group, unique("alert-ok-"), _body(_alert_body(component.id)))
    assert ok.criteria.all_of[0].operator == "GreaterThan"
    with pytest.raises(HttpResponseError) as e:
        monitor_client.metric_alerts.create_or_update(
            resource_group, unique("alert-bad-"), _body(_alert_body(component.id, operator="Sideways"))
        )
    err = assert_arm_error(e.value, 400)
    assert "Sideways" in json.dumps(err) or "operator" in json.dumps(err), err


def test_workspace_unknown_sku_is_400(loganalytics_client, resource_group):
    body = _workspace_body()
    body["properties"]["sku"] = {"name": "Platinum"}
    with pytest.raises(HttpResponseError) as e:
        loganalytics_client.workspaces.begin_create_or_update(resource_group, unique("log-bad-"), _body(body)).result()
    err = assert_arm_error(e.value, 400)
    assert "Platinum" in json.dumps(err) or "sku" in json.dumps(err).lower(), err


def test_unknown_property_is_400(loganalytics_client, resource_group):
    with pytest.raises(HttpResponseError) as e:
        loganalytics_client.workspaces.begin_create_or_update(
            resource_group, unique("log-bad-"), _body(_workspace_body(retentionInDayz=30))
        ).result()
    err = assert_arm_error(e.value, 400)
    assert "retentionInDayz" in json.dumps(err), err


def test_wrong_json_type_is_400(loganalytics_client, resource_group):
    with pytest.raises(HttpResponseError) as e:
        loganalytics_client.workspaces.begin_create_or_update(
            resource_group, unique("log-bad-"), _body(_workspace_body(retentionInDays="thirty"))
        ).result()
    err = assert_arm_error(e.value, 400)
    assert "retentionInDays" in json.dumps(err), err


def test_malformed_json_is_400(arm_session, emulator, resource_group):
    url = f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.OperationalInsights/workspaces/{unique('log-')}"
    r = arm_session.put(
        url,
        params={"api-version": WORKSPACE_API},
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        data=b'{"location": "eastus", "properties": {',
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert ARM_CODE.match(err["code"]) and err["message"]


def test_invalid_body_leaves_nothing_behind(loganalytics_client, resource_group):
    name = unique("log-bad-")
    with pytest.raises(HttpResponseError):
        loganalytics_client.workspaces.begin_create_or_update(
            resource_group, name, _body(_workspace_body(retentionInDays="thirty"))
        ).result()
    with pytest.raises(ResourceNotFoundError):
        loganalytics_client.workspaces.get(resource_group, name)


# -- 404 ----------------------------------------------------------------------------------------


def test_missing_resource_is_404_resource_not_found(loganalytics_client, resource_group):
    with pytest.raises(ResourceNotFoundError) as e:
        loganalytics_client.workspaces.get(resource_group, unique("log-missing-"))
    assert_arm_error(e.value, 404, "ResourceNotFound")


def test_missing_resource_raw_404_body(arm_session, emulator, resource_group):
    name = unique("log-missing-")
    url = f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.OperationalInsights/workspaces/{name}"
    r = arm_session.get(url, params={"api-version": WORKSPACE_API}, headers={"Authorization": "Bearer t"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"]["code"] == "ResourceNotFound"
    assert name in body["error"]["message"]


def test_delete_of_missing_resource_is_204(arm_session, emulator, resource_group):
    url = f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.Insights/actionGroups/{unique('ag-')}"
    r = arm_session.delete(url, params={"api-version": "2023-01-01"}, headers={"Authorization": "Bearer t"})
    assert r.status_code == 204, "ARM answers 204 No Content to a DELETE of something absent"


# -- 401 and api-version -------------------------------------------------------------------------


def test_no_token_is_401(arm_session, emulator):
    r = arm_session.get(
        f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups", params={"api-version": "2025-04-01"}
    )
    assert r.status_code == 401
    assert r.headers.get("www-authenticate", "").lower().startswith("bearer")
    err = r.json()["error"]
    assert err["code"] in ("AuthenticationFailed", "InvalidAuthenticationToken")
    assert err["message"]


def test_malformed_authorization_header_is_401(arm_session, emulator):
    r = arm_session.get(
        f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups",
        params={"api-version": "2025-04-01"},
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
    )
    assert r.status_code == 401
    assert ARM_CODE.match(r.json()["error"]["code"])


def test_missing_api_version_is_400(arm_session, emulator):
    r = arm_session.get(
        f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups", headers={"Authorization": "Bearer t"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "MissingApiVersionParameter"


def test_unsupported_api_version_is_400(arm_session, emulator, resource_group):
    url = f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.OperationalInsights/workspaces/{unique('log-')}"
    r = arm_session.get(url, params={"api-version": "1999-01-01"}, headers={"Authorization": "Bearer t"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] in ("NoRegisteredProviderFound", "InvalidApiVersionParameter")


def test_workspace_name_rules(loganalytics_client, resource_group):
    # 4-63 characters, letters, digits and '-', starting and ending with a letter or digit
    for bad in ("abc", "-starts-with-dash", "has_underscore"):
        with pytest.raises(HttpResponseError) as e:
            loganalytics_client.workspaces.begin_create_or_update(
                resource_group, bad, _body(_workspace_body())
            ).result()
        assert_arm_error(e.value, 400)


def test_ids_are_case_insensitive(loganalytics_client, resource_group, arm_session, emulator):
    name = unique("log-case-")
    ws = loganalytics_client.workspaces.begin_create_or_update(resource_group, name, _body(_workspace_body())).result()
    shouted = (
        f"/SUBSCRIPTIONS/{emulator.subscription}/RESOURCEGROUPS/{resource_group.upper()}"
        f"/PROVIDERS/MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/{name.upper()}"
    )
    r = arm_session.get(emulator.url + shouted, params={"api-version": WORKSPACE_API}, headers={"Authorization": "Bearer t"})
    assert r.status_code == 200
    assert r.json()["id"] == ws.id, "the stored id keeps its original casing"
    assert loganalytics_client.workspaces.get(resource_group.upper(), name.upper()).customer_id == ws.customer_id


def test_arm_response_headers(arm_session, emulator, resource_group):
    base = f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups/{resource_group}"
    g = arm_session.get(base, params={"api-version": "2025-04-01"}, headers={"Authorization": "Bearer t"})
    assert g.status_code == 200
    assert g.headers.get("x-ms-request-id")
    assert g.headers.get("x-ms-correlation-request-id")
    assert int(g.headers["x-ms-ratelimit-remaining-subscription-reads"]) > 0
    p = arm_session.patch(base, params={"api-version": "2025-04-01"}, headers={"Authorization": "Bearer t"}, json={"tags": {"h": "1"}})
    assert p.status_code == 200
    assert int(p.headers["x-ms-ratelimit-remaining-subscription-writes"]) > 0
