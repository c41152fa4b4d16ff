"""The emulator's OAuth2 token endpoint driven by azure-identity's real client-secret flow
(MSAL underneath), and an ARM client authenticated with the token it issues."""

from __future__ import annotations

import base64
import json
import time

from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from conftest import ARM_SCOPE, LOCATION, TENANT, client_kwargs, unique

CLIENT_ID = "22222222-2222-2222-2222-222222222222"


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _credential(emulator) -> ClientSecretCredential:
    return ClientSecretCredential(
        TENANT,
        CLIENT_ID,
        "not-a-real-secret",
        authority=emulator.url,
        disable_instance_discovery=True,  # MSAL would otherwise ask the public cloud
        connection_verify=emulator.ca,
    )


def test_client_secret_credential_gets_a_token(emulator):
    cred = _credential(emulator)
    tok = cred.get_token(ARM_SCOPE)
    assert tok.token.count(".") == 2, "a JWT"
    assert tok.expires_on > time.time() + 300
    claims = _claims(tok.token)
    assert claims["tid"] == TENANT
    assert claims["appid"] == CLIENT_ID
    assert claims["aud"].rstrip("/") == "https://management.azure.com"
    assert claims["exp"] > claims["iat"]


def test_arm_client_with_client_secret_credential(emulator):
    cred = _credential(emulator)
    client = ResourceManagementClient(cred, emulator.subscription, **client_kwargs(emulator))
    name = unique("rg-auth-")
    created = client.resource_groups.create_or_update(name, ResourceGroup(location=LOCATION))
    assert created.name == name
    assert name in [g.name for g in client.resource_groups.list()]
    client.resource_groups.begin_delete(name).result()
    assert client.resource_groups.check_existence(name) is False


def test_token_endpoint_raw(arm_session, emulator):
    r = arm_session.post(
        f"{emulator.url}/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": "s",
            "scope": ARM_SCOPE,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert int(body["expires_in"]) > 300
    assert _claims(body["access_token"])["tid"] == TENANT


def test_token_endpoint_rejects_wrong_grant(arm_session, emulator):
    r = arm_session.post(
        f"{emulator.url}/{TENANT}/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": CLIENT_ID, "scope": ARM_SCOPE},
    )
    assert r.status_code == 400
    assert r.json()["error"] in ("unsupported_grant_type", "invalid_request", "invalid_grant")
