//! SARIF 2.1.0 output of a verify [`Report`] for code-scanning UIs: the rule catalogue as
//! `tool.driver.rules`, one result per finding pointing at the manifest line of the resource's
//! section (when it can be found) with the resource address as a logical location. Silenced
//! findings carry an `inSource` suppression with the reason.

use serde_json::{Value, json};

use super::{Level, RULES, Report};

/// The official schema's address, written as `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The 1-based line of the manifest section that declares `address` (`[app.task-api]`,
/// `[monitoring]` for `monitoring.*`, `[apim]` for `apim.*`, `[project]` for the group).
pub fn section_line(manifest_text: &str, address: &str) -> Option<usize> {
    let headers: Vec<String> = match address.split_once('.') {
        Some(("monitoring", _)) => vec!["[monitoring]".into()],
        Some(("apim", _)) => vec!["[apim]".into()],
        Some((section, key)) => vec![
            format!("[{section}.{key}]"),
            format!("[{section}.\"{key}\"]"),
            format!("[{section}.'{key}']"),
        ],
        None if address == "resource_group" => vec!["[project]".into()],
        None => vec![format!("[{address}]")],
    };
    manifest_text
        .lines()
        .position(|line| {
            let line = line.trim_start();
            let header = line.split('#').next().unwrap_or(line).trim_end();
            let compact: String = header.chars().filter(|c| !c.is_whitespace()).collect();
            headers.contains(&compact)
        })
        .map(|i| i + 1)
}

/// The manifest path as a SARIF URI: relative paths with forward slashes stay relative (to the
/// repository root, as code scanning expects when run from there); absolute ones become
/// `file://` URIs. Spaces and other characters URIs do not allow are percent-encoded.
pub(crate) fn artifact_uri(manifest: &str) -> String {
    let slashed = manifest.replace('\\', "/");
    let trimmed = slashed.trim_start_matches("./");
    let mut encoded = String::with_capacity(trimmed.len());
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let drive = encoded.len() > 2
        && encoded.as_bytes()[1] == b':'
        && encoded.as_bytes()[0].is_ascii_alphabetic();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else if drive {
        format!("file:///{encoded}")
    } else {
        encoded
    }
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

/// The SARIF log. `manifest` is the manifest path as given, `manifest_text` its contents.
pub fn to_sarif(report: &Report, manifest: &str, manifest_text: &str) -> Value {
    let uri = artifact_uri(manifest);
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.help },
                "help": { "text": r.help },
                "defaultConfiguration": { "level": level(r.level) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.id == f.rule).unwrap_or(0);
            let mut physical = json!({ "artifactLocation": { "uri": uri } });
            if let Some(line) = section_line(manifest_text, f.resource.as_str()) {
                physical["region"] = json!({ "startLine": line });
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(f.level),
                "message": { "text": format!("{}: {}", f.resource, f.message) },
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{
                        "fullyQualifiedName": f.resource.as_str(),
                        "kind": "resource",
                    }],
                }],
            });
            if let Some(reason) = &f.silenced {
                result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "azlift",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
        }]
    })
}
