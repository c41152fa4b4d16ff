//! Normalisation: when two JSON values mean the same thing to ARM.
//!
//! ARM changes letter case (locations, ids, enum values), writes numbers as it likes
//! (`10` vs `10.0`), and spells ISO 8601 durations in any case (`Pt5m` -> `PT5M`). These rules
//! are why a plan right after `up` says "No changes".

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Keys whose string values are enumerations that ARM treats case-insensitively.
const ENUM_KEYS: &[&str] = &[
    "transport",
    "type",
    "odata.type",
    "criterionType",
    "operator",
    "timeAggregation",
    "samplingType",
    "alwaysLog",
    "verbosity",
    "httpCorrelationProtocol",
    "loggerType",
    "Application_Type",
    "kind",
    "destination",
    "activeRevisionsMode",
    "scheme",
    "IngestionMode",
    "publicNetworkAccessForIngestion",
    "publicNetworkAccessForQuery",
];

/// ARM's normal form of a location: lower case without spaces (`East US` -> `eastus`).
pub fn normalize_location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn looks_like_arm_id(s: &str) -> bool {
    s.len() > 15 && s[..15].eq_ignore_ascii_case("/subscriptions/")
}

fn looks_like_duration(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3
        && (b[0] == b'P' || b[0] == b'p')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_digit() || b"TtHhMmSsDdWwYy.".contains(c))
}

/// Whether `desired` and `observed` are the same value at a place whose key is `key`
/// (the last object key on the path, if any). Only scalars are compared here.
pub fn values_equal(key: Option<&str>, desired: &Value, observed: &Value) -> bool {
    match (desired, observed) {
        (Value::String(a), Value::String(b)) => {
            if a == b {
                return true;
            }
            if key == Some("location") {
                return normalize_location(a) == normalize_location(b);
            }
            if (looks_like_arm_id(a) && looks_like_arm_id(b))
                || (looks_like_duration(a) && looks_like_duration(b))
            {
                return a.eq_ignore_ascii_case(b);
            }
            match key {
                Some(k) if ENUM_KEYS.iter().any(|e| e.eq_ignore_ascii_case(k)) => {
                    a.eq_ignore_ascii_case(b)
                }
                _ => false,
            }
        }
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => desired == observed,
    }
}

/// A stable hash of a JSON value: SHA-256 over canonical JSON (object keys sorted), hex.
/// Used for write-only values (kept in state as hashes, never in clear) and fingerprints.
pub fn canonical_hash(v: &Value) -> String {
    let mut h = Sha256::new();
    write_canonical(v, &mut h);
    hex::encode(h.finalize())
}

fn write_canonical(v: &Value, h: &mut Sha256) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                h.update(serde_json::to_string(k).unwrap_or_default().as_bytes());
                h.update(b":");
                write_canonical(&m[k], h);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(a) => {
            h.update(b"[");
            for x in a {
                write_canonical(x, h);
                h.update(b",");
            }
            h.update(b"]");
        }
        Value::Number(n) => {
            // 10 and 10.0 hash alike.
            match n.as_f64() {
                Some(f) => h.update(format!("{f:?}").as_bytes()),
                None => h.update(n.to_string().as_bytes()),
            }
        }
        other => h.update(other.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locations_compare_normalised() {
        assert!(values_equal(
            Some("location"),
            &json!("eastus"),
            &json!("East US")
        ));
        assert!(!values_equal(
            Some("location"),
            &json!("eastus"),
            &json!("westus")
        ));
    }

    #[test]
    fn ids_and_durations_ignore_case_other_strings_do_not() {
        let a =
            json!("/subscriptions/x/resourceGroups/RG/providers/Microsoft.Insights/components/ai");
        let b =
            json!("/subscriptions/x/resourcegroups/rg/providers/microsoft.insights/components/AI");
        assert!(values_equal(Some("WorkspaceResourceId"), &a, &b));
        assert!(values_equal(
            Some("windowSize"),
            &json!("PT5M"),
            &json!("Pt5m")
        ));
        assert!(!values_equal(
            Some("description"),
            &json!("Fires"),
            &json!("fires")
        ));
        assert!(!values_equal(
            Some("image"),
            &json!("nginx:1"),
            &json!("NGINX:1")
        ));
    }

    #[test]
    fn enum_keys_ignore_case() {
        assert!(values_equal(
            Some("transport"),
            &json!("auto"),
            &json!("Auto")
        ));
        assert!(values_equal(
            Some("Application_Type"),
            &json!("web"),
            &json!("Web")
        ));
        assert!(!values_equal(
            Some("transport"),
            &json!("http"),
            &json!("http2")
        ));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(values_equal(None, &json!(10), &json!(10.0)));
        assert!(!values_equal(None, &json!(10), &json!(20)));
        assert_eq!(
            canonical_hash(&json!({"a": 10})),
            canonical_hash(&json!({"a": 10.0}))
        );
    }

    #[test]
    fn canonical_hash_ignores_key_order() {
        let a = json!({"a": 1, "b": [1, 2, {"c": "x", "d": null}]});
        let b = json!({"b": [1, 2, {"d": null, "c": "x"}], "a": 1});
        assert_eq!(canonical_hash(&a), canonical_hash(&b));
        assert_ne!(canonical_hash(&a), canonical_hash(&json!({"a": 2})));
    }
}
