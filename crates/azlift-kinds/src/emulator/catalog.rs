//! The catalog: what the emulator knows per resource type, read from the kinds table
//! ([`crate::KINDS`]: api-versions, realistic durations, long-running PUT/DELETE, soft delete,
//! location rule), and the entry points the server calls — validate a PUT, build the stored
//! representation, the GET view, POST actions and delete checks — dispatching to each kind's
//! behaviour.

use serde_json::{Map, Value, json};

use super::ArmError;

use super::common::{
    PRIVATE, get_str, hash_hex, is_region, keep_str, new_guid, normalize_location, obj_mut,
};
use super::errors::{
    INVALID_REQUEST_CONTENT, LOCATION_NOT_AVAILABLE, LOCATION_REQUIRED, coded, from_violations,
};
use super::names;
use super::schema::Schemas;
use super::{PutRequest, TypeInfo, World};
use crate::{KINDS, KindSpec, Location as Loc};

struct Entry {
    info: TypeInfo,
    spec: &'static KindSpec,
}

impl Entry {
    fn kind(&self) -> &'static dyn super::Kind {
        self.spec.emulator.behaviour
    }
    fn loc(&self) -> Loc {
        self.spec.emulator.location
    }
}

/// What the emulator knows of every built-in type.
pub struct Catalog {
    schemas: &'static Schemas,
    entries: Vec<Entry>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Catalog {
    /// The ten built-in types.
    pub fn builtin() -> Catalog {
        let schemas = Schemas::shared();
        let entries = KINDS
            .iter()
            .map(|spec| {
                let emu = &spec.emulator;
                let mut api_versions: Vec<&'static str> =
                    schemas.api_version(spec.arm_type).into_iter().collect();
                for v in emu.other_versions {
                    if !api_versions.contains(v) {
                        api_versions.push(v);
                    }
                }
                Entry {
                    info: TypeInfo {
                        arm_type: spec.arm_type,
                        api_versions,
                        realistic_create_secs: emu.create_secs,
                        realistic_delete_secs: emu.delete_secs,
                        long_running_put: emu.long_running_put,
                    },
                    spec,
                }
            })
            .collect();
        Catalog { schemas, entries }
    }

    fn entry(&self, arm_type: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.info.arm_type.eq_ignore_ascii_case(arm_type))
    }

    /// Static facts about a type (case-insensitive); `None` for types the emulator passes through.
    pub fn type_info(&self, arm_type: &str) -> Option<&TypeInfo> {
        self.entry(arm_type).map(|e| &e.info)
    }

    /// Every built-in type.
    pub fn types(&self) -> impl Iterator<Item = &TypeInfo> {
        self.entries.iter().map(|e| &e.info)
    }

    /// The schemas the catalog validates with.
    pub fn schemas(&self) -> &'static Schemas {
        self.schemas
    }

    /// Whether a DELETE of the type is long-running (202 + `Location`).
    pub fn long_running_delete(&self, arm_type: &str) -> bool {
        self.entry(arm_type)
            .is_some_and(|e| e.spec.emulator.long_running_delete)
    }

    /// Realistic create duration for this body: as `TypeInfo::realistic_create_secs`, except
    /// for the SKUs the kind times differently (APIM Consumption ~90 s versus
    /// Developer/Premium/other SKUs 30-45 min).
    pub fn create_secs(&self, arm_type: &str, body: &Value) -> f64 {
        let Some(e) = self.entry(arm_type) else {
            return 1.0;
        };
        get_str(body, &["sku", "name"])
            .and_then(|sku| {
                e.spec
                    .emulator
                    .create_secs_by_sku
                    .iter()
                    .find(|(s, _)| s.eq_ignore_ascii_case(sku))
            })
            .map_or(e.info.realistic_create_secs, |(_, secs)| *secs)
    }

    /// Judge a PUT as ARM and the resource provider would: schema, name, location, then the
    /// type's own rules (which may read other resources through `world`).
    pub fn validate_put(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        if !req.body.is_object() {
            return Err(ArmError::bad_request(
                INVALID_REQUEST_CONTENT,
                "The request content was invalid and could not be deserialized: the body must be a JSON object.",
            ));
        }
        let Some(e) = self.entry(req.arm_type) else {
            return Ok(()); // pass-through type
        };
        let cleaned;
        let body = if req.body.get(PRIVATE).is_some() {
            let mut b = req.body.clone();
            if let Some(o) = b.as_object_mut() {
                o.remove(PRIVATE);
            }
            cleaned = b;
            &cleaned
        } else {
            req.body
        };
        let vs = self.schemas.validate_body(e.info.arm_type, body);
        if !vs.is_empty() {
            return Err(from_violations(e.info.arm_type, &vs));
        }
        names::check(e.info.arm_type, req.name)?;
        self.check_location(e, req, world)?;
        e.kind().validate(req, world)
    }

    fn check_location(
        &self,
        e: &Entry,
        req: &PutRequest<'_>,
        world: &dyn World,
    ) -> Result<(), ArmError> {
        if e.loc() == Loc::None {
            return Ok(());
        }
        let Some(loc) = get_str(req.body, &["location"]) else {
            return Err(coded(
                LOCATION_REQUIRED,
                "location",
                "The location property is required for this definition.",
            ));
        };
        let n = normalize_location(loc);
        let ok = match e.loc() {
            Loc::Regional => is_region(&n),
            Loc::Global => n == "global",
            Loc::GlobalOrRegional => n == "global" || is_region(&n),
            Loc::None => true,
        };
        if !ok {
            let want = match e.loc() {
                Loc::Global => "The only supported location is 'global'.".to_string(),
                _ => "Use one of the public Azure regions (for example 'eastus', 'westeurope')."
                    .to_string(),
            };
            return Err(coded(
                LOCATION_NOT_AVAILABLE,
                "location",
                format!(
                    "The provided location '{loc}' is not available for resource type '{}'. {want}",
                    e.info.arm_type
                ),
            ));
        }
        if let Some(prev) = world.get(req.id) {
            let was = get_str(&prev, &["location"])
                .map(normalize_location)
                .unwrap_or_default();
            if !was.is_empty() && was != n {
                let rg = e.info.arm_type == "Microsoft.Resources/resourceGroups";
                let (code, msg) = if rg {
                    (
                        "InvalidResourceGroupLocation",
                        format!(
                            "Invalid resource group location '{loc}'. The Resource group already exists in location '{was}'."
                        ),
                    )
                } else {
                    (
                        "InvalidResourceLocation",
                        format!(
                            "The resource '{}' already exists in location '{was}' in resource group '{}'. A resource with the same name cannot be created in location '{n}'. Please select a new resource name.",
                            req.name, req.resource_group
                        ),
                    )
                };
                return Err(ArmError::conflict(code, msg).with_target("location"));
            }
        }
        Ok(())
    }

    /// The stored representation after a (validated) PUT: the body without read-only values
    /// the client sent, plus `id`/`name`/`type`, the normalised location,
    /// `provisioningState: Succeeded` and what the service adds for the type. Values that
    /// exist once per resource (keys, GUIDs, creation times) are kept from `previous`.
    pub fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<Value, ArmError> {
        let Some(src) = req.body.as_object() else {
            return Err(ArmError::bad_request(
                INVALID_REQUEST_CONTENT,
                "The request body must be a JSON object.",
            ));
        };
        let entry = self.entry(req.arm_type);
        let arm_type = entry.map(|e| e.info.arm_type).unwrap_or(req.arm_type);
        let mut body = Value::Object(src.clone());
        if let Some(o) = body.as_object_mut() {
            o.remove(PRIVATE);
            // ARM ignores a client's systemData; the emulator does not invent one.
            o.remove("systemData");
        }
        self.schemas.strip_read_only(arm_type, &mut body);
        let mut out = Map::new();
        out.insert("id".into(), json!(req.id));
        out.insert("name".into(), json!(req.name));
        out.insert("type".into(), json!(arm_type));
        if let Value::Object(rest) = body {
            for (k, v) in rest {
                if !matches!(k.as_str(), "id" | "name" | "type") {
                    out.insert(k, v);
                }
            }
        }
        let loc = entry.map(|e| e.loc()).unwrap_or(Loc::Regional);
        if let Some(Value::String(l)) = out.get_mut("location") {
            let n = normalize_location(l);
            *l = match loc {
                Loc::Global => "global".into(),
                Loc::GlobalOrRegional if n == "global" => "Global".into(),
                _ => n,
            };
        }
        let Some(e) = entry else {
            return Ok(Value::Object(out));
        };
        if let Some(p) = previous
            .and_then(|p| p.get(PRIVATE))
            .filter(|p| p.is_object())
        {
            out.insert(PRIVATE.into(), p.clone());
        }
        e.kind().complete(req, &mut out, previous, world)?;
        complete_identity(req, &mut out, previous);
        if e.spec.emulator.provisioning_state {
            obj_mut(&mut out, "properties").insert("provisioningState".into(), json!("Succeeded"));
        }
        if out
            .get(PRIVATE)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            out.remove(PRIVATE);
        }
        Ok(Value::Object(out))
    }

    /// What a GET returns for a stored representation: write-only values withheld and the
    /// private field removed.
    pub fn get_view(&self, arm_type: &str, stored: &Value) -> Value {
        let mut v = stored.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove(PRIVATE);
        }
        if let Some(e) = self.entry(arm_type) {
            e.kind().get_view(&mut v);
        }
        v
    }

    /// A POST action on a resource (`listSecrets`, `sharedKeys`).
    pub fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError> {
        if let Some(r) = self
            .entry(arm_type)
            .and_then(|e| e.kind().action(action, stored))
        {
            return r;
        }
        let (ns, ty) = arm_type.split_once('/').unwrap_or((arm_type, ""));
        Err(ArmError::bad_request(
            "InvalidResourceType",
            format!(
                "The resource type '{ty}/{action}' could not be found in the namespace '{ns}'."
            ),
        ))
    }

    /// Whether the resource may be deleted now (a managed environment with apps may not).
    pub fn check_delete(
        &self,
        id: &str,
        arm_type: &str,
        world: &dyn World,
    ) -> Result<(), ArmError> {
        match self.entry(arm_type) {
            Some(e) => e.kind().check_delete(id, world),
            None => Ok(()),
        }
    }

    /// Whether a delete of the type is a soft delete (the name stays reserved until purged).
    pub fn soft_delete(&self, arm_type: &str) -> bool {
        self.entry(arm_type)
            .is_some_and(|e| e.spec.emulator.soft_delete)
    }
}

/// Managed identity principals, as Entra ID would assign them: a system-assigned principal
/// per resource (kept across re-PUTs) and, for each user-assigned identity, ids derived from
/// the identity's resource id (the same identity shows the same ids everywhere).
fn complete_identity(req: &PutRequest<'_>, out: &mut Map<String, Value>, previous: Option<&Value>) {
    let Some(identity) = out.get_mut("identity").and_then(Value::as_object_mut) else {
        return;
    };
    let kind = identity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind.contains("systemassigned") {
        let principal = keep_str(previous, &["identity", "principalId"], new_guid);
        identity.insert("principalId".into(), json!(principal));
        identity.insert(
            "tenantId".into(),
            json!(derived_guid(&format!("tenant:{}", req.subscription))),
        );
    }
    if let Some(users) = identity
        .get_mut("userAssignedIdentities")
        .and_then(Value::as_object_mut)
    {
        for (uid, v) in users.iter_mut() {
            let key = uid.to_ascii_lowercase();
            *v = json!({
                "principalId": derived_guid(&format!("principal:{key}")),
                "clientId": derived_guid(&format!("client:{key}")),
            });
        }
    }
}

/// A GUID-shaped value derived from `seed`.
fn derived_guid(seed: &str) -> String {
    let h = hash_hex(seed, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
