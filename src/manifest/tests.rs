//! Unit tests of the manifest pipeline: environments, variables, interpolation, defaults.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::model::{AlertScope, EnvValue, Ingress, ProbeKind};

const BASE: &str = r#"
[project]
name = "demo"
location = "East US"

[variables]
email = "ops@example.com"
token = { secret = true }

[monitoring]

[action_group.ops]
email = { admin = "${var.email}" }

[alert.errors]
metric = "requests/failed"
aggregation = "count"
operator = "greaterthan"
threshold = 10
notify = ["ops"]

[app.api]
image = "example.azurecr.io/api:${env.TAG}"
port = 8000
ingress = "external"
replicas = { min = 1, max = 3 }
probes = { path = "/health", liveness = { interval = 30 }, readiness = true }
secrets = { api-token = "${var.token}" }
env = { TOKEN = { secret = "api-token" }, MODE = "prod", WORKERS = 4 }
telemetry = true

[env.dev]
app.api.replicas = { min = 0, max = 1 }
variables.email = "dev@example.com"
project.tags = { env = "dev" }

[env.prod]
production = true
"#;

fn opts(env: Option<&str>) -> LoadOptions {
    let mut process_env = BTreeMap::new();
    process_env.insert("TAG".to_string(), "1.2.3".to_string());
    process_env.insert("AZLIFT_VAR_TOKEN".to_string(), "tok-secret".to_string());
    LoadOptions {
        env: env.map(String::from),
        vars: Vec::new(),
        process_env,
        lenient_values: false,
    }
}

fn load_ok(text: &str, o: &LoadOptions) -> Loaded {
    match parse_str("azlift.toml", text, Path::new("."), o) {
        Ok(l) => l,
        Err(e) => panic!("expected valid, got {:#?}", e.errors()),
    }
}

#[test]
fn defaults_and_normalisation() {
    let l = load_ok(BASE, &opts(None));
    let m = &l.model;
    assert_eq!(m.project.location, "eastus");
    assert_eq!(m.project.resource_group, "rg-demo");
    assert_eq!(m.project.environment, "default");
    assert!(!m.project.production);
    let mon = m.monitoring.as_ref().unwrap();
    assert_eq!(mon.workspace_name, "demo-logs");
    assert_eq!(mon.app_insights_name, "demo-appinsights");
    assert_eq!(
        (mon.workspace_sku.as_str(), mon.retention_days),
        ("PerGB2018", 30)
    );
    assert_eq!(m.environment.as_ref().unwrap().name, "demo-env");
    assert!(m.environment.as_ref().unwrap().logs_to_workspace);
    let ag = &m.action_groups["ops"];
    assert_eq!(
        (ag.name.as_str(), ag.short_name.as_str()),
        ("demo-ops", "ops")
    );
    let alert = &m.alerts["errors"];
    assert_eq!(alert.name, "demo-errors");
    assert_eq!(
        (alert.aggregation.as_str(), alert.operator.as_str()),
        ("Count", "GreaterThan")
    );
    assert_eq!(
        (
            alert.frequency.as_str(),
            alert.window.as_str(),
            alert.severity
        ),
        ("PT1M", "PT5M", 3)
    );
    assert_eq!(alert.scope, AlertScope::AppInsights);
    assert_eq!(alert.metric_namespace, "microsoft.insights/components");
}

#[test]
fn apps_read_every_setting() {
    let l = load_ok(BASE, &opts(None));
    let app = &l.model.apps["api"];
    assert_eq!(app.image, "example.azurecr.io/api:1.2.3");
    assert_eq!((app.cpu, app.memory.as_str()), (0.25, "0.5Gi"));
    assert_eq!((app.port, app.ingress), (Some(8000), Ingress::External));
    assert_eq!(app.transport, "auto");
    assert_eq!((app.min_replicas, app.max_replicas), (1, 3));
    assert_eq!(app.probes.len(), 2);
    let live = &app.probes[0];
    assert_eq!(live.kind, ProbeKind::Liveness);
    assert_eq!(
        (live.transport.as_str(), live.path.as_deref(), live.port),
        ("HTTP", Some("/health"), 8000)
    );
    assert_eq!(live.interval, Some(30));
    assert_eq!(app.probes[1].kind, ProbeKind::Readiness);
    assert_eq!(app.env["TOKEN"], EnvValue::SecretRef("api-token".into()));
    assert_eq!(app.env["WORKERS"], EnvValue::Plain("4".into()));
    assert_eq!(app.secrets["api-token"].expose(), "tok-secret");
    assert!(app.telemetry);
}

#[test]
fn secrets_are_collected_and_never_serialised() {
    let l = load_ok(BASE, &opts(None));
    assert_eq!(l.secrets, vec!["tok-secret".to_string()]);
    let json = serde_json::to_string(&l.model).unwrap();
    assert!(!json.contains("tok-secret"));
    assert!(!format!("{:?}", l.model).contains("tok-secret"));
}

#[test]
fn environment_overrides_apply_only_when_selected() {
    let dev = load_ok(BASE, &opts(Some("dev")));
    let app = &dev.model.apps["api"];
    assert_eq!((app.min_replicas, app.max_replicas), (0, 1));
    assert_eq!(
        dev.model.action_groups["ops"].emails["admin"],
        "dev@example.com"
    );
    assert_eq!(dev.model.project.tags["env"], "dev");
    assert_eq!(dev.model.project.environment, "dev");
    assert!(!dev.model.project.production);

    let prod = load_ok(BASE, &opts(Some("prod")));
    assert!(prod.model.project.production);
    assert_eq!(prod.model.apps["api"].min_replicas, 1);
    assert_eq!(
        prod.model.action_groups["ops"].emails["admin"],
        "ops@example.com"
    );
}

#[test]
fn unknown_environment_is_an_error_with_a_suggestion() {
    let err = parse_str("azlift.toml", BASE, Path::new("."), &opts(Some("prd"))).unwrap_err();
    let e = &err.errors()[0];
    assert_eq!(e.code, code::UNKNOWN_ENVIRONMENT);
    assert_eq!(e.help.as_deref(), Some("did you mean `prod`?"));
}

#[test]
fn errors_in_an_unselected_environment_are_reported() {
    let text = format!("{BASE}\n[env.staging]\napp.api.replicas = {{ min = 5, max = 2 }}\n");
    let err = parse_str("azlift.toml", &text, Path::new("."), &opts(None)).unwrap_err();
    assert_eq!(err.errors().len(), 1, "{:#?}", err.errors());
    assert!(
        err.errors()[0]
            .message
            .contains("min 5 is greater than max 2")
    );
}

#[test]
fn cli_vars_win_and_unknown_cli_vars_are_errors() {
    let mut o = opts(None);
    o.vars.push(("email".into(), "cli@example.com".into()));
    let l = load_ok(BASE, &o);
    assert_eq!(
        l.model.action_groups["ops"].emails["admin"],
        "cli@example.com"
    );

    o.vars.push(("emial".into(), "x".into()));
    let err = parse_str("azlift.toml", BASE, Path::new("."), &o).unwrap_err();
    assert_eq!(err.errors()[0].code, code::UNKNOWN_VARIABLE);
    assert_eq!(err.errors()[0].line, None);
}

#[test]
fn interpolated_strings_can_fill_numbers() {
    let text = BASE
        .replace("threshold = 10", "threshold = \"${var.limit}\"")
        .replace("[variables]", "[variables]\nlimit = 25");
    let l = load_ok(&text, &opts(None));
    assert_eq!(l.model.alerts["errors"].threshold, 25.0);
}

#[test]
fn secret_variable_in_plain_env_var_warns() {
    let text = BASE.replace("MODE = \"prod\"", "MODE = \"${var.token}\"");
    let l = load_ok(&text, &opts(None));
    assert!(
        l.warnings
            .iter()
            .any(|w| w.code == code::SECRET_IN_PLAIN_FIELD)
    );
}

#[test]
fn var_flags_split_on_the_first_equals_sign() {
    assert_eq!(parse_var_flag("a=b=c").unwrap(), ("a".into(), "b=c".into()));
    assert!(parse_var_flag("novalue").is_err());
    assert!(parse_var_flag("=x").is_err());
    // the error never shows the value part
    let e = parse_var_flag("=hunter2").unwrap_err();
    assert!(!e.to_string().contains("hunter2"));
}

#[test]
fn examples_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for ex in ["production", "minimal", "custom"] {
        let path = root.join(ex).join("azlift.toml");
        if let Err(e) = load(&path, &LoadOptions::default()) {
            panic!("{ex}: {:#?}", e.errors());
        }
    }
}

const STATE_BASE: &str = "[project]\nname = \"demo\"\nlocation = \"eastus\"\n";

fn state_errors(state: &str) -> Vec<Diagnostic> {
    let text = format!("{STATE_BASE}{state}");
    match parse_str("azlift.toml", &text, Path::new("."), &opts(None)) {
        Ok(_) => panic!("expected errors for {state}"),
        Err(e) => e.errors().to_vec(),
    }
}

#[test]
fn state_defaults_to_local_and_reads_azblob_settings() {
    use crate::state::StateConfig;
    let l = load_ok(STATE_BASE, &opts(None));
    assert_eq!(l.model.state, StateConfig::Local);
    let text = format!(
        "{STATE_BASE}[state]\nbackend = \"azblob\"\naccount = \"acct1\"\ncontainer = \"tf-state\"\n\n[env.prod.state]\nkey = \"demo/production.json\"\n"
    );
    let l = load_ok(&text, &opts(None));
    assert_eq!(
        l.model.state,
        StateConfig::Azblob {
            account: "acct1".into(),
            container: "tf-state".into(),
            key: None,
            endpoint: None,
            keep_versions: None,
        }
    );
    let l = load_ok(&text, &opts(Some("prod")));
    let StateConfig::Azblob { key, .. } = &l.model.state else {
        panic!("expected azblob");
    };
    assert_eq!(key.as_deref(), Some("demo/production.json"));
}

#[test]
fn state_errors_point_at_the_value_with_a_hint() {
    let errs = state_errors(
        "[state]\nbackend = \"azblob\"\naccount = \"Bad_Name\"\ncontainer = \"ok-name\"\n",
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, code::INVALID_VALUE);
    assert_eq!((errs[0].line, errs[0].column), (Some(6), Some(11)));
    assert!(
        errs[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("3-24 lower-case")
    );

    let errs = state_errors("[state]\nbackend = \"s3\"\n");
    assert_eq!(errs[0].line, Some(5));
    assert!(
        errs[0].help.as_deref().unwrap_or("").contains("azblob"),
        "{errs:#?}"
    );

    let errs =
        state_errors("[state]\nbackend = \"azblob\"\naccount = \"acct1\"\ncontainr = \"x\"\n");
    let codes: Vec<&str> = errs.iter().map(|e| e.code).collect();
    assert!(codes.contains(&code::UNKNOWN_KEY), "{errs:#?}");
    assert!(codes.contains(&code::MISSING_KEY), "{errs:#?}");
    let unknown = errs.iter().find(|e| e.code == code::UNKNOWN_KEY).unwrap();
    assert!(unknown.help.as_deref().unwrap_or("").contains("container"));

    let errs = state_errors("[state]\nbackend = \"local\"\naccount = \"acct1\"\n");
    assert_eq!(errs[0].code, code::CONFLICT);

    let errs = state_errors(
        "[state]\nbackend = \"azblob\"\naccount = \"acct1\"\ncontainer = \"c1x\"\nendpoint = \"https://a.blob.core.windows.net?sig=x\"\n",
    );
    assert!(
        errs[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("AZLIFT_STATE_SAS"),
        "{errs:#?}"
    );
}

#[test]
fn lenient_loads_accept_missing_values_and_nothing_else() {
    let text = r#"
[project]
name = "shop"
location = "eastus"

[variables]
alert_email = { secret = true }

[state]
backend = "azblob"
account = "shopstate1"
container = "tfstate"

[action_group.ops]
name = "shop-alerts"
short_name = "shopalert"
email = { admin = "${var.alert_email}" }
"#;
    let strict = opts(None);
    let err = parse_str("azlift.toml", text, Path::new("."), &strict).unwrap_err();
    assert!(
        err.errors()
            .iter()
            .any(|e| e.code == crate::manifest::diagnostic::code::MISSING_VARIABLE)
    );
    let lenient = LoadOptions {
        lenient_values: true,
        ..opts(None)
    };
    let loaded = parse_str("azlift.toml", text, Path::new("."), &lenient).unwrap();
    assert!(matches!(
        loaded.model.state,
        crate::state::StateConfig::Azblob { .. }
    ));
    // Any other mistake is still an error.
    let typo = text.replace("container =", "contaner =");
    assert!(parse_str("azlift.toml", &typo, Path::new("."), &lenient).is_err());
}

#[test]
fn keep_versions_is_read_checked_and_azblob_only() {
    let azblob = "[state]\nbackend = \"azblob\"\naccount = \"acct1\"\ncontainer = \"tf-state\"\n";
    let l = load_ok(
        &format!("{STATE_BASE}{azblob}keep_versions = 5\n"),
        &opts(None),
    );
    let crate::state::StateConfig::Azblob { keep_versions, .. } = &l.model.state else {
        panic!("expected azblob");
    };
    assert_eq!(*keep_versions, Some(5));

    let errs = state_errors(&format!("{azblob}keep_versions = -1\n"));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!((errs[0].line, errs[0].column), (Some(8), Some(17)));

    let errs = state_errors("[state]\nbackend = \"local\"\nkeep_versions = 5\n");
    assert_eq!(errs[0].code, code::CONFLICT, "{errs:#?}");
    assert_eq!(errs[0].line, Some(6));
}
