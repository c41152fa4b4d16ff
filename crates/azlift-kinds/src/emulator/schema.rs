//! The official JSON Schemas (one in each kind's folder, exported from the Azure SDK
//! models) loaded verbatim, and a validator that judges a request body against one the way an
//! ARM resource provider does: unknown properties, missing required ones, JSON types, known
//! enum values (case-insensitive), discriminated `oneOf` (metric alert criteria), and the
//! `format` / min / max keywords when a schema carries them. Read-only properties sent by a
//! client are ignored, as the real providers ignore them.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Discriminator values of the polymorphic models. The exported schemas mark these models
/// `x-discriminated` but do not carry the values (the SDK keeps them in each model's
/// `_subtype_map`; the REST specification in `x-ms-discriminator-value`): value -> `$defs` name.
struct Discriminator {
    property: &'static str,
    values: &'static [(&'static str, &'static str)],
}

const DISCRIMINATORS: &[Discriminator] = &[
    // azure-mgmt-monitor MetricAlertCriteria._subtype_map["odata_type"]
    Discriminator {
        property: "odata.type",
        values: &[
            (
                "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "MetricAlertSingleResourceMultipleMetricCriteria",
            ),
            (
                "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
                "MetricAlertMultipleResourceMultipleMetricCriteria",
            ),
            (
                "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
                "WebtestLocationAvailabilityCriteria",
            ),
        ],
    },
    // azure-mgmt-monitor MultiMetricCriteria._subtype_map["criterion_type"]
    Discriminator {
        property: "criterionType",
        values: &[
            ("StaticThresholdCriterion", "MetricCriteria"),
            ("DynamicThresholdCriterion", "DynamicMetricCriteria"),
        ],
    },
];

/// Enumerations the service treats as open: any string is accepted (values outside
/// `x-known-values` are legacy or portal values the provider still takes). Everything else
/// with `x-known-values` is checked. Paths have array indices removed.
const OPEN_ENUMS: &[(&str, &str)] = &[
    // Application Insights accepts the legacy types (java, ios, Node.JS, MobileCenter...)
    // that azurerm and the portal still send.
    (
        "Microsoft.Insights/components",
        "properties.Application_Type",
    ),
    // The portal sends IbizaAIExtension, IbizaWebAppExtensionCreate...
    ("Microsoft.Insights/components", "properties.Request_Source"),
    ("Microsoft.Insights/components", "properties.Flow_Type"),
];

/// Envelope fields that come from the URL or the server and are allowed on every body.
const ENVELOPE: &[&str] = &["id", "name", "type", "systemData"];

/// What is wrong with one property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    /// A property the model does not know (`additionalProperties: false`).
    UnknownProperty,
    /// A `required` property absent (or `null`).
    MissingRequired,
    /// A JSON type other than the schema's (`integer` wants a whole number).
    WrongType,
    /// A string outside `x-known-values` (or an unknown discriminator value).
    UnknownEnumValue,
    /// Outside `minimum`/`maximum`/`minLength`/`maxLength`/`minItems`/`maxItems`.
    OutOfRange,
    /// Anything else: bad `format`, no schema for the type, no `oneOf` branch fits.
    Other,
}

/// One problem found in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Dotted path, arrays indexed: `properties.template.containers[0].env[1].secretRef`.
    pub path: String,
    pub kind: ViolationKind,
    pub message: String,
}

/// One loaded schema.
#[derive(Debug, Clone)]
pub struct TypeSchema {
    /// Canonical ARM type, e.g. `Microsoft.App/containerApps`.
    pub arm_type: &'static str,
    /// The schema's `x-api-version`.
    pub api_version: String,
    /// The schema's `x-sdk` (package and model it was exported from).
    pub sdk: String,
    root: Value,
}

impl TypeSchema {
    fn defs(&self) -> Option<&Map<String, Value>> {
        self.root.get("$defs").and_then(Value::as_object)
    }
}

/// All built-in schemas, keyed by ARM type (case-insensitive).
#[derive(Debug, Clone)]
pub struct Schemas {
    types: Vec<TypeSchema>,
}

impl Schemas {
    /// The ten schemas compiled into the binary.
    pub fn builtin() -> Schemas {
        Self::shared().clone()
    }

    /// The built-in schemas, parsed once per process.
    pub fn shared() -> &'static Schemas {
        static CELL: OnceLock<Schemas> = OnceLock::new();
        CELL.get_or_init(|| {
            let types = crate::KINDS
                .iter()
                .map(|s| {
                    // The files are compiled in and checked by the tests; a parse failure is
                    // a build defect, not request data.
                    let root: Value = serde_json::from_str(s.schema_text).unwrap_or_else(|e| {
                        panic!("built-in schema for {} is not JSON: {e}", s.arm_type)
                    });
                    let text = |k: &str| {
                        root.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    TypeSchema {
                        arm_type: s.arm_type,
                        api_version: text("x-api-version"),
                        sdk: text("x-sdk"),
                        root,
                    }
                })
                .collect();
            Schemas { types }
        })
    }

    /// The schema of an ARM type (case-insensitive).
    pub fn get(&self, arm_type: &str) -> Option<&TypeSchema> {
        self.types
            .iter()
            .find(|t| t.arm_type.eq_ignore_ascii_case(arm_type))
    }

    /// The `x-api-version` of a type's schema.
    pub fn api_version(&self, arm_type: &str) -> Option<&str> {
        self.get(arm_type).map(|t| t.api_version.as_str())
    }

    /// Canonical names of every type with a schema.
    pub fn arm_types(&self) -> Vec<&'static str> {
        self.types.iter().map(|t| t.arm_type).collect()
    }

    /// Validate a request body as the resource provider does: property names match
    /// case-insensitively (the providers' deserializers do), read-only properties are ignored.
    pub fn validate_body(&self, arm_type: &str, body: &Value) -> Vec<Violation> {
        self.validate(arm_type, body, false)
    }

    /// Like [`Schemas::validate_body`] but a property name must match the schema's casing
    /// exactly (a differently cased name is an `UnknownProperty`): for azlift's own check that
    /// every body it renders is exactly what the API defines.
    pub fn validate_body_exact(&self, arm_type: &str, body: &Value) -> Vec<Violation> {
        self.validate(arm_type, body, true)
    }

    fn validate(&self, arm_type: &str, body: &Value, exact: bool) -> Vec<Violation> {
        let Some(ts) = self.get(arm_type) else {
            return vec![Violation {
                path: String::new(),
                kind: ViolationKind::Other,
                message: format!("no schema for resource type '{arm_type}'"),
            }];
        };
        let empty = Map::new();
        let mut w = Walker {
            arm_type: ts.arm_type,
            defs: ts.defs().unwrap_or(&empty),
            exact,
            out: Vec::new(),
        };
        if !body.is_object() {
            w.push(
                "",
                ViolationKind::WrongType,
                format!(
                    "the request body must be a JSON object, found {}",
                    json_type(body)
                ),
            );
            return w.out;
        }
        w.walk(&ts.root, body, "", None, 0);
        w.out
    }

    /// Whether the dotted `path` (`[]` after an array's name: `a.b[].c`) names a property of
    /// the type's schema, through `$ref`s and `allOf`/`oneOf`/`anyOf` branches (for checking
    /// that the paths a kind's diff rules name exist).
    pub fn has_path(&self, arm_type: &str, path: &str) -> bool {
        let Some(ts) = self.get(arm_type) else {
            return false;
        };
        let empty = Map::new();
        let defs = ts.defs().unwrap_or(&empty);
        let mut at = vec![&ts.root];
        for seg in path.split('.') {
            let (name, items) = match seg.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (seg, false),
            };
            let mut next = Vec::new();
            for s in at {
                for c in branches(defs, s) {
                    let Some(p) = c.get("properties").and_then(|p| p.get(name)) else {
                        continue;
                    };
                    if items {
                        next.extend(branches(defs, p).into_iter().filter_map(|b| b.get("items")));
                    } else {
                        next.push(p);
                    }
                }
            }
            if next.is_empty() {
                return false;
            }
            at = next;
        }
        true
    }

    /// Remove the read-only properties a client sent (the server sets them itself), leaving
    /// everything else as sent. Property names match case-insensitively.
    pub fn strip_read_only(&self, arm_type: &str, body: &mut Value) {
        if let Some(ts) = self.get(arm_type) {
            let empty = Map::new();
            let defs = ts.defs().unwrap_or(&empty);
            strip(defs, &ts.root, body, true, 0);
        }
    }
}

/// `schema` with its `$ref` followed, and every `allOf`/`oneOf`/`anyOf` branch under it
/// (each `$defs` entry once: polymorphic models refer back to their base).
fn branches<'s>(defs: &'s Map<String, Value>, schema: &'s Value) -> Vec<&'s Value> {
    fn collect<'s>(
        defs: &'s Map<String, Value>,
        schema: &'s Value,
        seen: &mut Vec<&'s str>,
        out: &mut Vec<&'s Value>,
    ) {
        let schema = match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(ref_name)
        {
            Some(name) if seen.contains(&name) => return,
            Some(name) => {
                seen.push(name);
                match defs.get(name) {
                    Some(d) => d,
                    None => return,
                }
            }
            None => schema,
        };
        out.push(schema);
        for k in ["allOf", "oneOf", "anyOf"] {
            for b in schema
                .get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(defs, b, seen, out);
            }
        }
    }
    let mut out = Vec::new();
    collect(defs, schema, &mut Vec::new(), &mut out);
    out
}

/// The JSON type name of a value, as a schema spells it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `a.b[3].c[0]` -> `a.b.c`, for matching against [`OPEN_ENUMS`].
fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `$defs` name a `$ref` points at.
fn ref_name(r: &str) -> Option<&str> {
    r.strip_prefix("#/$defs/")
}

/// Compare two enum values as the providers do: case-insensitive, and for flag enums
/// (`SystemAssigned, UserAssigned`) ignoring the blanks around commas.
fn enum_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.split(',')
            .map(|p| p.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    };
    a.eq_ignore_ascii_case(b) || norm(a) == norm(b)
}

/// Find a property schema by name: exact first, then (unless `exact`) ignoring case.
fn lookup<'s>(props: &'s Map<String, Value>, key: &str, exact: bool) -> Option<&'s Value> {
    props.get(key).or_else(|| {
        if exact {
            None
        } else {
            props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        }
    })
}

fn is_read_only(s: &Value) -> bool {
    s.get("readOnly").and_then(Value::as_bool) == Some(true)
}

const MAX_DEPTH: usize = 64;

struct Walker<'a> {
    arm_type: &'static str,
    defs: &'a Map<String, Value>,
    exact: bool,
    out: Vec<Violation>,
}

impl<'a> Walker<'a> {
    fn push(&mut self, path: &str, kind: ViolationKind, message: String) {
        self.out.push(Violation {
            path: path.to_string(),
            kind,
            message,
        });
    }

    /// Validate `inst` at `path` against `schema`; `def` names the `$defs` entry `schema` is.
    fn walk(
        &mut self,
        schema: &'a Value,
        inst: &Value,
        path: &str,
        def: Option<&'a str>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.push(
                path,
                ViolationKind::Other,
                "the body nests too deeply".into(),
            );
            return;
        }
        if inst.is_null() {
            // ARM's deserializers read an explicit null as "not given".
            return;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match ref_name(r).and_then(|n| self.defs.get_key_value(n)) {
                Some((name, target)) => {
                    self.walk(target, inst, path, Some(name.as_str()), depth + 1)
                }
                None => self.push(
                    path,
                    ViolationKind::Other,
                    format!("schema reference '{r}' not found"),
                ),
            }
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.walk(s, inst, path, None, depth + 1);
            }
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            if schema.get("x-discriminated").and_then(Value::as_bool) == Some(true) {
                self.discriminated(branches, inst, path, def, depth);
            } else {
                self.one_of(branches, inst, path, depth);
            }
            return;
        }
        if !self.type_ok(schema, inst, path) {
            return;
        }
        match inst {
            Value::Object(obj) => self.object(schema, obj, path, depth),
            Value::Array(items) => self.array(schema, items, path, depth),
            Value::String(s) => self.string(schema, s, path),
            Value::Number(n) => self.number(schema, n, path),
            _ => {}
        }
    }

    fn type_ok(&mut self, schema: &Value, inst: &Value, path: &str) -> bool {
        let Some(want) = schema.get("type") else {
            return true;
        };
        let wants: Vec<&str> = match want {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        let ok = wants.iter().any(|w| match *w {
            "string" => inst.is_string(),
            "boolean" => inst.is_boolean(),
            "object" => inst.is_object(),
            "array" => inst.is_array(),
            "null" => inst.is_null(),
            "number" => inst.is_number(),
            "integer" => match inst {
                Value::Number(n) => {
                    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
                }
                _ => false,
            },
            _ => true,
        });
        if !ok {
            self.push(
                path,
                ViolationKind::WrongType,
                format!(
                    "'{}' must be of type {}, found {}",
                    display(path),
                    wants.join(" or "),
                    json_type(inst)
                ),
            );
        }
        ok
    }

    fn object(&mut self, schema: &'a Value, obj: &Map<String, Value>, path: &str, depth: usize) {
        let props: Option<&'a Map<String, Value>> =
            schema.get("properties").and_then(Value::as_object);
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                let present = obj
                    .iter()
                    .find(|(k, _)| k.as_str() == r || (!self.exact && k.eq_ignore_ascii_case(r)))
                    .is_some_and(|(_, v)| !v.is_null());
                if !present {
                    let p = join(path, r);
                    self.push(
                        &p,
                        ViolationKind::MissingRequired,
                        format!("the required property '{p}' is missing"),
                    );
                }
            }
        }
        // The SDK flattens `properties` into the resource model: when that wrapper has required
        // members it is itself required (APIM `publisherEmail`, metric alert `criteria`...).
        if path.is_empty() {
            let wrapper = props.and_then(|m| lookup(m, "properties", self.exact));
            let absent = obj
                .iter()
                .find(|(k, _)| {
                    k.as_str() == "properties"
                        || (!self.exact && k.eq_ignore_ascii_case("properties"))
                })
                .is_none_or(|(_, v)| v.is_null());
            if let (Some(w), true) = (wrapper, absent) {
                let resolved = match w.get("$ref").and_then(Value::as_str).and_then(ref_name) {
                    Some(n) => self.defs.get(n).unwrap_or(w),
                    None => w,
                };
                for r in resolved
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    let p = format!("properties.{r}");
                    self.push(
                        &p,
                        ViolationKind::MissingRequired,
                        format!("the required property '{p}' is missing"),
                    );
                }
            }
        }
        let additional = schema.get("additionalProperties");
        for (k, v) in obj {
            let p = join(path, k);
            if let Some(ps) = props.and_then(|m| lookup(m, k, self.exact)) {
                if !is_read_only(ps) {
                    self.walk(ps, v, &p, None, depth + 1);
                }
                continue;
            }
            if path.is_empty() && ENVELOPE.contains(&k.as_str()) {
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    let hint = props
                        .and_then(|m| m.keys().find(|x| x.eq_ignore_ascii_case(k)))
                        .map(|x| format!(" (the API spells it '{x}')"))
                        .unwrap_or_default();
                    self.push(
                        &p,
                        ViolationKind::UnknownProperty,
                        format!(
                            "could not find member '{k}' on '{}'{hint}",
                            if path.is_empty() {
                                "the resource"
                            } else {
                                path
                            }
                        ),
                    );
                }
                Some(s @ Value::Object(_)) => self.walk(s, v, &p, None, depth + 1),
                _ => {}
            }
        }
    }

    fn array(&mut self, schema: &'a Value, items: &[Value], path: &str, depth: usize) {
        self.bounds(
            schema,
            "minItems",
            "maxItems",
            items.len() as f64,
            path,
            "items",
        );
        if let Some(is) = schema.get("items") {
            for (i, it) in items.iter().enumerate() {
                self.walk(is, it, &format!("{path}[{i}]"), None, depth + 1);
            }
        }
    }

    fn string(&mut self, schema: &Value, s: &str, path: &str) {
        self.bounds(
            schema,
            "minLength",
            "maxLength",
            s.chars().count() as f64,
            path,
            "characters",
        );
        if let Some(known) = schema.get("x-known-values").and_then(Value::as_array) {
            let open = {
                let bare = strip_indices(path);
                OPEN_ENUMS
                    .iter()
                    .any(|(t, p)| t.eq_ignore_ascii_case(self.arm_type) && *p == bare)
            };
            let values: Vec<&str> = known.iter().filter_map(Value::as_str).collect();
            if !open && !values.iter().any(|k| enum_eq(k, s)) {
                self.push(
                    path,
                    ViolationKind::UnknownEnumValue,
                    format!(
                        "the value '{s}' of '{}' is not allowed; allowed values: {}",
                        display(path),
                        values.join(", ")
                    ),
                );
            }
        }
        if let Some(enumv) = schema.get("enum").and_then(Value::as_array)
            && !enumv
                .iter()
                .filter_map(Value::as_str)
                .any(|k| enum_eq(k, s))
        {
            self.push(
                path,
                ViolationKind::UnknownEnumValue,
                format!("the value '{s}' of '{}' is not allowed", display(path)),
            );
        }
        if let Some(fmt) = schema.get("format").and_then(Value::as_str)
            && !format_ok(fmt, s)
        {
            self.push(
                path,
                ViolationKind::Other,
                format!("'{}' is not a valid {fmt}: '{s}'", display(path)),
            );
        }
    }

    fn number(&mut self, schema: &Value, n: &serde_json::Number, path: &str) {
        let Some(x) = n.as_f64() else { return };
        let get = |k: &str| schema.get(k).and_then(Value::as_f64);
        let mut bad = None;
        if let Some(m) = get("minimum").filter(|m| x < *m) {
            bad = Some(format!("at least {m}"));
        }
        if let Some(m) = get("maximum").filter(|m| x > *m) {
            bad = Some(format!("at most {m}"));
        }
        if let Some(m) = get("exclusiveMinimum").filter(|m| x <= *m) {
            bad = Some(format!("greater than {m}"));
        }
        if let Some(m) = get("exclusiveMaximum").filter(|m| x >= *m) {
            bad = Some(format!("less than {m}"));
        }
        if let Some(b) = bad {
            self.push(
                path,
                ViolationKind::OutOfRange,
                format!("'{}' must be {b}, found {n}", display(path)),
            );
        }
    }

    fn bounds(&mut self, schema: &Value, lo: &str, hi: &str, len: f64, path: &str, unit: &str) {
        if let Some(m) = schema.get(lo).and_then(Value::as_f64).filter(|m| len < *m) {
            self.push(
                path,
                ViolationKind::OutOfRange,
                format!("'{}' must have at least {m} {unit}", display(path)),
            );
        }
        if let Some(m) = schema.get(hi).and_then(Value::as_f64).filter(|m| len > *m) {
            self.push(
                path,
                ViolationKind::OutOfRange,
                format!("'{}' must have at most {m} {unit}", display(path)),
            );
        }
    }

    /// A plain `oneOf`: valid when at least one branch reports nothing.
    fn one_of(&mut self, branches: &'a [Value], inst: &Value, path: &str, depth: usize) {
        let mut best: Option<Vec<Violation>> = None;
        for b in branches {
            let mut sub = Walker {
                arm_type: self.arm_type,
                defs: self.defs,
                exact: self.exact,
                out: Vec::new(),
            };
            sub.walk(b, inst, path, None, depth + 1);
            if sub.out.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|x| sub.out.len() < x.len()) {
                best = Some(sub.out);
            }
        }
        self.out.extend(best.unwrap_or_default());
    }

    /// A polymorphic model: pick the concrete model by the discriminator value.
    fn discriminated(
        &mut self,
        branches: &'a [Value],
        inst: &Value,
        path: &str,
        def: Option<&'a str>,
        depth: usize,
    ) {
        // Every `$defs` model reachable through the oneOf chain is a member of the family.
        let mut family: Vec<&'a str> = def.into_iter().collect();
        let mut queue: Vec<&'a [Value]> = vec![branches];
        while let Some(bs) = queue.pop() {
            for b in bs {
                if let Some(n) = b.get("$ref").and_then(Value::as_str).and_then(ref_name)
                    && let Some((name, target)) = self.defs.get_key_value(n)
                    && !family.contains(&name.as_str())
                {
                    family.push(name.as_str());
                    if let Some(more) = target.get("oneOf").and_then(Value::as_array) {
                        queue.push(more);
                    }
                }
            }
        }
        let Some(disc) = DISCRIMINATORS
            .iter()
            .find(|d| d.values.iter().any(|(_, m)| family.contains(m)))
        else {
            // Unknown polymorphic model: fall back to "some branch fits".
            self.one_of(branches, inst, path, depth);
            return;
        };
        let allowed: Vec<(&str, &str)> = disc
            .values
            .iter()
            .filter(|(_, m)| family.contains(m))
            .copied()
            .collect();
        let Some(obj) = inst.as_object() else {
            self.push(
                path,
                ViolationKind::WrongType,
                format!(
                    "'{}' must be of type object, found {}",
                    display(path),
                    json_type(inst)
                ),
            );
            return;
        };
        let dpath = join(path, disc.property);
        let value = obj
            .iter()
            .find(|(k, _)| {
                k.as_str() == disc.property
                    || (!self.exact && k.eq_ignore_ascii_case(disc.property))
            })
            .map(|(_, v)| v);
        let Some(value) = value.filter(|v| !v.is_null()) else {
            self.push(
                &dpath,
                ViolationKind::MissingRequired,
                format!("the required property '{dpath}' is missing"),
            );
            return;
        };
        let Some(s) = value.as_str() else {
            self.push(
                &dpath,
                ViolationKind::WrongType,
                format!(
                    "'{dpath}' must be of type string, found {}",
                    json_type(value)
                ),
            );
            return;
        };
        let Some((_, model)) = allowed.iter().find(|(v, _)| v.eq_ignore_ascii_case(s)) else {
            self.push(
                &dpath,
                ViolationKind::UnknownEnumValue,
                format!(
                    "the value '{s}' of '{dpath}' is not allowed; allowed values: {}",
                    allowed
                        .iter()
                        .map(|(v, _)| *v)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return;
        };
        // The concrete model is the inline (non-$ref) branch of the chosen def.
        let Some(target) = self.defs.get(*model) else {
            self.push(
                path,
                ViolationKind::Other,
                format!("schema model '{model}' not found"),
            );
            return;
        };
        let concrete = target
            .get("oneOf")
            .and_then(Value::as_array)
            .and_then(|bs| bs.iter().find(|b| b.get("$ref").is_none()))
            .unwrap_or(target);
        self.walk(concrete, inst, path, None, depth + 1);
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() { "the body" } else { path }
}

/// The `format`s JSON Schema and the Azure specs use; unknown formats pass.
fn format_ok(fmt: &str, s: &str) -> bool {
    match fmt {
        "uuid" => uuid::Uuid::parse_str(s).is_ok(),
        "date-time" => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        }
        "uri" => s.contains(':'),
        _ => true,
    }
}

/// Remove read-only properties from `inst`, following `schema`.
fn strip(defs: &Map<String, Value>, schema: &Value, inst: &mut Value, top: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(t) = ref_name(r).and_then(|n| defs.get(n)) {
            strip(defs, t, inst, top, depth + 1);
        }
        return;
    }
    if let Some(bs) = schema.get("oneOf").and_then(Value::as_array) {
        // Polymorphic models: strip by every inline branch (read-only names do not clash).
        for b in bs.iter().filter(|b| b.get("$ref").is_none()) {
            strip(defs, b, inst, top, depth + 1);
        }
        return;
    }
    match inst {
        Value::Object(obj) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                if let Some(a @ Value::Object(_)) = schema.get("additionalProperties") {
                    for v in obj.values_mut() {
                        strip(defs, a, v, false, depth + 1);
                    }
                }
                return;
            };
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in keys {
                if top && ENVELOPE.contains(&k.as_str()) {
                    continue;
                }
                if let Some(ps) = lookup(props, &k, false) {
                    if is_read_only(ps) {
                        obj.remove(&k);
                    } else if let Some(v) = obj.get_mut(&k) {
                        strip(defs, ps, v, false, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(is) = schema.get("items") {
                for it in items {
                    strip(defs, is, it, false, depth + 1);
                }
            }
        }
        _ => {}
    }
}
