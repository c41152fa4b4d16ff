//! The JSON Schema of `azlift.toml` (`azlift schema`): every section and key with its doc
//! text, for editors (Taplo / Even Better TOML read it through a `#:schema` line). Unknown
//! keys are refused, as `validate` refuses them. Fields that take a number or a boolean also
//! take a string, because `"${var.limit}"` is accepted there.

use serde_json::{Map, Value, json};

fn s(doc: &str) -> Value {
    json!({ "type": "string", "description": doc })
}

fn int(doc: &str) -> Value {
    json!({ "type": ["integer", "string"], "description": doc })
}

fn num(doc: &str) -> Value {
    json!({ "type": ["number", "string"], "description": doc })
}

fn boolean(doc: &str) -> Value {
    json!({ "type": ["boolean", "string"], "description": doc })
}

fn strings(doc: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": doc })
}

fn string_table(doc: &str) -> Value {
    json!({
        "type": "object",
        "additionalProperties": { "type": ["string", "number", "boolean"] },
        "description": doc
    })
}

/// A table with exactly these keys.
fn table(doc: &str, keys: &[(&str, Value)]) -> Value {
    let properties: Map<String, Value> = keys
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({
        "type": "object",
        "description": doc,
        "properties": properties,
        "additionalProperties": false
    })
}

/// A table of named entries (`[app.NAME]`), each `entry`.
fn named(doc: &str, entry: Value) -> Value {
    json!({ "type": "object", "description": doc, "additionalProperties": entry })
}

fn probe(doc: &str) -> Value {
    table(
        doc,
        &[
            ("path", s("HTTP(S) path probed")),
            ("port", int("port probed (default: the app's)")),
            ("transport", s("`HTTP`, `HTTPS` or `TCP`")),
            ("initial_delay", int("seconds before the first probe")),
            ("interval", int("seconds between probes")),
            ("timeout", int("seconds a probe may take")),
            ("failures", int("failures before the probe fails")),
        ],
    )
}

fn project() -> Value {
    let mut p = table(
        "The project: its name prefixes every derived name.",
        &[
            (
                "name",
                s("2-40 lower-case letters, digits, hyphens; starts with a letter"),
            ),
            (
                "location",
                s("Azure region, normalised like ARM (`East US` -> `eastus`)"),
            ),
            ("tags", string_table("tags on every resource (at most 50)")),
            (
                "resource_group",
                s("the project's resource group (default `rg-{name}`)"),
            ),
        ],
    );
    p["required"] = json!(["name", "location"]);
    p
}

fn variables() -> Value {
    named(
        "Variables, used as `${var.NAME}`: a default value, or a declaration.",
        json!({
            "anyOf": [
                { "type": ["string", "number", "boolean"], "description": "the default value" },
                table("A variable declaration.", &[
                    ("default", json!({ "type": ["string", "number", "boolean"], "description": "value when neither `--var` nor `AZLIFT_VAR_NAME` sets one" })),
                    ("secret", boolean("never printed; required unless it has a default")),
                    ("description", s("what the variable is for")),
                ]),
            ]
        }),
    )
}

fn monitoring() -> Value {
    table(
        "Log Analytics workspace + workspace-based Application Insights (present, even empty, means both).",
        &[
            ("workspace_name", s("default `{project}-logs`")),
            ("sku", s("`PerGB2018` (default), `Standalone`, `PerNode`")),
            ("retention_days", int("30..730, default 30")),
            ("app_insights_name", s("default `{project}-appinsights`")),
            ("application_type", s("`web` (default) or `other`")),
        ],
    )
}

fn environment() -> Value {
    table(
        "The Container Apps environment (created whenever there is an app).",
        &[
            ("name", s("default `{project}-env`")),
            (
                "logs_to_workspace",
                boolean(
                    "send app logs to the project's workspace (default: when `[monitoring]` exists)",
                ),
            ),
        ],
    )
}

fn action_group() -> Value {
    named(
        "Action groups (email receivers), by key.",
        table(
            "An action group.",
            &[
                ("name", s("ARM name, default `{project}-{key}`")),
                ("short_name", s("at most 12 characters")),
                ("enabled", boolean("default true")),
                ("email", string_table("receiver name -> email address")),
            ],
        ),
    )
}

fn alert() -> Value {
    named(
        "Metric alerts, by key.",
        table(
            "A metric alert.",
            &[
                ("name", s("ARM name, default `{project}-{key}`")),
                ("description", s("shown with the alert")),
                ("severity", int("0..4")),
                ("enabled", boolean("default true")),
                (
                    "frequency",
                    s("how often it is evaluated: `PT1M`, `PT5M`, `PT15M`, `PT30M`, `PT1H`"),
                ),
                ("window", s("the period looked at: `PT1M` ... `P1D`")),
                (
                    "namespace",
                    s("metric namespace, default `microsoft.insights/components`"),
                ),
                ("metric", s("the metric (`requests/failed`)")),
                (
                    "aggregation",
                    s("`Average`, `Count`, `Maximum`, `Minimum`, `Total`"),
                ),
                (
                    "operator",
                    s(
                        "`Equals`, `GreaterThan`, `GreaterThanOrEqual`, `LessThan`, `LessThanOrEqual`",
                    ),
                ),
                ("threshold", num("the threshold")),
                ("notify", strings("action group keys")),
                (
                    "scope",
                    s("`app_insights` (default), `app.NAME`, `${ref.ADDRESS.id}` or a full ARM id"),
                ),
                ("auto_mitigate", boolean("resolve by itself, default true")),
            ],
        ),
    )
}

fn app() -> Value {
    named(
        "Container apps, by name (also their ARM name).",
        table(
            "A container app.",
            &[
                ("image", s("container image")),
                ("cpu", num("0.25..4 cores, with a matching `memory`")),
                ("memory", s("`0.5Gi` ... `8Gi`, matching `cpu`")),
                ("port", int("the port the container listens on")),
                ("ingress", s("`external`, `internal` or `none`")),
                ("transport", s("`auto`, `http`, `http2`, `tcp`")),
                (
                    "probes",
                    table(
                        "Health probes.",
                        &[
                            ("path", s("HTTP path of every probe")),
                            ("port", int("port of every probe")),
                            ("transport", s("`HTTP`, `HTTPS` or `TCP`")),
                            ("liveness", probe("liveness probe")),
                            ("readiness", probe("readiness probe")),
                            ("startup", probe("startup probe")),
                        ],
                    ),
                ),
                (
                    "replicas",
                    json!({
                        "description": "replica count, or `{ min, max }`",
                        "anyOf": [
                            { "type": ["integer", "string"] },
                            table("Replica range.", &[("min", int("0..1000")), ("max", int("1..1000"))]),
                        ]
                    }),
                ),
                (
                    "env",
                    named(
                        "Environment variables: a value, or `{ secret = \"name\" }`.",
                        json!({
                            "anyOf": [
                                { "type": ["string", "number", "boolean"] },
                                table("A reference to one of the app's secrets.", &[("secret", s("secret name"))]),
                            ]
                        }),
                    ),
                ),
                (
                    "secrets",
                    string_table("secret name -> value (masked everywhere)"),
                ),
                (
                    "telemetry",
                    boolean("wire the App Insights connection string in as a secret"),
                ),
                (
                    "ignore",
                    strings(
                        "paths another tool owns (`properties.template.containers[name=api].image`)",
                    ),
                ),
            ],
        ),
    )
}

fn apim() -> Value {
    table(
        "An API Management service (managed or existing) with its Application Insights logger and diagnostic.",
        &[
            (
                "existing",
                boolean("use an existing service: azlift never changes or deletes it"),
            ),
            ("id", s("ARM id of an existing service")),
            ("name", s("service name")),
            ("resource_group", s("group of an existing service")),
            (
                "sku",
                s(
                    "`Consumption`, `Developer`, `Basic`, `Standard`, `Premium`, `BasicV2`, `StandardV2`",
                ),
            ),
            ("capacity", int("units")),
            ("publisher_email", s("publisher email")),
            ("publisher_name", s("publisher name")),
            ("logger_name", s("default `appinsights-logger`")),
            (
                "diagnostics",
                table(
                    "The Application Insights diagnostic.",
                    &[
                        ("sampling", num("0..100 percent")),
                        ("always_log_errors", boolean("log every failed request")),
                        ("log_client_ip", boolean("log the client IP")),
                        ("verbosity", s("`verbose`, `information`, `error`")),
                        ("correlation", s("`None`, `Legacy`, `W3C`")),
                        ("headers", strings("HTTP headers logged")),
                        ("body_bytes", int("0..8192 body bytes logged")),
                    ],
                ),
            ),
        ],
    )
}

fn resource() -> Value {
    named(
        "Custom resources from template files, by key.",
        table(
            "A custom resource.",
            &[
                ("template", s("template file, relative to the manifest")),
                (
                    "values",
                    json!({ "type": "object", "description": "given to the template as `values`" }),
                ),
                (
                    "depends_on",
                    strings(
                        "addresses it depends on (`resource.KEY`, `app.NAME`, `monitoring`...)",
                    ),
                ),
                (
                    "for_each",
                    json!({
                        "type": ["array", "object"],
                        "description": "one copy per element (`resource.KEY[\"k\"]`), with `each.key` / `each.value`"
                    }),
                ),
                (
                    "count",
                    int("0..1000 numbered copies (`resource.KEY[0]`), with `count.index`"),
                ),
                ("ignore", strings("paths another tool owns")),
                (
                    "resource_group",
                    s("the KEY of a `[resource_group.KEY]` to place it in"),
                ),
                ("scope", s("`resource_group` (default) or `subscription`")),
            ],
        ),
    )
}

fn resource_group() -> Value {
    named(
        "More resource groups, by key.",
        table(
            "A resource group.",
            &[
                ("name", s("default `{project resource group}-{KEY}`")),
                ("location", s("default: the project's")),
                ("tags", string_table("added to the project's tags")),
            ],
        ),
    )
}

fn output() -> Value {
    named(
        "Declared outputs, by name (`azlift output NAME`).",
        table(
            "A declared output.",
            &[
                ("value", s("text with `${ref.ADDRESS.PATH}` references")),
                ("sensitive", boolean("never stored, shown as `(sensitive)`")),
                ("description", s("what it is")),
            ],
        ),
    )
}

fn verify() -> Value {
    table(
        "azlift verify settings.",
        &[(
            "silence",
            json!({
                "type": "array",
                "description": "findings accepted on purpose",
                "items": table("A silenced finding.", &[
                    ("rule", s("rule id (`AZL-V003`)")),
                    ("resource", s("resource address")),
                    ("reason", s("why it is accepted")),
                ]),
            }),
        )],
    )
}

fn state() -> Value {
    table(
        "Where state lives (default: the local file).",
        &[
            ("backend", s("`local` or `azblob`")),
            ("account", s("storage account (azblob)")),
            ("container", s("blob container (azblob)")),
            ("key", s("blob name, default `<project>/<env>.json`")),
            ("endpoint", s("blob service URL")),
            ("keep_versions", int("earlier versions kept (0: all)")),
        ],
    )
}

/// The schema, as JSON.
pub fn schema() -> Value {
    let sections: Vec<(&str, Value)> = vec![
        ("project", project()),
        ("variables", variables()),
        ("monitoring", monitoring()),
        ("action_group", action_group()),
        ("alert", alert()),
        ("environment", environment()),
        ("app", app()),
        ("apim", apim()),
        ("resource", resource()),
        ("resource_group", resource_group()),
        ("output", output()),
        ("verify", verify()),
        ("state", state()),
        (
            "env",
            named(
                "Environments (`-e NAME`): overrides merged over the rest, plus `production`.",
                json!({ "type": "object", "description": "overrides, written like the sections they change" }),
            ),
        ),
    ];
    let mut root = table("azlift.toml: an Azure system, for `azlift`.", &sections);
    root["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    root["title"] = json!("azlift.toml");
    root["required"] = json!(["project"]);
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the manifest reader accepts is in the schema, with its doc text.
    #[test]
    fn every_key_the_reader_accepts_is_documented() {
        let schema = schema();
        for (pointer, keys) in super::super::sections::section_keys() {
            let props = schema
                .pointer(pointer)
                .and_then(Value::as_object)
                .unwrap_or_else(|| panic!("schema has {pointer}"));
            for key in keys {
                let doc = props
                    .get(*key)
                    .and_then(|p| p.get("description"))
                    .and_then(Value::as_str);
                assert!(
                    doc.is_some_and(|d| !d.is_empty()),
                    "{pointer}/{key} has a description"
                );
            }
            assert_eq!(
                props.len(),
                keys.len(),
                "{pointer}: no key the reader refuses"
            );
        }
    }
}
