"""Container Apps (Microsoft.App, api-version 2026-07-01) through azure-mgmt-appcontainers:
a managed environment logging to a workspace, container apps with internal and external
ingress, write-only secrets and listSecrets, probes, scale updates, deletes."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.appcontainers.models import (
    AppLogsConfiguration,
    Configuration,
    Container,
    ContainerApp,
    ContainerAppProbe,
    ContainerAppProbeHttpGet,
    ContainerResources,
    EnvironmentVar,
    Ingress,
    LogAnalyticsConfiguration,
    ManagedEnvironment,
    Scale,
    Secret,
    Template,
)
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.resource.resources.models import ResourceGroup

from conftest import LOCATION, unique
from helpers import assert_arm_error, same_id

API = "2026-07-01"


@pytest.fixture(scope="module")
def env_setup(resource_client, loganalytics_client, containerapps_client):
    """One group with a workspace and a managed environment that sends app logs to it."""
    rg = unique("rg-aca-")
    resource_client.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION))
    ws = loganalytics_client.workspaces.begin_create_or_update(
        rg, unique("log-aca-"), Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"))
    ).result()
    key = loganalytics_client.shared_keys.get_shared_keys(rg, ws.name).primary_shared_key
    name = unique("cae-")
    env = containerapps_client.managed_environments.begin_create_or_update(
        rg,
        name,
        ManagedEnvironment(
            location=LOCATION,
            app_logs_configuration=AppLogsConfiguration(
                destination="log-analytics",
                log_analytics_configuration=LogAnalyticsConfiguration(customer_id=ws.customer_id, shared_key=key),
            ),
        ),
    ).result()
    yield {"rg": rg, "env": env, "workspace": ws, "shared_key": key}
    resource_client.resource_groups.begin_delete(rg).result()


def _app(env_id: str, external: bool, secret_value: str = "s3cr3t-value", max_replicas: int = 3) -> ContainerApp:
    return ContainerApp(
        location=LOCATION,
        managed_environment_id=env_id,
        configuration=Configuration(
            active_revisions_mode="Single",
            secrets=[Secret(name="db-password", value=secret_value)],
            ingress=Ingress(external=external, target_port=8080, transport="auto"),
        ),
        template=Template(
            containers=[
                Container(
                    name="api",
                    image="mcr.microsoft.com/k8se/quickstart:latest",
                    resources=ContainerResources(cpu=0.5, memory="1Gi"),
                    env=[
                        EnvironmentVar(name="DB_PASSWORD", secret_ref="db-password"),
                        EnvironmentVar(name="MODE", value="test"),
                    ],
                    probes=[
                        ContainerAppProbe(
                            type="Liveness",
                            http_get=ContainerAppProbeHttpGet(path="/healthz", port=8080),
                            initial_delay_seconds=5,
                            period_seconds=10,
                        ),
                        ContainerAppProbe(
                            type="Readiness",
                            http_get=ContainerAppProbeHttpGet(path="/ready", port=8080),
                            period_seconds=5,
                        ),
                    ],
                )
            ],
            scale=Scale(min_replicas=1, max_replicas=max_replicas),
        ),
    )


def _get_raw(arm_session, emulator, rid: str) -> dict:
    r = arm_session.get(emulator.url + rid, params={"api-version": API}, headers={"Authorization": "Bearer t"})
    assert r.status_code == 200, r.text
    return r.json()


def test_environment_created_with_logs_to_workspace(containerapps_client, env_setup, arm_session, emulator):
    rg, env = env_setup["rg"], env_setup["env"]
    assert env.provisioning_state == "Succeeded"
    assert env.type.lower() == "microsoft.app/managedenvironments"
    assert env.default_domain, "defaultDomain is server-set"
    assert env.static_ip, "staticIp is server-set"
    got = containerapps_client.managed_environments.get(rg, env.name)
    la = got.app_logs_configuration.log_analytics_configuration
    assert got.app_logs_configuration.destination == "log-analytics"
    assert la.customer_id == env_setup["workspace"].customer_id
    assert la.shared_key is None, "the workspace shared key is write-only"
    assert env_setup["shared_key"] not in str(_get_raw(arm_session, emulator, env.id))


def test_internal_ingress_fqdn_is_internal(containerapps_client, env_setup):
    rg, env = env_setup["rg"], env_setup["env"]
    name = unique("ca-int-")
    app = containerapps_client.container_apps.begin_create_or_update(rg, name, _app(env.id, external=False)).result()
    fqdn = app.configuration.ingress.fqdn
    assert fqdn and fqdn.startswith(name + ".")
    assert ".internal." in fqdn
    assert fqdn.endswith(env.default_domain)
    containerapps_client.container_apps.begin_delete(rg, name).result()


def test_external_ingress_fqdn_is_public(containerapps_client, env_setup):
    rg, env = env_setup["rg"], env_setup["env"]
    name = unique("ca-ext-")
    app = containerapps_client.container_apps.begin_create_or_update(rg, name, _app(env.id, external=True)).result()
    fqdn = app.configuration.ingress.fqdn
    assert fqdn and fqdn.startswith(name + ".")
    assert ".internal." not in fqdn
    assert fqdn.endswith(env.default_domain)
    containerapps_client.container_apps.begin_delete(rg, name).result()


def test_container_app_lifecycle_secrets_probes_scale(containerapps_client, env_setup, arm_session, emulator):
    apps = containerapps_client.container_apps
    rg, env = env_setup["rg"], env_setup["env"]
    name = unique("ca-")
    poller = apps.begin_create_or_update(rg, name, _app(env.id, external=True, secret_value="hunter2-xyz"))
    app = poller.result()
    assert poller.status().lower() == "succeeded"
    assert app.provisioning_state == "Succeeded"
    assert app.type.lower() == "microsoft.app/containerapps"
    assert same_id(app.managed_environment_id, env.id)
    assert app.latest_revision_name and app.latest_revision_name.startswith(name)

    got = apps.get(rg, name)
    # secrets: names are listed, values never come back on GET
    assert [s.name for s in got.configuration.secrets] == ["db-password"]
    assert all(s.value is None for s in got.configuration.secrets)
    assert "hunter2-xyz" not in str(_get_raw(arm_session, emulator, app.id))
    # ... they are served by listSecrets only
    listed = apps.list_secrets(rg, name)
    assert {s.name: s.value for s in listed.value} == {"db-password": "hunter2-xyz"}

    # env vars and probes round-trip
    c = got.template.containers[0]
    assert {(e.name, e.secret_ref, e.value) for e in c.env} == {
        ("DB_PASSWORD", "db-password", None),
        ("MODE", None, "test"),
    }
    probes = {p.type: p for p in c.probes}
    # With ingress on, the service adds a default TCP probe of each type not declared
    # (here Startup, on the ingress target port).
    assert set(probes) == {"Liveness", "Readiness", "Startup"}
    assert probes["Startup"].tcp_socket.port == 8080 and probes["Startup"].http_get is None
    assert (probes["Liveness"].http_get.path, probes["Liveness"].http_get.port) == ("/healthz", 8080)
    assert probes["Liveness"].initial_delay_seconds == 5 and probes["Liveness"].period_seconds == 10
    assert probes["Readiness"].http_get.path == "/ready"
    assert (got.template.scale.min_replicas, got.template.scale.max_replicas) == (1, 3)

    # update scale with a PATCH (long-running)
    patch = ContainerApp(location=LOCATION, template=Template(scale=Scale(min_replicas=2, max_replicas=7)))
    apps.begin_update(rg, name, patch).result()
    after = apps.get(rg, name)
    assert (after.template.scale.min_replicas, after.template.scale.max_replicas) == (2, 7)
    assert after.template.containers[0].image == "mcr.microsoft.com/k8se/quickstart:latest"

    # update with a full PUT: a new secret value is what listSecrets returns
    apps.begin_create_or_update(rg, name, _app(env.id, external=True, secret_value="rotated-abc", max_replicas=5)).result()
    assert apps.get(rg, name).template.scale.max_replicas == 5
    assert {s.name: s.value for s in apps.list_secrets(rg, name).value} == {"db-password": "rotated-abc"}

    assert name in [a.name for a in apps.list_by_resource_group(rg)]

    apps.begin_delete(rg, name).result()
    with pytest.raises(ResourceNotFoundError) as e:
        apps.get(rg, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")


def test_environment_delete_blocked_while_apps_exist(containerapps_client, env_setup):
    rg, env = env_setup["rg"], env_setup["env"]
    name = unique("ca-block-")
    containerapps_client.container_apps.begin_create_or_update(rg, name, _app(env.id, external=False)).result()
    try:
        with pytest.raises(HttpResponseError) as e:
            containerapps_client.managed_environments.begin_delete(rg, env.name).result()
        assert_arm_error(e.value, 409)
        assert containerapps_client.managed_environments.get(rg, env.name).provisioning_state == "Succeeded"
    finally:
        containerapps_client.container_apps.begin_delete(rg, name).result()


def test_app_in_missing_environment_is_rejected(containerapps_client, env_setup):
    rg, env = env_setup["rg"], env_setup["env"]
    missing = env.id.rsplit("/", 1)[0] + "/" + unique("cae-missing-")
    with pytest.raises(HttpResponseError) as e:
        containerapps_client.container_apps.begin_create_or_update(rg, unique("ca-orphan-"), _app(missing, external=True)).result()
    assert e.value.status_code in (400, 404)
    assert_arm_error(e.value, e.value.status_code)


def test_environment_update_and_delete(containerapps_client, loganalytics_client, resource_group):
    envs = containerapps_client.managed_environments
    ws = loganalytics_client.workspaces.begin_create_or_update(
        resource_group, unique("log-cae-"), Workspace(location=LOCATION, sku=WorkspaceSku(name="PerGB2018"))
    ).result()
    key = loganalytics_client.shared_keys.get_shared_keys(resource_group, ws.name).primary_shared_key
    name = unique("cae-crud-")
    body = ManagedEnvironment(
        location=LOCATION,
        app_logs_configuration=AppLogsConfiguration(
            destination="log-analytics",
            log_analytics_configuration=LogAnalyticsConfiguration(customer_id=ws.customer_id, shared_key=key),
        ),
    )
    env = envs.begin_create_or_update(resource_group, name, body).result()
    body.tags = {"stage": "2"}
    updated = envs.begin_create_or_update(resource_group, name, body).result()
    assert updated.tags == {"stage": "2"}
    assert updated.default_domain == env.default_domain, "defaultDomain is stable across updates"
    envs.begin_delete(resource_group, name).result()
    with pytest.raises(ResourceNotFoundError) as e:
        envs.get(resource_group, name)
    assert_arm_error(e.value, 404, "ResourceNotFound")


def test_secret_ref_to_missing_secret_is_400(containerapps_client, env_setup):
    rg, env = env_setup["rg"], env_setup["env"]
    body = _app(env.id, external=True)
    body.template.containers[0].env = [EnvironmentVar(name="X", secret_ref="no-such-secret")]
    with pytest.raises(HttpResponseError) as e:
        containerapps_client.container_apps.begin_create_or_update(rg, unique("ca-badref-"), body).result()
    err = assert_arm_error(e.value, 400)
    assert "no-such-secret" in err["message"]


def test_default_probes_injected_when_ingress_has_none(containerapps_client, env_setup):
    """With ingress on and no probes given, Container Apps adds TCP startup, readiness and
    liveness probes on the target port (a GET shows probes nobody wrote)."""
    rg, env = env_setup["rg"], env_setup["env"]
    body = _app(env.id, external=True)
    body.template.containers[0].probes = None
    name = unique("ca-noprobe-")
    app = containerapps_client.container_apps.begin_create_or_update(rg, name, body).result()
    try:
        probes = {p.type: p for p in (app.template.containers[0].probes or [])}
        assert set(probes) == {"Startup", "Readiness", "Liveness"}, probes
        for p in probes.values():
            assert p.tcp_socket is not None and p.tcp_socket.port == 8080
    finally:
        containerapps_client.container_apps.begin_delete(rg, name).result()
