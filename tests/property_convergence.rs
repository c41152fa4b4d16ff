//! Property: for randomly generated valid manifests (monitoring on/off, 0-3 action groups,
//! 0-3 alerts, 0-4 apps with random ingress, probes, replicas, env vars, secrets and
//! telemetry, APIM on/off with random diagnostics, a private registry on/off with random
//! apps pulling from it, tags), `up --local --yes` succeeds,
//! `plan --detailed-exitcode` then exits 0 ("No changes"), and a second `up` sends no write.
//! The manifest is the generated value, so a failing (shrunk) case prints it in full.

mod support_resilience;

use std::fmt::Write as _;

use proptest::prelude::*;
use support_resilience::*;

#[derive(Debug, Clone)]
struct Probe {
    path: String,
    initial_delay: u32,
    interval: u32,
    failures: u32,
    readiness: bool,
}

#[derive(Debug, Clone)]
struct App {
    port: u16,
    /// 0 external, 1 internal, 2 none.
    ingress: u8,
    transport: Option<&'static str>,
    probe: Option<Probe>,
    replicas: Option<(u32, u32)>,
    env: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    secret_env: bool,
    telemetry: bool,
    cpu_mem: Option<(f64, &'static str)>,
    /// Pulls from the project's `[registry]` (when there is one).
    pulls: bool,
}

#[derive(Debug, Clone)]
struct Alert {
    metric: &'static str,
    aggregation: &'static str,
    operator: &'static str,
    threshold: u32,
    severity: u8,
    notify: Vec<usize>,
}

/// APIM diagnostics: sampling, always_log_errors, log_client_ip, verbosity, correlation, headers.
type Diagnostics = (u32, bool, bool, &'static str, &'static str, Vec<String>);

#[derive(Debug, Clone)]
struct Apim {
    sku: &'static str,
    diagnostics: Option<Diagnostics>,
}

#[derive(Debug, Clone)]
struct Spec {
    suffix: u32,
    location: &'static str,
    tags: Vec<(String, String)>,
    monitoring: Option<u32>,
    groups: usize,
    alerts: Vec<Alert>,
    apps: Vec<App>,
    apim: Option<Apim>,
    /// `[registry]` with this SKU: registry, pull identity and AcrPull grant.
    registry: Option<&'static str>,
}

/// The manifest, in TOML, that `spec` describes.
struct Manifest(String);

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n----- azlift.toml -----\n{}-----------------------",
            self.0
        )
    }
}

fn render(s: &Spec) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "[project]\nname = \"prop{}\"", s.suffix);
    let _ = writeln!(t, "location = \"{}\"", s.location);
    if !s.tags.is_empty() {
        let tags: Vec<String> = s
            .tags
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\""))
            .collect();
        let _ = writeln!(t, "tags = {{ {} }}", tags.join(", "));
    }
    if let Some(days) = s.monitoring {
        let _ = writeln!(t, "\n[monitoring]\nretention_days = {days}");
    }
    for g in 0..s.groups {
        let _ = writeln!(
            t,
            "\n[action_group.g{g}]\nshort_name = \"grp{g}\"\nemail = {{ oncall = \"oncall{g}@example.com\" }}"
        );
    }
    for (i, a) in s.alerts.iter().enumerate() {
        let _ = writeln!(
            t,
            "\n[alert.a{i}]\nmetric = \"{}\"\nnamespace = \"microsoft.insights/components\"\naggregation = \"{}\"\noperator = \"{}\"\nthreshold = {}\nseverity = {}\nfrequency = \"PT1M\"\nwindow = \"PT5M\"",
            a.metric, a.aggregation, a.operator, a.threshold, a.severity
        );
        let notify: Vec<String> = a.notify.iter().map(|g| format!("\"g{g}\"")).collect();
        if !notify.is_empty() {
            let _ = writeln!(t, "notify = [{}]", notify.join(", "));
        }
    }
    if let Some(sku) = s.registry {
        let _ = writeln!(
            t,
            "\n[registry]\nname = \"prop{}acr\"\nsku = \"{sku}\"",
            s.suffix
        );
    }
    for (i, a) in s.apps.iter().enumerate() {
        let _ = writeln!(
            t,
            "\n[app.svc{i}]\nimage = \"example.azurecr.io/svc{i}:1.0.{i}\""
        );
        if a.pulls && s.registry.is_some() {
            let _ = writeln!(t, "registry = \"prop{}acr.azurecr.io\"", s.suffix);
        }
        if let Some((cpu, mem)) = a.cpu_mem {
            let _ = writeln!(t, "cpu = {cpu}\nmemory = \"{mem}\"");
        }
        let ingress = ["external", "internal", "none"][a.ingress as usize];
        let _ = writeln!(t, "port = {}\ningress = \"{ingress}\"", a.port);
        if a.ingress != 2
            && let Some(tr) = a.transport
        {
            let _ = writeln!(t, "transport = \"{tr}\"");
        }
        if let Some((min, max)) = a.replicas {
            let _ = writeln!(t, "replicas = {{ min = {min}, max = {max} }}");
        }
        if let Some(p) = &a.probe {
            let mut probes = format!(
                "path = \"{}\", liveness = {{ initial_delay = {}, interval = {}, failures = {} }}",
                p.path, p.initial_delay, p.interval, p.failures
            );
            if p.readiness {
                probes.push_str(", readiness = { interval = 10, failures = 3 }");
            }
            let _ = writeln!(t, "probes = {{ {probes} }}");
        }
        if a.telemetry && s.monitoring.is_some() {
            let _ = writeln!(t, "telemetry = true");
        }
        if !a.secrets.is_empty() {
            let sec: Vec<String> = a
                .secrets
                .iter()
                .map(|(k, v)| format!("{k} = \"{v}\""))
                .collect();
            let _ = writeln!(t, "secrets = {{ {} }}", sec.join(", "));
        }
        let mut env: Vec<String> = a
            .env
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\""))
            .collect();
        if a.secret_env && !a.secrets.is_empty() {
            env.push(format!(
                "SECRET_VALUE = {{ secret = \"{}\" }}",
                a.secrets[0].0
            ));
        }
        if !env.is_empty() {
            let _ = writeln!(t, "env = {{ {} }}", env.join(", "));
        }
    }
    if let Some(apim) = &s.apim {
        let _ = writeln!(
            t,
            "\n[apim]\nsku = \"{}\"\npublisher_email = \"api@example.com\"\npublisher_name = \"Prop\"",
            apim.sku
        );
        if apim.sku != "Consumption" {
            let _ = writeln!(t, "capacity = 1");
        }
        if s.monitoring.is_some()
            && let Some((sampling, errors, ip, verbosity, corr, headers)) = &apim.diagnostics
        {
            let h: Vec<String> = headers.iter().map(|x| format!("\"{x}\"")).collect();
            let _ = writeln!(
                t,
                "diagnostics = {{ sampling = {sampling}, always_log_errors = {errors}, log_client_ip = {ip}, verbosity = \"{verbosity}\", correlation = \"{corr}\", headers = [{}], body_bytes = 0 }}",
                h.join(", ")
            );
        }
    }
    t
}

fn app() -> impl Strategy<Value = App> {
    let probe = (
        prop::sample::select(vec!["/health", "/healthz", "/ready"]),
        0u32..=60,
        1u32..=240,
        1u32..=10,
        any::<bool>(),
    )
        .prop_map(|(p, d, i, f, r)| Probe {
            path: p.to_string(),
            initial_delay: d,
            interval: i,
            failures: f,
            readiness: r,
        });
    let replicas = (0u32..=3, 1u32..=5).prop_map(|(min, extra)| (min, min.max(1) + extra - 1));
    (
        (1024u16..=9000, 0u8..=2),
        prop::option::of(prop::sample::select(vec!["auto", "http", "http2"])),
        prop::option::of(probe),
        prop::option::of(replicas),
        prop::collection::vec(("[A-Z]{2,6}", "[a-z0-9]{1,8}"), 0..3),
        prop::collection::vec(("[a-z]{3,8}-key", "[A-Za-z0-9]{12,20}"), 0..2),
        any::<bool>(),
        any::<bool>(),
        (
            prop::option::of(prop::sample::select(vec![(0.25, "0.5Gi"), (0.5, "1Gi")])),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (port, ingress),
                transport,
                probe,
                replicas,
                env,
                secrets,
                secret_env,
                telemetry,
                (cpu_mem, pulls),
            )| {
                let mut env = env;
                env.sort();
                env.dedup_by(|a, b| a.0 == b.0);
                env.retain(|(k, _)| {
                    k != "APPLICATIONINSIGHTS_CONNECTION_STRING" && k != "SECRET_VALUE"
                });
                let mut secrets = secrets;
                secrets.sort();
                secrets.dedup_by(|a, b| a.0 == b.0);
                App {
                    port,
                    ingress,
                    transport,
                    probe,
                    replicas,
                    env,
                    secrets,
                    secret_env,
                    telemetry,
                    cpu_mem,
                    pulls,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    let alert = (
        prop::sample::select(vec![
            "requests/failed",
            "requests/duration",
            "exceptions/count",
        ]),
        prop::sample::select(vec!["Average", "Count", "Maximum", "Total"]),
        prop::sample::select(vec!["GreaterThan", "GreaterThanOrEqual", "LessThan"]),
        1u32..=10_000,
        0u8..=4,
        prop::collection::vec(0usize..3, 0..3),
    )
        .prop_map(
            |(metric, aggregation, operator, threshold, severity, notify)| Alert {
                metric,
                aggregation,
                operator,
                threshold,
                severity,
                notify,
            },
        );
    let diagnostics = (
        1u32..=100,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec!["verbose", "information", "error"]),
        prop::sample::select(vec!["None", "Legacy", "W3C"]),
        prop::collection::vec(
            prop::sample::select(vec!["X-User-OID", "X-Tenant-ID", "X-Request-ID"]),
            0..3,
        ),
    )
        .prop_map(|(s, e, ip, v, c, mut h)| {
            h.sort();
            h.dedup();
            let h: Vec<String> = h.into_iter().map(str::to_string).collect();
            (s, e, ip, v, c, h)
        });
    let apim = (
        prop::sample::select(vec!["Developer", "Basic", "Consumption"]),
        prop::option::of(diagnostics),
    )
        .prop_map(|(sku, diagnostics)| Apim { sku, diagnostics });
    (
        1000u32..9999,
        prop::sample::select(vec!["eastus", "westeurope"]),
        prop::collection::btree_map("[a-z]{2,6}", "[a-z0-9]{1,6}", 0..3),
        prop::option::of(prop::sample::select(vec![30u32, 60, 90])),
        0usize..=3,
        prop::collection::vec(alert, 0..=3),
        prop::collection::vec(app(), 0..=4),
        (
            prop::option::of(apim),
            prop::option::of(prop::sample::select(vec!["Basic", "Standard", "Premium"])),
        ),
    )
        .prop_map(
            |(suffix, location, tags, monitoring, groups, alerts, apps, (apim, registry))| {
                // Alerts watch Application Insights, and notify only groups that exist.
                let alerts = if monitoring.is_some() {
                    alerts
                        .into_iter()
                        .map(|mut a| {
                            a.notify.retain(|g| *g < groups);
                            a.notify.sort();
                            a.notify.dedup();
                            a
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                // API Management sends its logs to Application Insights: it needs [monitoring].
                let apim = apim.filter(|_| monitoring.is_some());
                Spec {
                    suffix,
                    location,
                    tags: tags.into_iter().collect(),
                    monitoring,
                    groups,
                    alerts,
                    apps,
                    apim,
                    registry,
                }
            },
        )
}

fn check(manifest: &Manifest) -> Result<(), TestCaseError> {
    let p = Project::new(&manifest.0);
    let o = p.run(&["validate"], "");
    prop_assert_eq!(o.status.code(), Some(0), "validate: {}", show(&o));

    let o = p.up("");
    prop_assert_eq!(o.status.code(), Some(0), "first up: {}", show(&o));
    let o = p.plan();
    prop_assert_eq!(
        o.status.code(),
        Some(0),
        "plan after up has changes: {}",
        show(&o)
    );
    prop_assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains("No changes"),
        "{}",
        show(&o)
    );

    // A second `up` has nothing to do: no write at all.
    let before = p.cloud()["operations"].as_object().map(|m| m.len());
    let o = p.run(&["up", "--yes", "-v"], "");
    prop_assert_eq!(o.status.code(), Some(0), "second up: {}", show(&o));
    if let Some(counts) = arm_requests(&stderr(&o)) {
        for method in ["PUT", "PATCH", "DELETE"] {
            prop_assert_eq!(counts.get(method).copied().unwrap_or(0), 0, "{:?}", counts);
        }
    }
    let after = p.cloud()["operations"].as_object().map(|m| m.len());
    prop_assert_eq!(before, after, "the second up started operations");
    prop_assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains("No changes"),
        "{}",
        show(&o)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_valid_manifests_converge(manifest in spec().prop_map(|s| Manifest(render(&s)))) {
        check(&manifest)?;
    }

    /// The same, with `probes` set on every app (works around the bug above).
    #[test]
    fn random_valid_manifests_with_explicit_probes_converge(
        manifest in spec().prop_map(|mut s| {
            for a in &mut s.apps {
                a.probe.get_or_insert(Probe {
                    path: "/health".to_string(),
                    initial_delay: 10,
                    interval: 30,
                    failures: 3,
                    readiness: true,
                });
            }
            Manifest(render(&s))
        })
    ) {
        check(&manifest)?;
    }
}
