"""API Management (2024-05-01) through azure-mgmt-apimanagement: a Developer service created
with the long-running poller (instant profile), an Application Insights logger whose
connection string is write-only, the `applicationinsights` diagnostic, soft delete and purge."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement.models import (
    ApiManagementServiceResource,
    ApiManagementServiceSkuProperties,
    ApiManagementServiceUpdateParameters,
    DiagnosticContract,
    HttpMessageDiagnostic,
    LoggerContract,
    LoggerUpdateContract,
    PipelineDiagnosticSettings,
    SamplingSettings,
)
from azure.mgmt.applicationinsights.v2020_02_02.models import ApplicationInsightsComponent

from conftest import LOCATION, unique
from helpers import assert_arm_error, same_id

API = "2024-05-01"


def _service(tags=None) -> ApiManagementServiceResource:
    return ApiManagementServiceResource(
        location=LOCATION,
        sku=ApiManagementServiceSkuProperties(name="Developer", capacity=1),
        publisher_email="api@example.com",
        publisher_name="Example",
        tags=tags,
    )


def _purge(apim_client, name):
    apim_client.deleted_services.begin_purge(name, LOCATION).result()


@pytest.fixture
def service(apim_client, resource_group):
    name = unique("apim-pytest-", 10)
    poller = apim_client.api_management_service.begin_create_or_update(resource_group, name, _service())
    svc = poller.result()
    assert poller.status().lower() == "succeeded"
    yield svc
    try:
        apim_client.api_management_service.begin_delete(resource_group, name).result()
    except ResourceNotFoundError:
        pass
    try:
        _purge(apim_client, name)
    except ResourceNotFoundError:
        pass


def test_service_create_read_update(apim_client, resource_group, service):
    svc = service
    assert svc.type.lower() == "microsoft.apimanagement/service"
    assert svc.provisioning_state == "Succeeded"
    assert svc.sku.name == "Developer" and svc.sku.capacity == 1
    assert svc.gateway_url == f"https://{svc.name}.azure-api.net"
    assert svc.publisher_email == "api@example.com"

    got = apim_client.api_management_service.get(resource_group, svc.name)
    assert got.id == svc.id and got.gateway_url == svc.gateway_url

    updated = apim_client.api_management_service.begin_update(
        resource_group, svc.name, ApiManagementServiceUpdateParameters(tags={"owner": "team-a"})
    ).result()
    assert updated.tags == {"owner": "team-a"}
    got = apim_client.api_management_service.get(resource_group, svc.name)
    assert got.tags == {"owner": "team-a"} and got.publisher_name == "Example"

    assert svc.name in [s.name for s in apim_client.api_management_service.list_by_resource_group(resource_group)]


def _component(arm_session, emulator, resource_group) -> ApplicationInsightsComponent:
    """An App Insights component for the logger to point at, created with a raw PUT so these
    APIM tests stand on their own."""
    rid = f"/subscriptions/{emulator.subscription}/resourceGroups/{resource_group}/providers/Microsoft.Insights/components/{unique('appi-apim-')}"
    r = arm_session.put(
        emulator.url + rid,
        params={"api-version": "2020-02-02"},
        headers={"Authorization": "Bearer t"},
        json={"location": LOCATION, "kind": "web", "properties": {"Application_Type": "web"}},
    )
    assert r.status_code in (200, 201), r.text
    return ApplicationInsightsComponent.deserialize(r.json())


def test_logger_and_diagnostic(apim_client, resource_group, service, arm_session, emulator):
    comp = _component(arm_session, emulator, resource_group)
    conn = comp.connection_string
    assert conn and "InstrumentationKey=" in conn

    logger = apim_client.logger.create_or_update(
        resource_group,
        service.name,
        "appinsights",
        LoggerContract(
            logger_type="applicationInsights",
            description="App Insights",
            credentials={"connectionString": conn},
            is_buffered=True,
            resource_id=comp.id,
        ),
    )
    assert logger.logger_type == "applicationInsights"
    assert logger.name == "appinsights"

    got = apim_client.logger.get(resource_group, service.name, "appinsights")
    assert same_id(got.resource_id, comp.id)
    # the connection string is write-only: GET returns a named-value reference instead
    assert got.credentials and "connectionString" in got.credentials
    assert got.credentials["connectionString"] != conn
    assert got.credentials["connectionString"].startswith("{{") and got.credentials["connectionString"].endswith("}}")
    raw = arm_session.get(emulator.url + got.id, params={"api-version": API}, headers={"Authorization": "Bearer t"})
    assert raw.status_code == 200 and conn not in raw.text

    diag = apim_client.diagnostic.create_or_update(
        resource_group,
        service.name,
        "applicationinsights",
        DiagnosticContract(
            logger_id=got.id,
            always_log="allErrors",
            http_correlation_protocol="W3C",
            verbosity="information",
            log_client_ip=True,
            sampling=SamplingSettings(sampling_type="fixed", percentage=50),
            frontend=PipelineDiagnosticSettings(
                request=HttpMessageDiagnostic(headers=["Content-Type", "User-Agent"]),
                response=HttpMessageDiagnostic(headers=["Content-Type"]),
            ),
        ),
    )
    assert diag.name == "applicationinsights"
    d = apim_client.diagnostic.get(resource_group, service.name, "applicationinsights")
    assert same_id(d.logger_id, got.id)
    assert d.http_correlation_protocol == "W3C"
    assert d.sampling.sampling_type == "fixed" and d.sampling.percentage == 50
    assert d.frontend.request.headers == ["Content-Type", "User-Agent"]
    assert d.frontend.response.headers == ["Content-Type"]
    assert d.always_log == "allErrors"

    # update the diagnostic by PUT
    apim_client.diagnostic.create_or_update(
        resource_group,
        service.name,
        "applicationinsights",
        DiagnosticContract(
            logger_id=got.id,
            http_correlation_protocol="W3C",
            sampling=SamplingSettings(sampling_type="fixed", percentage=100),
        ),
    )
    assert apim_client.diagnostic.get(resource_group, service.name, "applicationinsights").sampling.percentage == 100

    # update the logger with a PATCH (If-Match required by the API); credentials stay hidden
    apim_client.logger.update(
        resource_group, service.name, "appinsights", "*", LoggerUpdateContract(description="App Insights (prod)")
    )
    lg = apim_client.logger.get(resource_group, service.name, "appinsights")
    assert lg.description == "App Insights (prod)"
    assert lg.credentials["connectionString"] == got.credentials["connectionString"]

    names = [lg.name for lg in apim_client.logger.list_by_service(resource_group, service.name)]
    assert "appinsights" in names

    apim_client.diagnostic.delete(resource_group, service.name, "applicationinsights", if_match="*")
    with pytest.raises(ResourceNotFoundError):
        apim_client.diagnostic.get(resource_group, service.name, "applicationinsights")
    apim_client.logger.delete(resource_group, service.name, "appinsights", if_match="*")
    with pytest.raises(ResourceNotFoundError) as e:
        apim_client.logger.get(resource_group, service.name, "appinsights")
    assert_arm_error(e.value, 404)


def test_logger_without_credentials_is_rejected(apim_client, resource_group, service):
    with pytest.raises(HttpResponseError) as e:
        apim_client.logger.create_or_update(
            resource_group, service.name, "nocreds", LoggerContract(logger_type="applicationInsights")
        )
    assert_arm_error(e.value, 400)


def test_soft_delete_blocks_recreate_until_purged(apim_client, resource_group):
    svc_ops = apim_client.api_management_service
    name = unique("apim-soft-", 10)
    svc_ops.begin_create_or_update(resource_group, name, _service()).result()
    svc_ops.begin_delete(resource_group, name).result()

    with pytest.raises(ResourceNotFoundError):
        svc_ops.get(resource_group, name)
    deleted = apim_client.deleted_services.get_by_name(name, LOCATION)
    assert deleted.name == name
    assert deleted.scheduled_purge_date is not None
    assert name in [d.name for d in apim_client.deleted_services.list_by_subscription()]

    # the name stays reserved while soft-deleted
    with pytest.raises(HttpResponseError) as e:
        svc_ops.begin_create_or_update(resource_group, name, _service()).result()
    assert_arm_error(e.value, 409, "ServiceAlreadyExistsInSoftDeletedState")

    _purge(apim_client, name)
    with pytest.raises(ResourceNotFoundError):
        apim_client.deleted_services.get_by_name(name, LOCATION)

    # purged: the name is free again
    again = svc_ops.begin_create_or_update(resource_group, name, _service()).result()
    assert again.provisioning_state == "Succeeded"
    svc_ops.begin_delete(resource_group, name).result()
    _purge(apim_client, name)


def test_service_name_is_globally_unique(apim_client, resource_client, service):
    other = unique("rg-apim-other-")
    from azure.mgmt.resource.resources.models import ResourceGroup

    resource_client.resource_groups.create_or_update(other, ResourceGroup(location=LOCATION))
    try:
        with pytest.raises(HttpResponseError) as e:
            apim_client.api_management_service.begin_create_or_update(other, service.name, _service()).result()
        assert_arm_error(e.value, 409)
    finally:
        resource_client.resource_groups.begin_delete(other).result()


def test_diagnostic_with_missing_logger_is_rejected(apim_client, resource_group, service):
    missing = f"{service.id}/loggers/{unique('nologger-')}"
    with pytest.raises(HttpResponseError) as e:
        apim_client.diagnostic.create_or_update(
            resource_group, service.name, "applicationinsights",
            DiagnosticContract(logger_id=missing, http_correlation_protocol="W3C"),
        )
    assert e.value.status_code in (400, 404)
    assert_arm_error(e.value, e.value.status_code)
