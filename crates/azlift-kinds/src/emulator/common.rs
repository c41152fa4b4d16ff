//! Small helpers shared by the per-provider modules: locations, ids, generated values
//! (GUIDs, keys, hex), timestamps, and JSON access that never panics on request data.

use rand::Rng;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Top-level field of a stored representation holding what the emulator keeps for itself
/// (workspace shared keys, raw logger credentials). Never part of a GET view; never taken
/// from a request body.
pub const PRIVATE: &str = "_emulator";

/// ARM's normalised location: `East US` -> `eastus`.
pub fn normalize_location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Public Azure regions (normalised names) the emulator accepts as a location.
pub const REGIONS: &[&str] = &[
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "canadacentral",
    "canadaeast",
    "brazilsouth",
    "brazilsoutheast",
    "mexicocentral",
    "northeurope",
    "westeurope",
    "uksouth",
    "ukwest",
    "francecentral",
    "francesouth",
    "germanywestcentral",
    "germanynorth",
    "norwayeast",
    "norwaywest",
    "swedencentral",
    "switzerlandnorth",
    "switzerlandwest",
    "polandcentral",
    "italynorth",
    "spaincentral",
    "australiaeast",
    "australiasoutheast",
    "australiacentral",
    "australiacentral2",
    "eastasia",
    "southeastasia",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "centralindia",
    "southindia",
    "westindia",
    "uaenorth",
    "uaecentral",
    "southafricanorth",
    "southafricawest",
    "qatarcentral",
    "israelcentral",
    "newzealandnorth",
    "indonesiacentral",
    "malaysiawest",
    "chilecentral",
];

pub fn is_region(normalised: &str) -> bool {
    REGIONS.contains(&normalised)
}

/// Compare ARM ids (or names) ignoring case, and a trailing slash.
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Whether `s` looks like a fully qualified ARM id.
pub fn is_arm_id(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("/subscriptions/")
        && lower.split('/').filter(|p| !p.is_empty()).count() >= 2)
        || lower.starts_with("/providers/")
}

/// `.../service/apim/loggers/l` -> `.../service/apim`.
pub fn parent_id(id: &str) -> Option<&str> {
    let trimmed = id.trim_end_matches('/');
    let cut = trimmed.rfind('/')?;
    let cut = trimmed[..cut].rfind('/')?;
    Some(&trimmed[..cut])
}

/// The ARM type an id names: `.../providers/Microsoft.ApiManagement/service/a/loggers/b`
/// -> `Microsoft.ApiManagement/service/loggers`; resource groups -> `Microsoft.Resources/resourceGroups`.
pub fn type_of_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let Some(at) = lower.rfind("/providers/") else {
        let segs: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
        return match segs.as_slice() {
            [s, _, r, _]
                if s.eq_ignore_ascii_case("subscriptions")
                    && r.eq_ignore_ascii_case("resourcegroups") =>
            {
                Some("Microsoft.Resources/resourceGroups".to_string())
            }
            _ => None,
        };
    };
    let segs: Vec<&str> = id[at + "/providers/".len()..]
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    if segs.len() < 3 || segs.len().is_multiple_of(2) {
        return None;
    }
    let mut t = segs[0].to_string();
    for pair in segs[1..].chunks(2) {
        t.push('/');
        t.push_str(pair[0]);
    }
    Some(t)
}

/// Whether an id names a resource of `arm_type` (`Microsoft.App/containerApps`), ignoring case.
pub fn id_has_type(id: &str, arm_type: &str) -> bool {
    type_of_id(id).is_some_and(|t| t.eq_ignore_ascii_case(arm_type))
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn random_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from_digit(rng.random_range(0..16u32), 16).unwrap_or('0'))
        .collect()
}

/// Lower-case letters and digits, as in revision suffixes.
pub fn random_lower_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// `n` random bytes, base64-encoded (the shape of Azure shared keys).
pub fn random_base64(n: usize) -> String {
    let mut rng = rand::rng();
    let bytes: Vec<u8> = (0..n).map(|_| rng.random::<u8>()).collect();
    base64(&bytes)
}

/// A public-looking IPv4 address.
pub fn random_ip() -> String {
    let mut rng = rand::rng();
    format!(
        "20.{}.{}.{}",
        rng.random_range(0..=255u8),
        rng.random_range(0..=255u8),
        rng.random_range(1..=254u8)
    )
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// First `n` hex digits of SHA-256 of `input`: stable values derived from ids.
pub fn hash_hex(input: &str, n: usize) -> String {
    let digest = Sha256::digest(input.as_bytes());
    hex::encode(digest).chars().take(n).collect()
}

/// Follow a dotted path of object keys (exact names).
pub fn get_path<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

pub fn get_str<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    get_path(v, path).and_then(Value::as_str)
}

/// Find a key ignoring case, as the providers' deserializers do.
pub fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The object under `key`, created (or replaced, if not an object) when needed.
pub fn obj_mut<'m>(m: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let entry = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(o) => o,
        _ => unreachable!("just made an object"),
    }
}

/// Set `key` when absent or null.
pub fn set_default(m: &mut Map<String, Value>, key: &str, v: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), v);
    }
}

/// A string kept from the previous representation at `path`, or made by `make`.
pub fn keep_str(previous: Option<&Value>, path: &[&str], make: impl FnOnce() -> String) -> String {
    previous
        .and_then(|p| get_str(p, path))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(make)
}

/// A value kept from the previous representation at `path`, or made by `make`.
pub fn keep(previous: Option<&Value>, path: &[&str], make: impl FnOnce() -> Value) -> Value {
    previous
        .and_then(|p| get_path(p, path))
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(make)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_normalise() {
        assert_eq!(normalize_location("East US"), "eastus");
        assert_eq!(normalize_location("South Central US"), "southcentralus");
        assert!(is_region(&normalize_location("West Europe")));
        assert!(!is_region("moon"));
    }

    #[test]
    fn ids() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/loggers/l";
        assert_eq!(
            parent_id(id),
            Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim"
            )
        );
        assert!(id_has_type(id, "Microsoft.ApiManagement/service/loggers"));
        assert!(id_has_type(
            "/subscriptions/s/resourcegroups/rg",
            "Microsoft.Resources/resourceGroups"
        ));
        assert!(!id_has_type(id, "Microsoft.ApiManagement/service"));
        assert!(id_has_type(
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.app/containerapps/a",
            "Microsoft.App/containerApps"
        ));
        assert!(is_arm_id("/subscriptions/s/resourceGroups/rg"));
        assert!(!is_arm_id("not-an-id"));
        assert!(same_id("/A/b/", "/a/B"));
    }

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(random_base64(64).len(), 88);
        assert_eq!(random_hex(24).len(), 24);
    }
}
