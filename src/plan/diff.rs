//! The per-resource diff: walk what the manifest sets (never the whole observed body) and
//! record every path where ARM differs, with old -> new, secrets masked.
//!
//! Rules that make plans quiet after `up`:
//! - only paths present in the desired body are compared; read-only values and server
//!   defaults ARM adds are not the manifest's business;
//! - scalars are compared through `normalize::values_equal` (locations, ids, enums, numbers);
//! - arrays follow `rules::array_rule` (keyed by name, sets, or ordered);
//! - write-only values (never returned by GET) are compared by hash with what state recorded;
//! - pending values are compared once resolved from existing resources, else shown as
//!   "(known after apply)".

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kinds::ResourceKind;
use crate::resource::{DesiredResource, KNOWN_AFTER_APPLY, ObservedResource, Pointer, SENSITIVE};

use super::model::{Action, AttributeChange, Change};
use super::normalize::{canonical_hash, values_equal};
use super::rules::{ArrayRule, array_rule, owned_when_absent, replace_reason, server_default};

/// What state remembers of a resource's last apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prior {
    /// The ARM id state records at this address (`None`: not known, as in unit tests).
    pub id: Option<String>,
    /// Hash of the body last sent (pending values resolved).
    pub applied_hash: Option<String>,
    /// Hash per write-only value as last sent, by stable key (`write_only::stable_key`).
    pub write_only_hashes: BTreeMap<Pointer, String>,
}

/// Pending values that could be resolved from resources that already exist
/// (pointer in the desired body -> value). May hold secrets: never print it.
#[derive(Clone, Default, PartialEq)]
pub struct ResolvedValues {
    pub values: BTreeMap<Pointer, Value>,
}

impl std::fmt::Debug for ResolvedValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedValues")
            .field("pointers", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ResolvedValues {
    /// The desired body with every resolved pending value filled in; `None` if some pending
    /// value is still unknown.
    pub fn complete_body(&self, d: &DesiredResource) -> Option<Value> {
        let (body, complete) = self.fill(d);
        complete.then_some(body)
    }

    /// The body the plan shows as `after`: resolved pending values filled in, the others
    /// `(known after apply)`, secrets `(sensitive)`.
    pub fn planned_body(&self, d: &DesiredResource) -> Value {
        let unknown = d
            .pending
            .iter()
            .filter(|p| !self.values.contains_key(&p.pointer))
            .map(|p| p.pointer.as_str());
        crate::render::display::mask_body(self.fill(d).0, unknown, &d.sensitive)
    }

    /// The desired body with every resolved pending value filled in (unresolved stay
    /// `null`), and whether every one was resolved.
    pub fn fill(&self, d: &DesiredResource) -> (Value, bool) {
        let mut body = d.body.clone();
        let mut complete = true;
        for p in &d.pending {
            let Some(v) = self.values.get(&p.pointer) else {
                complete = false;
                continue;
            };
            let v = match (&p.format, v) {
                (Some(fmt), Value::String(s)) => Value::String(fmt.replace("{}", s)),
                _ => v.clone(),
            };
            if let Some(slot) = body.pointer_mut(&p.pointer) {
                *slot = v;
            }
        }
        (body, complete)
    }
}

/// Compare one desired resource with what ARM returned (and what state remembers).
pub fn diff_resource(
    d: &DesiredResource,
    observed: Option<&ObservedResource>,
    resolved: &ResolvedValues,
    prior: Option<&Prior>,
) -> Change {
    let mut change = Change {
        address: d.address.clone(),
        id: d.id.clone(),
        arm_type: d.arm_type.clone(),
        api_version: d.api_version.clone(),
        action: Action::NoOp,
        reason: String::new(),
        attributes: Vec::new(),
        observed_hash: observed.map(|o| canonical_hash(&o.body)),
        before: observed.map(|o| masked_observed(&o.body, &d.sensitive)),
        after: d.managed.then(|| resolved.planned_body(d)),
        replaces: None,
    };
    if !d.managed {
        change.action = Action::Read;
        change.reason = match observed {
            Some(_) => "existing resource, read only".to_string(),
            None => "existing resource NOT FOUND: it must exist before `up`".to_string(),
        };
        return change;
    }
    let Some(observed) = observed else {
        change.action = Action::Create;
        change.reason = if prior.is_some() {
            "recorded in state but missing from Azure (deleted outside azlift)".to_string()
        } else {
            "does not exist yet".to_string()
        };
        return change;
    };

    let mut body = resolved.fill(d).0;
    // Paths owned by another tool compare equal: they take what ARM has.
    super::ignore::overlay(&mut body, &observed.body, &d.ignore);
    let mut w = Walker {
        d,
        resolved,
        prior,
        out: Vec::new(),
    };
    w.walk(&body, Some(&observed.body), "", "", "", None);
    let attributes = w.out;

    let replace: Vec<&str> = attributes
        .iter()
        .filter_map(|a| a.forces_replace.as_deref())
        .collect();
    if let Some(first) = replace.first() {
        change.action = Action::Replace;
        // The verb ("must be replaced") is the renderer's; the reason says why.
        change.reason = (*first).to_string();
    } else if !attributes.is_empty() {
        change.action = Action::Update;
        let drift = match (
            prior.and_then(|p| p.applied_hash.as_deref()),
            resolved.complete_body(d),
        ) {
            (Some(h), Some(full)) => h == canonical_hash(&full),
            _ => false,
        };
        let n = attributes.len();
        let what = if n == 1 {
            "attribute differs"
        } else {
            "attributes differ"
        };
        change.reason = if drift {
            format!("{n} {what}: changed outside azlift (drift)")
        } else {
            format!("{n} {what}")
        };
    } else {
        change.reason = "up to date".to_string();
    }
    change.attributes = attributes;
    change
}

/// `null`, `""`, `[]` or `{}`: ARM's ways of saying "not set".
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// A copy of an observed value with anything named like a key, secret or connection string
/// masked: ARM should not return those, but a removed block is shown whole.
fn mask_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let l = k.to_ascii_lowercase();
                    let secret = l.ends_with("key")
                        || l.contains("secret")
                        || l.contains("password")
                        || l.contains("connectionstring");
                    let x = if secret && !x.is_null() {
                        Value::String(SENSITIVE.to_string())
                    } else {
                        mask_keys(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(mask_keys).collect()),
        other => other.clone(),
    }
}

/// An observed body fit to show as a plan's `before`: anything named like a key, secret or
/// connection string masked, and the manifest's secret pointers too.
pub(super) fn masked_observed(body: &Value, sensitive: &[String]) -> Value {
    let mut out = mask_keys(body);
    for pointer in sensitive {
        if let Some(slot) = out.pointer_mut(pointer)
            && !slot.is_null()
        {
            *slot = Value::String(SENSITIVE.to_string());
        }
    }
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

struct Walker<'a> {
    d: &'a DesiredResource,
    resolved: &'a ResolvedValues,
    prior: Option<&'a Prior>,
    out: Vec<AttributeChange>,
}

impl Walker<'_> {
    fn kind(&self) -> ResourceKind {
        self.d.kind
    }
    fn is_sensitive(&self, ptr: &str) -> bool {
        self.d.sensitive.iter().any(|p| p == ptr)
    }
    fn is_write_only(&self, ptr: &str) -> bool {
        self.d.write_only.iter().any(|p| p == ptr)
    }
    fn is_unknown(&self, ptr: &str) -> bool {
        self.d
            .pending
            .iter()
            .any(|p| p.pointer == ptr && !self.resolved.values.contains_key(ptr))
    }

    /// A copy of the desired value at `ptr` fit to show: secrets masked, unknowns marked.
    fn shown(&self, v: &Value, ptr: &str) -> Value {
        if self.is_sensitive(ptr) {
            return Value::String(SENSITIVE.to_string());
        }
        if self.is_unknown(ptr) {
            return Value::String(KNOWN_AFTER_APPLY.to_string());
        }
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.shown(x, &format!("{ptr}/{}", escape(k)))))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.shown(x, &format!("{ptr}/{i}")))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// An observed value fit to show at a desired pointer (secrets masked).
    fn shown_observed(&self, v: &Value, ptr: &str) -> Value {
        if self.is_sensitive(ptr) {
            Value::String(SENSITIVE.to_string())
        } else if ptr == "/location"
            && let Some(l) = v.as_str()
        {
            // ARM answers display names (`East US`); shown in the form the manifest writes.
            Value::String(super::normalize::normalize_location(l))
        } else {
            v.clone()
        }
    }

    fn record(&mut self, pattern: &str, path: &str, old: Option<Value>, new: Option<Value>) {
        self.out.push(AttributeChange {
            path: path.to_string(),
            old,
            new,
            forces_replace: replace_reason(self.kind(), pattern).map(str::to_string),
        });
    }

    fn walk(
        &mut self,
        dv: &Value,
        ov: Option<&Value>,
        ptr: &str,
        path: &str,
        pattern: &str,
        key: Option<&str>,
    ) {
        if self.is_unknown(ptr) {
            // Not known until the resource it comes from exists.
            let old = ov.map(|o| self.shown_observed(o, ptr));
            self.record(
                pattern,
                path,
                old,
                Some(Value::String(KNOWN_AFTER_APPLY.to_string())),
            );
            return;
        }
        if self.is_write_only(ptr) {
            let want = canonical_hash(dv);
            let key = super::write_only::stable_key(self.kind(), &self.d.body, ptr);
            let had = self
                .prior
                .and_then(|p| p.write_only_hashes.get(&key))
                .cloned();
            if had.as_deref() != Some(want.as_str()) {
                let old = had.map(|_| Value::String(SENSITIVE.to_string()));
                let new = self.shown(dv, ptr);
                let new = if self.is_sensitive(ptr) {
                    new
                } else {
                    Value::String(SENSITIVE.to_string())
                };
                self.record(pattern, path, old, Some(new));
            }
            return;
        }
        match dv {
            Value::Null => {}
            Value::Object(dm) => {
                let Some(om) = ov.and_then(Value::as_object) else {
                    let old = ov.map(|o| self.shown_observed(o, ptr));
                    let new = self.shown(dv, ptr);
                    self.record(pattern, path, old, Some(new));
                    return;
                };
                let owned_map = pattern == "tags";
                for (k, child) in dm {
                    let o_child = om.get(k).or_else(|| {
                        om.iter()
                            .find(|(ok, _)| ok.eq_ignore_ascii_case(k))
                            .map(|(_, v)| v)
                    });
                    let cptr = format!("{ptr}/{}", escape(k));
                    self.walk(
                        child,
                        o_child,
                        &cptr,
                        &join(path, k),
                        &join(pattern, k),
                        Some(k),
                    );
                }
                for (k, v) in om {
                    if dm.keys().any(|dk| dk.eq_ignore_ascii_case(k)) {
                        continue;
                    }
                    // Tags are owned whole (but ARM's `hidden-*` links and azlift's own
                    // `azlift-*` ownership tags); a few optional properties are owned even
                    // when the manifest leaves them out (turning a setting off removes it).
                    let owned = if owned_map {
                        !k.starts_with("hidden-") && !k.to_ascii_lowercase().starts_with("azlift-")
                    } else {
                        owned_when_absent(self.kind(), &join(pattern, k)) && !is_empty(v)
                    };
                    if owned {
                        let kpattern = join(pattern, k);
                        let old = if owned_map { v.clone() } else { mask_keys(v) };
                        self.record(&kpattern, &join(path, k), Some(old), None);
                    }
                }
            }
            Value::Array(da) => {
                let Some(oa) = ov.and_then(Value::as_array) else {
                    let old = ov.map(|o| self.shown_observed(o, ptr));
                    let new = self.shown(dv, ptr);
                    self.record(pattern, path, old, Some(new));
                    return;
                };
                let epattern = format!("{pattern}[]");
                match array_rule(self.kind(), pattern) {
                    ArrayRule::Keyed(kf) => {
                        self.walk_keyed(da, oa, kf, ptr, path, pattern, &epattern)
                    }
                    ArrayRule::Set => {
                        let same = da.len() == oa.len()
                            && da
                                .iter()
                                .all(|x| oa.iter().any(|y| values_equal(key, x, y)))
                            && oa
                                .iter()
                                .all(|y| da.iter().any(|x| values_equal(key, x, y)));
                        if !same {
                            let new = self.shown(dv, ptr);
                            self.record(pattern, path, Some(Value::Array(oa.clone())), Some(new));
                        }
                    }
                    ArrayRule::Ordered => {
                        if da.len() != oa.len() {
                            let new = self.shown(dv, ptr);
                            self.record(pattern, path, Some(Value::Array(oa.clone())), Some(new));
                        } else {
                            for (i, (x, y)) in da.iter().zip(oa).enumerate() {
                                self.walk(
                                    x,
                                    Some(y),
                                    &format!("{ptr}/{i}"),
                                    &format!("{path}[{i}]"),
                                    &epattern,
                                    key,
                                );
                            }
                        }
                    }
                }
            }
            scalar => match ov {
                Some(o) if values_equal(key, scalar, o) => {}
                _ => {
                    let old = ov.map(|o| self.shown_observed(o, ptr));
                    let new = self.shown(scalar, ptr);
                    self.record(pattern, path, old, Some(new));
                }
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_keyed(
        &mut self,
        da: &[Value],
        oa: &[Value],
        kf: &str,
        ptr: &str,
        path: &str,
        pattern: &str,
        epattern: &str,
    ) {
        let key_of = |v: &Value| v.get(kf).cloned().unwrap_or(Value::Null);
        let label = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for (i, x) in da.iter().enumerate() {
            let k = key_of(x);
            let eptr = format!("{ptr}/{i}");
            let epath = format!("{path}[{kf}={}]", label(&k));
            match oa.iter().find(|y| values_equal(Some(kf), &k, &key_of(y))) {
                Some(y) => self.walk(x, Some(y), &eptr, &epath, epattern, None),
                None => {
                    let new = self.shown(x, &eptr);
                    self.record(pattern, &epath, None, Some(new));
                }
            }
        }
        for y in oa {
            let k = key_of(y);
            if server_default(self.kind(), pattern, da, y) {
                // ARM adds it when the manifest sets none: not the manifest's business.
                continue;
            }
            if !da.iter().any(|x| values_equal(Some(kf), &key_of(x), &k)) {
                let epath = format!("{path}[{kf}={}]", label(&k));
                self.record(pattern, &epath, Some(y.clone()), None);
            }
        }
    }
}
