//! Shared helpers of the emulator's integration tests: start an emulator, talk to it over
//! HTTPS with a client that trusts its CA and sends a bearer token.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use azlift_emulator::kinds::{PutRequest, TypeInfo, World};
use azlift_emulator::{
    ArmError, Clock, EmulatorConfig, Profile, Provider, RunningEmulator, default_provider,
    start_with_provider,
};
use serde_json::Value;

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const V_RG: &str = "2025-04-01";
/// A long-running test type (60 s create, 30 s delete in `realistic`).
pub const WIDGETS: &str = "Contoso.Test/widgets";

/// The default provider plus one test-only long-running type, so the LRO machinery can be
/// tested without depending on a real type's validation rules.
pub struct TestProvider {
    inner: Arc<dyn Provider>,
}

fn is_widget(t: &str) -> bool {
    t.eq_ignore_ascii_case(WIDGETS)
}

impl Provider for TestProvider {
    fn type_info(&self, arm_type: &str) -> Option<TypeInfo> {
        if is_widget(arm_type) {
            return Some(TypeInfo {
                arm_type: WIDGETS,
                api_versions: vec!["2024-01-01"],
                realistic_create_secs: 60.0,
                realistic_delete_secs: 30.0,
                long_running_put: true,
            });
        }
        self.inner.type_info(arm_type)
    }
    fn validate_put(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        if is_widget(req.arm_type) {
            return Ok(());
        }
        self.inner.validate_put(req, world)
    }
    fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<Value, ArmError> {
        if is_widget(req.arm_type) {
            let mut v = req.body.clone();
            v["properties"]["provisioningState"] = "Succeeded".into();
            return Ok(v);
        }
        self.inner.complete(req, previous, world)
    }
    fn get_view(&self, arm_type: &str, stored: &Value) -> Value {
        if is_widget(arm_type) {
            return stored.clone();
        }
        self.inner.get_view(arm_type, stored)
    }
    fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError> {
        self.inner.action(arm_type, action, stored)
    }
    fn check_delete(&self, id: &str, arm_type: &str, world: &dyn World) -> Result<(), ArmError> {
        if is_widget(arm_type) {
            return Ok(());
        }
        self.inner.check_delete(id, arm_type, world)
    }
    fn soft_delete(&self, arm_type: &str) -> bool {
        !is_widget(arm_type) && self.inner.soft_delete(arm_type)
    }
}

pub struct Emu {
    pub emu: RunningEmulator,
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

pub fn client_for(emu: &RunningEmulator) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(emu.ca_certificate_pem().as_bytes()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A manual-clock emulator with the realistic profile and the test provider.
pub async fn manual() -> Emu {
    start(EmulatorConfig {
        clock: Clock::manual(),
        profile: Profile::Realistic,
        ..EmulatorConfig::default()
    })
    .await
}

pub async fn start(config: EmulatorConfig) -> Emu {
    let provider: Arc<dyn Provider> = Arc::new(TestProvider {
        inner: default_provider(),
    });
    let emu = start_with_provider(config, provider).await.unwrap();
    let client = client_for(&emu);
    let base = emu.https_url();
    let token = emu.issue_token(
        "tenant1",
        "client1",
        "https://management.azure.com/.default",
    );
    Emu {
        emu,
        client,
        base,
        token,
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Emu {
    pub fn rg_path(&self, rg: &str) -> String {
        format!("/subscriptions/{SUB}/resourceGroups/{rg}")
    }

    /// Send a request; `url` is a path (joined to the base) or a full URL.
    pub async fn send(&self, method: &str, url: &str, body: Option<Value>) -> Resp {
        self.try_send(method, url, body).await.unwrap()
    }

    pub async fn try_send(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> reqwest::Result<Resp> {
        let full = if url.starts_with("https://") {
            url.to_string()
        } else {
            format!("{}{url}", self.base)
        };
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.client.request(m, full).bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    pub async fn put_rg(&self, rg: &str) -> Resp {
        let r = self
            .send(
                "PUT",
                &format!("{}?api-version={V_RG}", self.rg_path(rg)),
                Some(serde_json::json!({"location": "East US", "tags": {"env": "test"}})),
            )
            .await;
        assert!(r.status == 201 || r.status == 200, "{}", r.body);
        r
    }

    pub fn widget_path(&self, rg: &str, name: &str) -> String {
        format!(
            "{}/providers/{WIDGETS}/{name}?api-version=2024-01-01",
            self.rg_path(rg)
        )
    }

    pub fn advance(&self, d: Duration) {
        self.emu.clock().advance(d);
    }
}
