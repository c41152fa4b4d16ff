//! What users see of desired resources: bodies with every secret shown as `(sensitive)` and
//! every value known only after apply as `(known after apply)`, as JSON or as readable text.

use std::fmt::Write as _;

use serde_json::Value;

use crate::resource::{DesiredResource, KNOWN_AFTER_APPLY, Reference, SENSITIVE};

/// The body with pending values and secrets replaced by their placeholders. A pending
/// secret shows as `(sensitive)`.
pub fn masked_body(resource: &DesiredResource) -> Value {
    mask_body(
        resource.body.clone(),
        resource.pending.iter().map(|p| p.pointer.as_str()),
        &resource.sensitive,
    )
}

/// `body` with the values at `unknown` shown as `(known after apply)` and those at
/// `sensitive` as `(sensitive)` (a secret wins over an unknown).
pub fn mask_body<'a>(
    mut body: Value,
    unknown: impl IntoIterator<Item = &'a str>,
    sensitive: &[String],
) -> Value {
    for pointer in unknown {
        if let Some(slot) = body.pointer_mut(pointer) {
            *slot = Value::String(KNOWN_AFTER_APPLY.to_string());
        }
    }
    for pointer in sensitive {
        if let Some(slot) = body.pointer_mut(pointer) {
            *slot = Value::String(SENSITIVE.to_string());
        }
    }
    body
}

/// A copy of the resource whose body is masked.
pub fn masked(resource: &DesiredResource) -> DesiredResource {
    DesiredResource {
        body: masked_body(resource),
        ..resource.clone()
    }
}

/// The JSON array printed by `azlift render --output json`.
pub fn masked_json(resources: &[DesiredResource]) -> Value {
    Value::Array(
        resources
            .iter()
            .map(|r| serde_json::to_value(masked(r)).unwrap_or(Value::Null))
            .collect(),
    )
}

/// Where a pending value comes from, in words.
pub fn describe_reference(reference: &Reference) -> String {
    match reference {
        Reference::Property { address, pointer } => format!("{address} {pointer}"),
        Reference::Action {
            address,
            action,
            pointer,
        } => format!("{address} {action}() {pointer}"),
    }
}

/// The text printed by `azlift render`: one block per resource.
pub fn human(resources: &[DesiredResource]) -> String {
    let mut out = String::new();
    for r in resources {
        let managed = if r.managed {
            ""
        } else {
            "  (existing: read, never changed)"
        };
        let _ = writeln!(out, "# {}{managed}", r.address);
        let _ = writeln!(out, "  type:        {}", r.arm_type);
        let _ = writeln!(out, "  api-version: {}", r.api_version);
        let _ = writeln!(out, "  id:          {}", r.id);
        if !r.depends_on.is_empty() {
            let deps: Vec<&str> = r.depends_on.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(out, "  depends on:  {}", deps.join(", "));
        }
        if !r.pending.is_empty() {
            let _ = writeln!(out, "  known after apply:");
            for p in &r.pending {
                let _ = writeln!(
                    out,
                    "    {} <- {}",
                    p.pointer,
                    describe_reference(&p.reference)
                );
            }
        }
        let body = serde_json::to_string_pretty(&masked_body(r)).unwrap_or_default();
        let _ = writeln!(out, "  body:");
        for line in body.lines() {
            let _ = writeln!(out, "    {line}");
        }
        out.push('\n');
    }
    let managed = resources.iter().filter(|r| r.managed).count();
    let _ = writeln!(
        out,
        "{} resources ({} managed, {} existing)",
        resources.len(),
        managed,
        resources.len() - managed
    );
    out
}
