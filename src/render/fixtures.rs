//! Models for tests and benchmarks, built in Rust so rendering can be tested without the
//! manifest parser: the core seed's production system, a minimal project, and a generated
//! project of any number of apps.

use std::collections::BTreeMap;

use crate::model::{
    ActionGroup, Alert, AlertScope, Apim, ApimDiagnostics, ApimService, App, ContainerEnvironment,
    EnvValue, Ingress, Model, Monitoring, Probe, ProbeKind, Project,
};

/// The image every fixture app runs (the seed builds its own images later; this is the
/// placeholder its Terraform starts with).
pub const IMAGE: &str = "mcr.microsoft.com/k8se/quickstart:latest";
/// The alert email of the fixtures (`${var.alert_email}` in the seed).
pub const ALERT_EMAIL: &str = "your-email@example.com";

fn project(name: &str) -> Project {
    Project {
        name: name.to_string(),
        location: "eastus".to_string(),
        tags: BTreeMap::from([("env".to_string(), "prod".to_string())]),
        resource_group: format!("rg-{name}"),
        environment: "default".to_string(),
        production: true,
    }
}

fn monitoring(project: &str) -> Monitoring {
    Monitoring {
        workspace_name: format!("{project}-logs"),
        workspace_sku: "PerGB2018".to_string(),
        retention_days: 30,
        app_insights_name: format!("{project}-appinsights"),
        application_type: "web".to_string(),
    }
}

/// The seed's probes: liveness HTTP /health (initial 10, interval 30, failures 3) and
/// readiness (interval 10, failures 3).
pub fn seed_probes(port: u16) -> Vec<Probe> {
    vec![
        Probe {
            kind: ProbeKind::Liveness,
            transport: "HTTP".to_string(),
            path: Some("/health".to_string()),
            port,
            initial_delay: Some(10),
            interval: Some(30),
            timeout: None,
            failures: Some(3),
        },
        Probe {
            kind: ProbeKind::Readiness,
            transport: "HTTP".to_string(),
            path: Some("/health".to_string()),
            port,
            initial_delay: None,
            interval: Some(10),
            timeout: None,
            failures: Some(3),
        },
    ]
}

/// One app as the seed configures all four: 0.25 CPU / 0.5Gi, HTTP ingress, probes,
/// 1..3 replicas, telemetry on.
pub fn seed_app(name: &str, port: u16, ingress: Ingress) -> App {
    App {
        name: name.to_string(),
        image: IMAGE.to_string(),
        cpu: 0.25,
        memory: "0.5Gi".to_string(),
        port: Some(port),
        ingress,
        transport: "http".to_string(),
        probes: seed_probes(port),
        min_replicas: 1,
        max_replicas: 3,
        env: BTreeMap::new(),
        secrets: BTreeMap::new(),
        telemetry: true,
    }
}

fn seed_alerts(project: &str) -> BTreeMap<String, Alert> {
    let alert =
        |key: &str, description: &str, severity, metric: &str, aggregation: &str, threshold| {
            Alert {
                name: format!("{project}-{key}"),
                description: description.to_string(),
                severity,
                enabled: true,
                frequency: "PT1M".to_string(),
                window: "PT5M".to_string(),
                metric_namespace: "microsoft.insights/components".to_string(),
                metric: metric.to_string(),
                aggregation: aggregation.to_string(),
                operator: "GreaterThan".to_string(),
                threshold,
                notify: vec!["ops".to_string()],
                scope: AlertScope::AppInsights,
                auto_mitigate: true,
            }
        };
    BTreeMap::from([
        (
            "high-error-rate".to_string(),
            alert(
                "high-error-rate",
                "Fires when more than 10 failed requests occur within 5 minutes",
                2,
                "requests/failed",
                "Count",
                10.0,
            ),
        ),
        (
            "slow-response".to_string(),
            alert(
                "slow-response",
                "",
                3,
                "requests/duration",
                "Average",
                5000.0,
            ),
        ),
    ])
}

fn seed_action_groups(project: &str) -> BTreeMap<String, ActionGroup> {
    BTreeMap::from([(
        "ops".to_string(),
        ActionGroup {
            name: format!("{project}-alerts"),
            short_name: "blog08alert".to_string(),
            enabled: true,
            emails: BTreeMap::from([("admin".to_string(), ALERT_EMAIL.to_string())]),
        },
    )])
}

fn seed_apim(project: &str) -> Apim {
    Apim {
        service: ApimService::Managed {
            name: format!("{project}-apim"),
            sku: "Developer".to_string(),
            capacity: 1,
            publisher_email: "admin@example.com".to_string(),
            publisher_name: "blog08".to_string(),
        },
        logger_name: "appinsights-logger".to_string(),
        diagnostics: ApimDiagnostics {
            sampling: 100.0,
            always_log_errors: true,
            log_client_ip: true,
            verbosity: "information".to_string(),
            correlation: "W3C".to_string(),
            headers: vec!["X-User-OID".to_string(), "X-Tenant-ID".to_string()],
            body_bytes: 0,
        },
    }
}

/// The core seed's whole system (`blog08-prod`). The seed gives `slow-response` no
/// description, so it has none here either.
pub fn production_model() -> Model {
    let name = "blog08-prod";
    let apps = [
        seed_app("frontend", 3000, Ingress::External),
        seed_app("task-api", 8000, Ingress::External),
        seed_app("notification-svc", 8001, Ingress::Internal),
        seed_app("audit-svc", 8002, Ingress::Internal),
    ];
    Model {
        project: project(name),
        monitoring: Some(monitoring(name)),
        action_groups: seed_action_groups(name),
        alerts: seed_alerts(name),
        environment: Some(ContainerEnvironment {
            name: format!("{name}-env"),
            logs_to_workspace: true,
        }),
        apps: apps.into_iter().map(|a| (a.name.clone(), a)).collect(),
        apim: Some(seed_apim(name)),
        custom: BTreeMap::new(),
        resource_groups: BTreeMap::new(),
        silences: Vec::new(),
        state: Default::default(),
        outputs: BTreeMap::new(),
        ignore: BTreeMap::new(),
    }
}

/// A resource group with monitoring (workspace + App Insights), nothing else.
pub fn minimal_model() -> Model {
    let name = "blog08-min";
    Model {
        project: project(name),
        monitoring: Some(monitoring(name)),
        action_groups: BTreeMap::new(),
        alerts: BTreeMap::new(),
        environment: None,
        apps: BTreeMap::new(),
        apim: None,
        custom: BTreeMap::new(),
        resource_groups: BTreeMap::new(),
        silences: Vec::new(),
        state: Default::default(),
        outputs: BTreeMap::new(),
        ignore: BTreeMap::new(),
    }
}

/// The production system with `n_apps` apps (`app-0000`...): every fourth internal, each
/// with an env var and a secret, for benchmarks of large projects.
pub fn generated_model(n_apps: usize) -> Model {
    let mut model = production_model();
    model.project = project("gen");
    model.monitoring = Some(monitoring("gen"));
    model.action_groups = seed_action_groups("gen");
    model.alerts = seed_alerts("gen");
    model.environment = Some(ContainerEnvironment {
        name: "gen-env".to_string(),
        logs_to_workspace: true,
    });
    model.apim = Some(seed_apim("gen"));
    model.apps = (0..n_apps)
        .map(|i| {
            let name = format!("app-{i:04}");
            let ingress = if i % 4 == 3 {
                Ingress::Internal
            } else {
                Ingress::External
            };
            let mut app = seed_app(&name, 8000, ingress);
            app.env
                .insert("APP_INDEX".to_string(), EnvValue::Plain(i.to_string()));
            app.env.insert(
                "API_KEY".to_string(),
                EnvValue::SecretRef("api-key".to_string()),
            );
            app.secrets.insert(
                "api-key".to_string(),
                crate::model::Secret::new(format!("generated-secret-{i:04}")),
            );
            (name, app)
        })
        .collect();
    model
}
