//! Broken manifests, one problem each: every error is reported with its message, code and
//! exact line:column; several errors in one file are all reported; none panics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azlift::manifest::{LoadOptions, parse_str};

/// Five lines; a case's own lines start at line 6.
const HEAD: &str = "[project]\nname = \"demo\"\nlocation = \"eastus\"\n\n[monitoring]\n";
/// Three lines, without monitoring; a case's lines start at line 4.
const BARE: &str = "[project]\nname = \"demo\"\nlocation = \"eastus\"\n";
/// An app that is valid (lines 6-7 after HEAD), for cases that add a line to it at line 8.
const APP: &str = "[app.api]\nimage = \"example.azurecr.io/api:1\"\n";
/// An alert that is valid (lines 6-10 after HEAD); cases add lines from line 11.
const ALERT: &str = "[alert.a]\nmetric = \"requests/failed\"\naggregation = \"Count\"\noperator = \"GreaterThan\"\nthreshold = 10\n";

struct Case {
    name: &'static str,
    text: String,
    /// Fragment of the one expected error's message.
    message: &'static str,
    code: &'static str,
    line: usize,
    column: usize,
}

fn case(
    name: &'static str,
    text: String,
    message: &'static str,
    code: &'static str,
    line: usize,
    column: usize,
) -> Case {
    Case {
        name,
        text,
        message,
        code,
        line,
        column,
    }
}

fn base_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/custom")
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "typo'd key",
            format!("{HEAD}{APP}replica = 2\n"),
            "unknown key `replica` in [app.api]",
            "unknown_key",
            8,
            1,
        ),
        case(
            "typo'd section",
            format!("{HEAD}[monitor]\n"),
            "unknown key `monitor` in [manifest]",
            "unknown_key",
            6,
            2,
        ),
        case(
            "wrong type",
            format!("{HEAD}{APP}port = \"8000\"\n"),
            "`app.api.port` must be an integer, found a string",
            "wrong_type",
            8,
            8,
        ),
        case(
            "severity 7",
            format!("{HEAD}{ALERT}severity = 7\n"),
            "`alert.a.severity` must be between 0 and 4, found 7",
            "out_of_range",
            11,
            12,
        ),
        case(
            "window in words",
            format!("{HEAD}{ALERT}window = \"5 minutes\"\n"),
            "`alert.a.window` cannot be \"5 minutes\"",
            "invalid_value",
            11,
            10,
        ),
        case(
            "frequency longer than window",
            format!("{HEAD}{ALERT}frequency = \"PT15M\"\nwindow = \"PT5M\"\n"),
            "`frequency` PT15M is longer than `window` PT5M",
            "out_of_range",
            11,
            13,
        ),
        case(
            "short name of 13",
            format!("{HEAD}[action_group.ops]\nshort_name = \"abcdefghijklm\"\n"),
            "`short_name` must be 1 to 12 characters, \"abcdefghijklm\" has 13",
            "out_of_range",
            7,
            14,
        ),
        case(
            "long key without short name",
            format!("{HEAD}[action_group.operations-team]\nemail = {{ a = \"a@example.com\" }}\n"),
            "[action_group.operations-team] needs `short_name`",
            "missing_key",
            6,
            15,
        ),
        case(
            "app name with uppercase",
            format!("{HEAD}[app.Api]\nimage = \"x\"\n"),
            "app name `Api` must be lower case",
            "invalid_name",
            6,
            6,
        ),
        case(
            "alert notifying a missing action group",
            format!(
                "{HEAD}[action_group.ops]\nemail = {{ a = \"a@example.com\" }}\n{}notify = [\"opz\"]\n",
                ALERT
            ),
            "alert `a` notifies `opz`, which is not an action group",
            "unknown_reference",
            13,
            11,
        ),
        case(
            "bad TOML syntax",
            format!("{HEAD}[app.api\nimage = \"x\"\n"),
            "TOML syntax",
            "syntax",
            6,
            9,
        ),
        case(
            "missing required variable",
            format!("{HEAD}[variables]\ntoken = {{ secret = true }}\n"),
            "variable `token` has no value",
            "missing_variable",
            7,
            1,
        ),
        case(
            "unknown variable",
            format!("{HEAD}[app.api]\nimage = \"${{var.tag}}\"\n"),
            "`${var.tag}` names a variable that is not declared",
            "unknown_variable",
            7,
            9,
        ),
        case(
            "unset environment variable",
            format!("{HEAD}[app.api]\nimage = \"x:${{env.AZLIFT_TEST_NOT_SET}}\"\n"),
            "environment variable `AZLIFT_TEST_NOT_SET` is not set",
            "missing_env_var",
            7,
            9,
        ),
        case(
            "cpu/memory pair not allowed",
            format!("{HEAD}{APP}cpu = 0.5\nmemory = \"2Gi\"\n"),
            "cpu 0.5 with memory 2Gi is not a combination Azure accepts",
            "invalid_value",
            8,
            7,
        ),
        case(
            "memory not in Gi",
            format!("{HEAD}{APP}memory = \"1GB\"\n"),
            "`app.api.memory` must be in Gi",
            "invalid_value",
            8,
            10,
        ),
        case(
            "min > max replicas",
            format!("{HEAD}{APP}replicas = {{ min = 5, max = 2 }}\n"),
            "min 5 is greater than max 2",
            "out_of_range",
            8,
            20,
        ),
        case(
            "max replicas over 1000",
            format!("{HEAD}{APP}replicas = {{ min = 1, max = 2000 }}\n"),
            "`app.api.replicas.max` must be between 1 and 1000, found 2000",
            "out_of_range",
            8,
            29,
        ),
        case(
            "unknown ingress value",
            format!("{HEAD}{APP}port = 80\ningress = \"public\"\n"),
            "`app.api.ingress` cannot be \"public\"",
            "invalid_value",
            9,
            11,
        ),
        case(
            "ingress without port",
            format!("{HEAD}{APP}ingress = \"external\"\n"),
            "[app.api] has external ingress but no `port`",
            "missing_key",
            8,
            11,
        ),
        case(
            "port out of range",
            format!("{HEAD}{APP}port = 70000\n"),
            "`app.api.port` must be between 1 and 65535, found 70000",
            "out_of_range",
            8,
            8,
        ),
        case(
            "duplicate email receiver",
            format!(
                "{HEAD}[action_group.ops]\nemail = {{ admin = \"a@example.com\", Admin = \"b@example.com\" }}\n"
            ),
            "email receiver `Admin` duplicates `admin`",
            "duplicate",
            7,
            36,
        ),
        case(
            "receiver that is not an email",
            format!("{HEAD}[action_group.ops]\nemail = {{ admin = \"nobody\" }}\n"),
            "not an email address",
            "invalid_value",
            7,
            19,
        ),
        case(
            "retention out of range",
            format!("{HEAD}retention_days = 10\n"),
            "`monitoring.retention_days` must be between 30 and 730, found 10",
            "out_of_range",
            6,
            18,
        ),
        case(
            "workspace name too short",
            format!("{HEAD}workspace_name = \"abc\"\n"),
            "Log Analytics workspace name `abc` must be 4 to 63 characters long",
            "invalid_name",
            6,
            18,
        ),
        case(
            "project name with underscore",
            "[project]\nname = \"Demo_Project\"\nlocation = \"eastus\"\n".to_string(),
            "project name `Demo_Project` must be lower case",
            "invalid_name",
            2,
            8,
        ),
        case(
            "missing project name",
            "[project]\nlocation = \"eastus\"\n".to_string(),
            "[project] needs `name`",
            "missing_key",
            1,
            2,
        ),
        case(
            "telemetry without monitoring",
            format!("{BARE}[app.api]\nimage = \"x\"\ntelemetry = true\n"),
            "has `telemetry = true`, but there is no [monitoring]",
            "unknown_reference",
            6,
            13,
        ),
        case(
            "alert on an app that does not exist",
            format!("{HEAD}{ALERT}scope = \"app.nope\"\n"),
            "`scope` names app `nope`, which is not declared",
            "unknown_reference",
            11,
            9,
        ),
        case(
            "env var referring to a missing secret",
            format!("{HEAD}{APP}env = {{ TOKEN = {{ secret = \"api-tokn\" }} }}\n"),
            "env var `TOKEN` refers to secret `api-tokn`",
            "unknown_reference",
            8,
            28,
        ),
        case(
            "HTTP probe without path",
            format!(
                "{HEAD}{APP}port = 80\nprobes = {{ transport = \"HTTP\", liveness = {{ interval = 10 }} }}\n"
            ),
            "the HTTP probe `app.api.probes.liveness` needs a `path`",
            "missing_key",
            9,
            32,
        ),
        case(
            "probe delay out of range",
            format!(
                "{HEAD}{APP}port = 80\nprobes = {{ path = \"/h\", liveness = {{ initial_delay = 100 }} }}\n"
            ),
            "`app.api.probes.liveness.initial_delay` must be between 0 and 60, found 100",
            "out_of_range",
            9,
            54,
        ),
        case(
            "unknown APIM sku",
            format!("{HEAD}[apim]\nsku = \"Gold\"\npublisher_email = \"a@example.com\"\n"),
            "`apim.sku` cannot be \"Gold\"",
            "invalid_value",
            7,
            7,
        ),
        case(
            "APIM sampling over 100",
            format!(
                "{HEAD}[apim]\npublisher_email = \"a@example.com\"\ndiagnostics = {{ sampling = 150 }}\n"
            ),
            "sampling` is a percentage from 0 to 100, found 150",
            "out_of_range",
            8,
            28,
        ),
        case(
            "existing APIM with a sku",
            format!("{HEAD}[apim]\nexisting = true\nname = \"shared-apim\"\nsku = \"Developer\"\n"),
            "`sku` cannot be set for an existing API Management service",
            "conflict",
            9,
            1,
        ),
        case(
            "depends_on a missing resource",
            format!(
                "{HEAD}[resource.vault]\ntemplate = \"templates/keyvault.json\"\ndepends_on = [\"app.nope\"]\n"
            ),
            "[resource.vault] depends on `app.nope`, which is not in the project",
            "unknown_reference",
            8,
            15,
        ),
        case(
            "template file missing",
            format!("{HEAD}[resource.vault]\ntemplate = \"templates/nope.json\"\n"),
            "cannot read template",
            "io",
            7,
            12,
        ),
        case(
            "cycle between custom resources",
            format!(
                "{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\ndepends_on = [\"resource.b\"]\n\n[resource.b]\ntemplate = \"templates/keyvault.json\"\ndepends_on = [\"resource.a\"]\n"
            ),
            "dependency cycle: resource.a -> resource.b -> resource.a",
            "cycle",
            8,
            15,
        ),
        case(
            "self dependency",
            format!(
                "{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\ndepends_on = [\"resource.a\"]\n"
            ),
            "dependency cycle: resource.a -> resource.a",
            "cycle",
            8,
            15,
        ),
        case(
            "production flag of the wrong type",
            format!("{HEAD}[env.prod]\nproduction = \"yes\"\n"),
            "`env.prod.production` must be a boolean, found a string",
            "wrong_type",
            7,
            14,
        ),
        case(
            "typo inside an environment block",
            format!("{HEAD}{APP}\n[env.dev]\napp.api.replica = 1\n"),
            "unknown key `replica` in [app.api]",
            "unknown_key",
            10,
            9,
        ),
        case(
            "output without a value",
            format!("{HEAD}[output.url]\ndescription = \"the API\"\n"),
            "[output.url] needs `value`",
            "missing_key",
            6,
            9,
        ),
        case(
            "typo'd output key",
            format!("{HEAD}[output.url]\nvalue = \"x\"\nsensitiv = true\n"),
            "unknown key `sensitiv` in [output.url]",
            "unknown_key",
            8,
            1,
        ),
        case(
            "output sensitive of the wrong type",
            format!("{HEAD}[output.url]\nvalue = \"x\"\nsensitive = \"yes\"\n"),
            "`output.url.sensitive` must be a boolean",
            "wrong_type",
            8,
            13,
        ),
        case(
            "reference to a resource that is not declared",
            format!("{HEAD}[output.url]\nvalue = \"https://${{ref.app.nope.fqdn}}\"\n"),
            "`${ref.app.nope.fqdn}` names no resource of this project",
            "unknown_reference",
            7,
            9,
        ),
        case(
            "reference without a value",
            format!("{HEAD}{APP}env = {{ WS = \"${{ref.monitoring.workspace}}\" }}\n"),
            "`${ref.monitoring.workspace}` names a resource but no value",
            "unknown_reference",
            8,
            14,
        ),
        case(
            "count out of range",
            format!("{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\ncount = 5000\n"),
            "`resource.a.count` must be between 0 and 1000, found 5000",
            "out_of_range",
            8,
            9,
        ),
        case(
            "for_each and count together",
            format!(
                "{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\ncount = 2\nfor_each = [\"x\"]\n"
            ),
            "[resource.a] sets both `for_each` and `count`",
            "conflict",
            8,
            1,
        ),
        case(
            "for_each of the wrong type",
            format!("{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\nfor_each = 3\n"),
            "`resource.a.for_each` must be a list of keys or a table, found an integer",
            "wrong_type",
            8,
            12,
        ),
        case(
            "each outside a repeated resource",
            format!("{HEAD}{APP}env = {{ K = \"${{each.key}}\" }}\n"),
            "only known in a `[resource.KEY]` with `for_each` or `count`",
            "bad_interpolation",
            8,
            13,
        ),
        case(
            "malformed ignore path",
            format!("{HEAD}{APP}ignore = [\"properties.x[y]\"]\n"),
            "ignore path `properties.x[y]` has `[y]`: use `[N]` or `[FIELD=VALUE]`",
            "invalid_value",
            8,
            11,
        ),
        case(
            "resource in an undeclared group",
            format!(
                "{HEAD}[resource.a]\ntemplate = \"templates/keyvault.json\"\nresource_group = \"dta\"\n"
            ),
            "[resource.a] is placed in resource group `dta`, which is not declared",
            "unknown_reference",
            8,
            18,
        ),
        case(
            "typo'd resource group key",
            format!("{HEAD}[resource_group.data]\nlocaton = \"northeurope\"\n"),
            "unknown key `locaton` in [resource_group.data]",
            "unknown_key",
            7,
            1,
        ),
        case(
            "empty reference",
            format!("{HEAD}[output.url]\nvalue = \"${{ref.}}\"\n"),
            "`${ref.}` is not a known interpolation",
            "bad_interpolation",
            7,
            9,
        ),
    ]
}

fn hermetic() -> LoadOptions {
    LoadOptions {
        env: None,
        vars: Vec::new(),
        process_env: BTreeMap::new(),
        lenient_values: false,
    }
}

#[test]
fn every_broken_manifest_reports_its_error_at_the_right_place() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for c in &cases {
        let errors = match parse_str("azlift.toml", &c.text, &base_dir(), &hermetic()) {
            Ok(_) => {
                failures.push(format!(
                    "{}: expected an error, the manifest was accepted",
                    c.name
                ));
                continue;
            }
            Err(e) => e,
        };
        let found = errors
            .errors()
            .iter()
            .find(|e| e.message.contains(c.message));
        match found {
            None => failures.push(format!(
                "{}: no error containing {:?}; got {:#?}",
                c.name,
                c.message,
                errors.errors()
            )),
            Some(e) => {
                let want_code = format!("azlift::manifest::{}", c.code);
                if e.code != want_code || e.line != Some(c.line) || e.column != Some(c.column) {
                    failures.push(format!(
                        "{}: expected {} at {}:{}, got {} at {:?}:{:?} ({})",
                        c.name, want_code, c.line, c.column, e.code, e.line, e.column, e.message
                    ));
                }
                assert_eq!(e.file, "azlift.toml");
            }
        }
        if errors.errors().len() != 1 {
            failures.push(format!(
                "{}: expected exactly one error, got {}: {:#?}",
                c.name,
                errors.errors().len(),
                errors.errors()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn typos_get_a_did_you_mean() {
    let text = format!("{HEAD}{APP}replica = 2\n");
    let err = parse_str("azlift.toml", &text, &base_dir(), &hermetic()).unwrap_err();
    assert_eq!(
        err.errors()[0].help.as_deref(),
        Some("did you mean `replicas`?")
    );

    let text = format!("{HEAD}{ALERT}window = \"5 minutes\"\n");
    let err = parse_str("azlift.toml", &text, &base_dir(), &hermetic()).unwrap_err();
    assert!(
        err.errors()[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `PT5M`?")
    );
}

#[test]
fn all_errors_of_a_file_are_reported_in_one_run() {
    let text = "\
[project]
name = \"demo\"
location = \"eastus\"
colour = \"blue\"

[monitoring]
retention_days = 5

[action_group.ops]
short_name = \"much-too-long-name\"

[alert.a]
metric = \"requests/failed\"
aggregation = \"Count\"
operator = \"Bigger\"
threshold = 10
severity = 9
notify = [\"nobody\"]

[app.Web]
image = \"x\"
replicas = { min = 3, max = 1 }
";
    let err = parse_str("azlift.toml", text, &base_dir(), &hermetic()).unwrap_err();
    let got: Vec<(usize, usize)> = err
        .errors()
        .iter()
        .map(|e| (e.line.unwrap(), e.column.unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (4, 1),
            (7, 18),
            (10, 14),
            (15, 12),
            (17, 12),
            (18, 11),
            (20, 6),
            (22, 20)
        ],
        "{:#?}",
        err.errors()
    );
    // The miette report carries them all as related diagnostics.
    let related = miette::Diagnostic::related(&err).unwrap().count();
    assert_eq!(related, 8);
}

#[test]
fn errors_render_with_their_source_snippet() {
    let text = format!("{HEAD}{ALERT}severity = 7\n");
    let err = parse_str("azlift.toml", &text, &base_dir(), &hermetic()).unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err.errors()[0])
        .unwrap();
    assert!(out.contains("azlift.toml:11:12"), "{out}");
    assert!(out.contains("severity = 7"), "{out}");
    assert!(out.contains("azlift::manifest::out_of_range"), "{out}");
}
