//! `${ref.ADDRESS.PATH}` references written in manifest values (`${ref.app.api.fqdn}`,
//! `${ref.resource.kv.properties.vaultUri}`). The manifest turns each into a marker inside
//! its string; the renderer turns a marker into the referenced resource's id or name (known
//! at render time) or into a value known after apply, with the dependency; declared outputs
//! are evaluated by the same rules from the bodies ARM returned.

use serde_json::Value;

use crate::state::outputs::{NamedOutput, SecretSource, is_secret_pointer, named_output};

const OPEN: char = '\u{E002}';
const CLOSE: char = '\u{E003}';

/// The marker standing for `${ref.EXPR}` inside a manifest string.
pub fn marker(expr: &str) -> String {
    format!("{OPEN}{expr}{CLOSE}")
}

/// Whether `text` holds a reference marker.
pub fn has_marker(text: &str) -> bool {
    text.contains(OPEN)
}

/// `text` with each marker written back as `${ref.EXPR}`, for messages.
pub fn shown(text: &str) -> String {
    text.replace(OPEN, "${ref.").replace(CLOSE, "}")
}

/// One piece of a string: plain text, or a reference expression (`app.api.fqdn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    Text(&'a str),
    Ref(&'a str),
}

/// The pieces of `text`; `None` when a marker is not closed (never made by the manifest).
pub fn parts(text: &str) -> Option<Vec<Part<'_>>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE)?;
        out.push(Part::Ref(&after[..end]));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest));
    }
    Some(out)
}

/// Why a reference cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("`${{ref.{0}}}` names no resource of this project")]
    UnknownAddress(String),
    #[error(
        "`${{ref.{0}}}` names a resource but no value: add `.id`, `.name`, an output such as `.fqdn`, or a property path such as `.properties.vaultUri`"
    )]
    NoPath(String),
}

/// Splits `expr` into the longest prefix that is an address and the path after it:
/// `app.task-api.fqdn` -> (`app.task-api`, [`fqdn`]).
pub fn split<'a>(
    expr: &'a str,
    is_address: &dyn Fn(&str) -> bool,
) -> Result<(&'a str, Vec<&'a str>), RefError> {
    if is_address(expr) {
        return Err(RefError::NoPath(expr.to_string()));
    }
    let dots: Vec<usize> = expr.match_indices('.').map(|(i, _)| i).collect();
    for &i in dots.iter().rev() {
        let address = &expr[..i];
        if is_address(address) {
            let path = expr[i + 1..].split('.').collect();
            return Ok((address, path));
        }
    }
    Err(RefError::UnknownAddress(expr.to_string()))
}

/// What a path of a resource of `arm_type` refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Its ARM id (known at render time).
    Id,
    /// Its ARM name (known at render time).
    Name,
    /// A property of its GET body, known after apply.
    Property { pointer: String, sensitive: bool },
    /// The result of a POST action on it (a key): secret, known after apply.
    Action { action: String, pointer: String },
}

/// The meaning of `path` on a resource of `arm_type`: `id`, `name`, one of its named
/// outputs (`fqdn`, `customer_id`, `connection_string`...), or a property path
/// (`properties.vaultUri`, `properties.ipAddresses.0`).
pub fn target(arm_type: &str, path: &[&str]) -> Target {
    match path {
        ["id"] => return Target::Id,
        ["name"] => return Target::Name,
        [one] => match named_output(arm_type, one) {
            Some(NamedOutput::Plain(pointer)) => {
                return Target::Property {
                    pointer: pointer.to_string(),
                    sensitive: false,
                };
            }
            Some(NamedOutput::Secret(SecretSource::Get(pointer))) => {
                return Target::Property {
                    pointer: pointer.to_string(),
                    sensitive: true,
                };
            }
            Some(NamedOutput::Secret(SecretSource::Action(action, pointer))) => {
                return Target::Action {
                    action: action.to_string(),
                    pointer: pointer.to_string(),
                };
            }
            None => {}
        },
        _ => {}
    }
    let pointer: String = path
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect();
    let sensitive = is_secret_pointer(arm_type, &pointer);
    Target::Property { pointer, sensitive }
}

/// The value of one reference from what is known of the project's resources: `None` when
/// it is not known (the resource is not applied, the property is absent, or it is an
/// action's result, which is only read when a body needs it).
pub fn value_of(target: &Target, id: &str, body: Option<&Value>) -> Option<(Value, bool)> {
    match target {
        Target::Id => Some((Value::String(id.to_string()), false)),
        Target::Name => id
            .rsplit('/')
            .next()
            .map(|n| (Value::String(n.to_string()), false)),
        Target::Property { pointer, sensitive } => body?
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .map(|v| (v.clone(), *sensitive)),
        Target::Action { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_address(a: &str) -> bool {
        matches!(
            a,
            "app.task-api" | "resource.kv" | "monitoring.app_insights" | "environment"
        )
    }

    #[test]
    fn markers_round_trip_through_parts() {
        let text = format!(
            "https://{}/api?{}",
            marker("app.task-api.fqdn"),
            marker("environment.id")
        );
        assert!(has_marker(&text));
        assert_eq!(
            parts(&text).unwrap(),
            vec![
                Part::Text("https://"),
                Part::Ref("app.task-api.fqdn"),
                Part::Text("/api?"),
                Part::Ref("environment.id"),
            ]
        );
        assert_eq!(
            shown(&text),
            "https://${ref.app.task-api.fqdn}/api?${ref.environment.id}"
        );
        assert_eq!(parts(&format!("{OPEN}open")), None);
    }

    #[test]
    fn the_longest_address_wins_and_the_rest_is_the_path() {
        assert_eq!(
            split("app.task-api.fqdn", &is_address).unwrap(),
            ("app.task-api", vec!["fqdn"])
        );
        assert_eq!(
            split("resource.kv.properties.vaultUri", &is_address).unwrap(),
            ("resource.kv", vec!["properties", "vaultUri"])
        );
        assert_eq!(
            split("resource.kv", &is_address),
            Err(RefError::NoPath("resource.kv".into()))
        );
        assert_eq!(
            split("app.nope.fqdn", &is_address),
            Err(RefError::UnknownAddress("app.nope.fqdn".into()))
        );
    }

    #[test]
    fn paths_mean_ids_names_outputs_or_properties() {
        let app = "Microsoft.App/containerApps";
        let ai = "Microsoft.Insights/components";
        assert_eq!(target(app, &["id"]), Target::Id);
        assert_eq!(target(app, &["name"]), Target::Name);
        assert_eq!(
            target(app, &["fqdn"]),
            Target::Property {
                pointer: "/properties/configuration/ingress/fqdn".into(),
                sensitive: false
            }
        );
        assert_eq!(
            target(ai, &["connection_string"]),
            Target::Property {
                pointer: "/properties/ConnectionString".into(),
                sensitive: true
            }
        );
        assert_eq!(
            target(ai, &["properties", "ConnectionString"]),
            Target::Property {
                pointer: "/properties/ConnectionString".into(),
                sensitive: true
            },
            "the same secret by its path stays secret"
        );
        assert_eq!(
            target(
                "Microsoft.OperationalInsights/workspaces",
                &["primary_shared_key"]
            ),
            Target::Action {
                action: "sharedKeys".into(),
                pointer: "/primarySharedKey".into()
            }
        );
        assert_eq!(
            target("Microsoft.KeyVault/vaults", &["properties", "a/b"]),
            Target::Property {
                pointer: "/properties/a~1b".into(),
                sensitive: false
            }
        );
    }

    #[test]
    fn values_come_from_ids_and_bodies() {
        let id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv";
        let body = serde_json::json!({"properties": {"vaultUri": "https://kv.vault.azure.net/"}});
        assert_eq!(
            value_of(&Target::Name, id, None),
            Some((Value::String("kv".into()), false))
        );
        let uri = Target::Property {
            pointer: "/properties/vaultUri".into(),
            sensitive: false,
        };
        assert_eq!(
            value_of(&uri, id, Some(&body)).map(|(v, _)| v),
            Some(Value::String("https://kv.vault.azure.net/".into()))
        );
        assert_eq!(value_of(&uri, id, None), None);
    }
}
