//! `[app.NAME]`: container apps — image, cpu/memory from Azure's allowed pairs, ingress,
//! probes (with a shared shorthand), replicas, env vars, secrets and `telemetry`.

use std::collections::BTreeMap;

use crate::model::{App, EnvValue, Ingress, Probe, ProbeKind, Secret};

use super::super::diagnostic::{Diags, code, did_you_mean};
use super::super::names;
use super::super::node::{Entry, Node, Span, Value};
use super::super::reader::{Section, as_int_in, as_str, wrong_type};
use super::Ctx;

pub(crate) const APP_KEYS: &[&str] = &[
    "image",
    "cpu",
    "memory",
    "port",
    "ingress",
    "transport",
    "probes",
    "replicas",
    "env",
    "secrets",
    "telemetry",
    "ignore",
];
pub(crate) const PROBES_KEYS: &[&str] = &[
    "path",
    "port",
    "transport",
    "liveness",
    "readiness",
    "startup",
];
pub(crate) const PROBE_KEYS: &[&str] = &[
    "path",
    "port",
    "transport",
    "initial_delay",
    "interval",
    "timeout",
    "failures",
];
pub(crate) const REPLICA_KEYS: &[&str] = &["min", "max"];
const INGRESS: &[&str] = &["external", "internal", "none"];
pub(crate) const TRANSPORTS: &[&str] = &["auto", "http", "http2", "tcp"];
const PROBE_TRANSPORTS: &[&str] = &["HTTP", "HTTPS", "TCP"];

/// The CPU (cores) / memory (GiB) pairs Container Apps accepts on the Consumption plan:
/// 0.25/0.5 up to 2/4 in steps of 0.25, then 2.5/5 up to 4/8 (4 vCPU and 8 GiB per replica
/// is the Consumption maximum).
pub(crate) const CPU_MEMORY: &[(f64, f64)] = &[
    (0.25, 0.5),
    (0.5, 1.0),
    (0.75, 1.5),
    (1.0, 2.0),
    (1.25, 2.5),
    (1.5, 3.0),
    (1.75, 3.5),
    (2.0, 4.0),
    (2.5, 5.0),
    (3.0, 6.0),
    (3.5, 7.0),
    (4.0, 8.0),
];

/// The secret and env var `telemetry = true` adds.
pub(crate) const TELEMETRY_SECRET: &str = "appinsights-connection-string";
pub(crate) const TELEMETRY_ENV: &str = "APPLICATIONINSIGHTS_CONNECTION_STRING";

fn pairs_text() -> String {
    CPU_MEMORY
        .iter()
        .map(|(c, m)| format!("{c}/{m}Gi"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_memory(node: &Node, what: &str, d: &mut Diags) -> Option<f64> {
    let text = match &node.value {
        Value::Str(s) => s.trim().to_string(),
        Value::Int(i) => format!("{i}Gi"),
        Value::Float(f) => format!("{f}Gi"),
        _ => {
            wrong_type(node, what, "a string such as \"1Gi\"", d);
            return None;
        }
    };
    let number = text
        .strip_suffix("Gi")
        .and_then(|n| n.trim().parse::<f64>().ok());
    if number.is_none() {
        d.error(
            code::INVALID_VALUE,
            Some(node.span.clone()),
            format!("`{what}` must be in Gi, such as \"1Gi\", found \"{text}\""),
            Some(format!("allowed cpu/memory pairs: {}", pairs_text())),
        );
    }
    number
}

pub(crate) fn apps(
    entry: Option<&Entry>,
    has_monitoring: bool,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, App> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "app",
            "a table of apps (`[app.task-api]`)",
            ctx.d,
        );
        return out;
    };
    for e in &t.entries {
        if let Err(why) = names::container_app(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("app name `{}` {why}", e.key),
                Some("Container App names are 2-32 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit".into()),
            );
        }
        let place = format!("app.{}", e.key);
        let Some(s) = Section::open(&e.node, e.key_span.clone(), place, APP_KEYS, ctx.d) else {
            continue;
        };
        if let Some(paths) = super::ignore::read(&s, ctx) {
            ctx.ignore.insert(format!("app.{}", e.key), paths);
        }
        out.insert(e.key.clone(), app(&e.key, &s, has_monitoring, ctx));
    }
    out
}

fn app(name: &str, s: &Section<'_>, has_monitoring: bool, ctx: &mut Ctx<'_>) -> App {
    let image = s
        .require_str(
            "image",
            "\"mcr.microsoft.com/k8se/quickstart:latest\"",
            ctx.d,
        )
        .unwrap_or_default();
    if let Some(n) = s.get("image")
        && (image.trim().is_empty() || image.chars().any(char::is_whitespace))
    {
        ctx.d.error(
            code::INVALID_VALUE,
            Some(n.span.clone()),
            format!(
                "`{}.image` must be an image reference without spaces",
                s.place
            ),
            Some("for example \"myregistry.azurecr.io/task-api:1.4.2\"".into()),
        );
    }
    let (cpu, memory) = resources(s, ctx.d);
    let port = s.int_in("port", 1..=65535, ctx.d).map(|p| p as u16);
    let ingress = match s.one_of("ingress", INGRESS, ctx.d) {
        Some("external") => Ingress::External,
        Some("internal") => Ingress::Internal,
        Some(_) => Ingress::None,
        None if port.is_some() => Ingress::Internal,
        None => Ingress::None,
    };
    if ingress != Ingress::None && port.is_none() {
        let at = s
            .get("ingress")
            .map(|n| n.span.clone())
            .unwrap_or(s.key_span.clone());
        ctx.d.error(
            code::MISSING_KEY,
            Some(at),
            format!(
                "[{}] has {} ingress but no `port`",
                s.place,
                if ingress == Ingress::External {
                    "external"
                } else {
                    "internal"
                }
            ),
            Some("add `port = 8080` (the port the container listens on)".into()),
        );
    }
    let transport = s.one_of("transport", TRANSPORTS, ctx.d).unwrap_or("auto");
    if ingress == Ingress::None && s.get("transport").is_some() {
        ctx.d.error(
            code::CONFLICT,
            s.get("transport").map(|n| n.span.clone()),
            format!("`transport` has no effect: [{}] has no ingress", s.place),
            Some("set `ingress = \"internal\"` or `\"external\"`, or remove `transport`".into()),
        );
    }
    let probes = s
        .entry("probes")
        .map(|e| probes(e, &s.place, port, ctx.d))
        .unwrap_or_default();
    let (min_replicas, max_replicas) = replicas(s, ctx.d);
    let telemetry = s.bool("telemetry", ctx.d).unwrap_or(false);
    if telemetry && !has_monitoring {
        ctx.d.error(
            code::UNKNOWN_REFERENCE,
            s.get("telemetry").map(|n| n.span.clone()),
            format!(
                "[{}] has `telemetry = true`, but there is no [monitoring] (Application Insights)",
                s.place
            ),
            Some("add a `[monitoring]` table, or remove `telemetry`".into()),
        );
    }
    let secrets = secrets(s, telemetry, ctx);
    let env = env(s, &secrets, telemetry, ctx);
    App {
        name: name.to_string(),
        image,
        cpu,
        memory,
        port,
        ingress,
        transport: transport.to_string(),
        probes,
        min_replicas,
        max_replicas,
        env,
        secrets,
        telemetry,
    }
}

fn resources(s: &Section<'_>, d: &mut Diags) -> (f64, String) {
    let cpu = s.number("cpu", d);
    let mem = s
        .get("memory")
        .and_then(|n| parse_memory(n, &format!("{}.memory", s.place), d));
    let (cpu_v, mem_v) = match (cpu, mem) {
        (Some(c), Some(m)) => (c, m),
        (Some(c), None) => (c, c * 2.0),
        (None, Some(m)) => (m / 2.0, m),
        (None, None) => (0.25, 0.5),
    };
    let fits = CPU_MEMORY
        .iter()
        .any(|(c, m)| (c - cpu_v).abs() < 1e-9 && (m - mem_v).abs() < 1e-9);
    let given = s.get("cpu").is_some() || s.get("memory").is_some();
    if given
        && !fits
        && (s.get("cpu").is_none() || cpu.is_some())
        && (s.get("memory").is_none() || mem.is_some())
    {
        let at = s.get("cpu").or(s.get("memory")).map(|n| n.span.clone());
        d.error(
            code::INVALID_VALUE,
            at,
            format!("cpu {cpu_v} with memory {mem_v}Gi is not a combination Azure accepts"),
            Some(format!("allowed cpu/memory pairs: {}", pairs_text())),
        );
    }
    (cpu_v, format!("{mem_v}Gi"))
}

fn replicas(s: &Section<'_>, d: &mut Diags) -> (u32, u32) {
    let Some(node) = s.get("replicas") else {
        return (0, 10);
    };
    let what = format!("{}.replicas", s.place);
    match &node.value {
        Value::Int(_) => {
            let n = as_int_in(node, &what, 1..=1000, d).unwrap_or(1) as u32;
            (n, n)
        }
        Value::Table(_) => {
            let Some(r) = Section::open(node, node.span.clone(), what.clone(), REPLICA_KEYS, d)
            else {
                return (0, 10);
            };
            let min = r.int_in("min", 0..=1000, d);
            let max = r.int_in("max", 1..=1000, d);
            match (min, max) {
                (Some(lo), Some(hi)) if lo > hi => {
                    d.error(
                        code::OUT_OF_RANGE,
                        r.get("min").map(|n| n.span.clone()),
                        format!("`{what}`: min {lo} is greater than max {hi}"),
                        Some("min must be at most max".into()),
                    );
                    (lo as u32, hi as u32)
                }
                (lo, hi) => {
                    let lo = lo.unwrap_or(0) as u32;
                    (lo, hi.map(|h| h as u32).unwrap_or(lo.max(10)))
                }
            }
        }
        _ => {
            wrong_type(
                node,
                &what,
                "a table `{ min = 1, max = 3 }` or an integer",
                d,
            );
            (0, 10)
        }
    }
}

struct ProbeDefaults {
    path: Option<(String, Span)>,
    port: Option<u16>,
    transport: Option<&'static str>,
}

fn probes(entry: &Entry, place: &str, app_port: Option<u16>, d: &mut Diags) -> Vec<Probe> {
    let mut out = Vec::new();
    let what = format!("{place}.probes");
    let Some(s) = Section::open(&entry.node, entry.key_span.clone(), what, PROBES_KEYS, d) else {
        return out;
    };
    let shared = ProbeDefaults {
        path: s
            .str("path", d)
            .map(|p| (p, s.get("path").map(|n| n.span.clone()).unwrap_or_default())),
        port: s
            .int_in("port", 1..=65535, d)
            .map(|p| p as u16)
            .or(app_port),
        transport: s.one_of("transport", PROBE_TRANSPORTS, d),
    };
    let mut any = false;
    for (key, kind) in [
        ("liveness", ProbeKind::Liveness),
        ("readiness", ProbeKind::Readiness),
        ("startup", ProbeKind::Startup),
    ] {
        let Some(e) = s.entry(key) else { continue };
        any = true;
        if let Some(p) = probe(e, &s.place, kind, &shared, d) {
            out.push(p);
        }
    }
    if !any {
        d.error(
            code::MISSING_KEY,
            Some(entry.key_span.clone()),
            format!("[{}] names no probe", s.place),
            Some("add `liveness = { ... }`, `readiness = { ... }` or `startup = { ... }` (or `= true` for the shared settings)".into()),
        );
    }
    out
}

fn probe(
    e: &Entry,
    place: &str,
    kind: ProbeKind,
    shared: &ProbeDefaults,
    d: &mut Diags,
) -> Option<Probe> {
    let what = format!("{place}.{}", e.key);
    let mut p = Probe {
        kind,
        transport: String::new(),
        path: shared.path.as_ref().map(|(p, _)| p.clone()),
        port: 0,
        initial_delay: None,
        interval: None,
        timeout: None,
        failures: None,
    };
    let mut port = shared.port;
    let mut transport = shared.transport;
    match &e.node.value {
        Value::Bool(true) => {}
        Value::Bool(false) => return None,
        Value::Table(_) => {
            let s = Section::open(&e.node, e.key_span.clone(), what.clone(), PROBE_KEYS, d)?;
            if let Some(path) = s.str("path", d) {
                p.path = Some(path);
            }
            if let Some(x) = s.int_in("port", 1..=65535, d) {
                port = Some(x as u16);
            }
            if let Some(t) = s.one_of("transport", PROBE_TRANSPORTS, d) {
                transport = Some(t);
            }
            p.initial_delay = s.int_in("initial_delay", 0..=60, d).map(|x| x as u32);
            p.interval = s.int_in("interval", 1..=240, d).map(|x| x as u32);
            p.timeout = s.int_in("timeout", 1..=240, d).map(|x| x as u32);
            p.failures = s.int_in("failures", 1..=10, d).map(|x| x as u32);
        }
        _ => {
            wrong_type(&e.node, &what, "a table of probe settings or `true`", d);
            return None;
        }
    }
    let transport = transport.unwrap_or(if p.path.is_some() { "HTTP" } else { "TCP" });
    p.transport = transport.to_string();
    if transport == "TCP" {
        p.path = None;
    } else if p.path.is_none() {
        d.error(
            code::MISSING_KEY,
            Some(e.key_span.clone()),
            format!("the {transport} probe `{what}` needs a `path`"),
            Some("add `path = \"/health\"` to the probe or to `probes`".into()),
        );
    }
    if let Some(path) = &p.path
        && !path.starts_with('/')
    {
        let at = shared
            .path
            .as_ref()
            .map(|(_, s)| s.clone())
            .unwrap_or(e.key_span.clone());
        d.error(
            code::INVALID_VALUE,
            Some(at),
            format!("probe path \"{path}\" must start with `/`"),
            None,
        );
    }
    match port {
        Some(x) => p.port = x,
        None => d.error(
            code::MISSING_KEY,
            Some(e.key_span.clone()),
            format!("the probe `{what}` has no port: the app has no `port` either"),
            Some("set `port` on the app or on the probe".into()),
        ),
    }
    Some(p)
}

fn secrets(s: &Section<'_>, telemetry: bool, ctx: &mut Ctx<'_>) -> BTreeMap<String, Secret> {
    let mut out = BTreeMap::new();
    let Some(node) = s.get("secrets") else {
        return out;
    };
    let Value::Table(t) = &node.value else {
        wrong_type(
            node,
            &format!("{}.secrets", s.place),
            "a table of name = value",
            ctx.d,
        );
        return out;
    };
    for e in &t.entries {
        if let Err(why) = names::app_secret(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("secret name `{}` {why}", e.key),
                None,
            );
        }
        if telemetry && e.key == TELEMETRY_SECRET {
            ctx.d.error(
                code::CONFLICT,
                Some(e.key_span.clone()),
                format!("secret `{TELEMETRY_SECRET}` is set by `telemetry = true`"),
                Some("rename this secret, or remove `telemetry`".into()),
            );
        }
        let Some(value) = as_str(&e.node, &format!("{}.secrets.{}", s.place, e.key), ctx.d) else {
            continue;
        };
        ctx.secrets.push(value.clone());
        out.insert(e.key.clone(), Secret::new(value));
    }
    out
}

fn env(
    s: &Section<'_>,
    secrets: &BTreeMap<String, Secret>,
    telemetry: bool,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, EnvValue> {
    let mut out = BTreeMap::new();
    let Some(node) = s.get("env") else { return out };
    let Value::Table(t) = &node.value else {
        wrong_type(
            node,
            &format!("{}.env", s.place),
            "a table of NAME = value",
            ctx.d,
        );
        return out;
    };
    for e in &t.entries {
        let what = format!("{}.env.{}", s.place, e.key);
        if let Err(why) = names::env_var(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("env var name `{}` {why}", e.key),
                None,
            );
        }
        if telemetry && e.key == TELEMETRY_ENV {
            ctx.d.error(
                code::CONFLICT,
                Some(e.key_span.clone()),
                format!("`{TELEMETRY_ENV}` is set by `telemetry = true`"),
                Some("remove this env var; telemetry wires it in as a secret reference".into()),
            );
        }
        let value = match &e.node.value {
            Value::Str(v) => {
                ctx.note_secret(&e.node, "a plain env var");
                EnvValue::Plain(v.clone())
            }
            Value::Int(i) => EnvValue::Plain(i.to_string()),
            Value::Float(f) => EnvValue::Plain(f.to_string()),
            Value::Bool(b) => EnvValue::Plain(b.to_string()),
            Value::Table(_) => {
                let Some(r) = Section::open(
                    &e.node,
                    e.key_span.clone(),
                    what.clone(),
                    &["secret"],
                    ctx.d,
                ) else {
                    continue;
                };
                let Some(name) = r.require_str("secret", "\"my-secret\"", ctx.d) else {
                    continue;
                };
                let known = secrets.contains_key(&name) || (telemetry && name == TELEMETRY_SECRET);
                if !known {
                    let help = did_you_mean(&name, secrets.keys().map(String::as_str))
                        .unwrap_or_else(|| format!("declare it under `secrets` in [{}]", s.place));
                    ctx.d.error(
                        code::UNKNOWN_REFERENCE,
                        r.get("secret").map(|n| n.span.clone()),
                        format!(
                            "env var `{}` refers to secret `{name}`, which [{}] does not have",
                            e.key, s.place
                        ),
                        Some(help),
                    );
                }
                EnvValue::SecretRef(name)
            }
            _ => {
                wrong_type(&e.node, &what, "a string or `{ secret = \"name\" }`", ctx.d);
                continue;
            }
        };
        out.insert(e.key.clone(), value);
    }
    out
}
