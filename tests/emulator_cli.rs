//! `azlift emulator --output json`: the first stdout line names the HTTPS URL and the CA
//! file; the server answers over HTTPS with that CA; state persists across two runs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    url: String,
    ca: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(state: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azlift"))
        .args(["emulator", "--output", "json", "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["event"], "listening");
    Running {
        child,
        url: v["url"].as_str().unwrap().to_string(),
        ca: v["ca_certificate"].as_str().unwrap().to_string(),
    }
}

#[tokio::test]
async fn cli_prints_url_and_ca_and_persists_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cloud.json");
    let client = |ca: &str| {
        let pem = std::fs::read(ca).unwrap();
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap()
    };
    let first = launch(&state);
    assert!(first.url.starts_with("https://127.0.0.1:"));
    let rg = "/subscriptions/00000000-0000-0000-0000-0000000000c1/resourcegroups/rg-cli?api-version=2025-04-01";
    let r = client(&first.ca)
        .put(format!("{}{rg}", first.url))
        .bearer_auth("t")
        .header("content-type", "application/json")
        .body(r#"{"location":"westus"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    drop(first);

    let second = launch(&state);
    let r = client(&second.ca)
        .get(format!("{}{rg}", second.url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "the second run sees the first run's group"
    );
}
