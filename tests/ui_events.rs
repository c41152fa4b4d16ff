//! Events and their sinks: NDJSON shapes (snapshot), redaction of secrets in every sink, the
//! plain line output, the non-interactive refusal, and ETAs from the duration model.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azlift::events::{Action, Event, EventSink, MemorySink, PlanCounts, Redactor};
use azlift::resource::{ResourceAddress, SENSITIVE};
use azlift::state::{StateDocument, StateEntry};
use azlift::ui::{
    ConfirmError, DurationModel, Interactivity, JsonEvents, LineUi, ProgressUi, confirm_with,
    eta_left, render_line,
};

const SECRET: &str = "p4ssw0rd-very-secret";
const CONN: &str = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/;LiveEndpoint=https://eastus.livediagnostics.monitor.azure.com/";

fn addr(s: &str) -> ResourceAddress {
    ResourceAddress::new(s)
}

/// A run as the scheduler would report it, with secrets where careless code might put them.
fn run_events() -> Vec<Event> {
    vec![
        Event::PlanReady {
            counts: PlanCounts {
                create: 2,
                update: 1,
                replace: 0,
                delete: 1,
                unchanged: 3,
            },
        },
        Event::ResourceStarted {
            address: addr("monitoring.workspace"),
            action: Action::Create,
            arm_type: "Microsoft.OperationalInsights/workspaces".into(),
            eta: Some(Duration::from_secs(12)),
        },
        Event::ResourceProgress {
            address: addr("monitoring.workspace"),
            message: "throttled (429), retrying in 5s".into(),
        },
        Event::ResourceDone {
            address: addr("monitoring.workspace"),
            action: Action::Create,
            elapsed: Duration::from_millis(9_250),
        },
        Event::ResourceStarted {
            address: addr("app.task-api"),
            action: Action::Update,
            arm_type: "Microsoft.App/containerApps".into(),
            eta: None,
        },
        Event::ResourceFailed {
            address: addr("app.task-api"),
            code: "ContainerAppSecretInvalid".into(),
            message: format!(
                "secret value '{SECRET}' rejected; env APPLICATIONINSIGHTS_CONNECTION_STRING={CONN}"
            ),
        },
        Event::ResourceSkipped {
            address: addr("alert.high-error-rate"),
            because: addr("app.task-api"),
        },
        Event::ResourceStarted {
            address: addr("action_group.old"),
            action: Action::Delete,
            arm_type: "Microsoft.Insights/actionGroups".into(),
            eta: Some(Duration::from_secs(4)),
        },
        Event::ResourceDone {
            address: addr("action_group.old"),
            action: Action::Delete,
            elapsed: Duration::from_secs(3),
        },
        Event::Warning {
            message: format!("sampling is 100% in prod ({SECRET})"),
        },
        Event::Interrupted {
            in_flight: vec![addr("apim.service")],
            not_started: 2,
            forced: false,
        },
        Event::Summary {
            created: 1,
            updated: 0,
            replaced: 0,
            deleted: 1,
            failed: 1,
            skipped: 1,
            elapsed: Duration::from_millis(61_500),
        },
    ]
}

fn redactor() -> Arc<Redactor> {
    Arc::new(Redactor::with_secrets([SECRET]))
}

/// A `Write` that keeps what was written, shareable with the test.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn ndjson_event_shapes() {
    let r = redactor();
    let ts = time::macros::datetime!(2026-11-25 16:00:00 UTC);
    let lines: Vec<String> = run_events()
        .iter()
        .map(|e| render_line(e, ts, &r))
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn ndjson_sink_writes_one_parseable_redacted_object_per_line() {
    let buf = Buffer::default();
    let sink = JsonEvents::new(Box::new(buf.clone()), redactor());
    for e in run_events() {
        sink.emit(e);
    }
    // With a duration model, a start without an ETA gets the model's.
    let with_model = Buffer::default();
    JsonEvents::new(Box::new(with_model.clone()), redactor())
        .with_model(DurationModel::new())
        .emit(run_events()[4].clone());
    let v: serde_json::Value = serde_json::from_str(with_model.text().trim()).unwrap();
    assert_eq!(v["eta_secs"], 55.0);
    let text = buf.text();
    assert!(
        !text.contains(SECRET) && !text.contains("InstrumentationKey"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), run_events().len());
    for (line, original) in lines.iter().zip(run_events()) {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object_mut().unwrap();
        let ts = obj.remove("ts").unwrap();
        assert!(
            time::OffsetDateTime::parse(
                ts.as_str().unwrap(),
                &time::format_description::well_known::Rfc3339
            )
            .is_ok()
        );
        assert_eq!(obj.keys().next().map(String::as_str), Some("event"));
        // Every line reads back as the event it was (after redaction).
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, original.redacted(&redactor()));
    }
}

#[test]
fn the_redactor_removes_known_secrets_learnt_late_and_connection_strings() {
    let r = Redactor::new();
    assert_eq!(r.redact(&format!("x {CONN} y")), "x (sensitive) y");
    assert_eq!(r.redact(&format!("\"{CONN}\"")), "\"(sensitive)\"");
    r.add("late-shared-key==");
    r.add("late-shared-key");
    r.add("");
    assert_eq!(r.len(), 2);
    assert_eq!(
        r.redact("key late-shared-key== and late-shared-key"),
        "key (sensitive) and (sensitive)"
    );
    assert!(r.leaks("late-shared-key"));
    assert!(r.leaks(CONN));
    assert!(!r.leaks("nothing here"));
    assert_eq!(r.redact("plain text"), "plain text");
    // A sink shares the redactor, so a secret learnt mid-run is hidden from then on.
    let shared = Arc::new(Redactor::new());
    let sink = MemorySink::new(shared.clone());
    shared.add("fetched-at-apply-time");
    sink.emit(Event::Warning {
        message: "got fetched-at-apply-time".into(),
    });
    assert_eq!(
        sink.events(),
        vec![Event::Warning {
            message: format!("got {SENSITIVE}")
        }]
    );
}

#[test]
fn line_output_is_plain_and_redacted() {
    let buf = Buffer::default();
    let ui = LineUi::new(Box::new(buf.clone()), redactor(), DurationModel::new());
    for e in run_events() {
        ui.emit(e);
    }
    let text = buf.text();
    assert!(!text.contains(SECRET) && !text.contains("InstrumentationKey"));
    assert!(!text.contains('\u{1b}'), "no escape codes");
    insta::assert_snapshot!(text);
}

#[test]
fn the_progress_ui_tracks_resources_in_flight() {
    let ui = ProgressUi::with_target(
        indicatif::ProgressDrawTarget::hidden(),
        redactor(),
        DurationModel::new(),
    );
    let events = run_events();
    ui.emit(events[1].clone());
    assert_eq!(ui.in_flight(), 1);
    ui.emit(events[4].clone());
    assert_eq!(ui.in_flight(), 2);
    ui.emit(events[3].clone());
    ui.emit(events[5].clone());
    assert_eq!(ui.in_flight(), 0);
    assert_eq!(
        eta_left(Some(Duration::from_secs(55)), Duration::from_secs(15)),
        "~40s left"
    );
    assert_eq!(
        eta_left(Some(Duration::from_secs(5)), Duration::from_secs(15)),
        "(longer than usual)"
    );
    assert_eq!(eta_left(None, Duration::from_secs(15)), "");
}

#[test]
fn a_non_interactive_run_refuses_to_ask() {
    let mut out = Vec::new();
    let ci = Interactivity {
        ci: true,
        stdin_is_terminal: true,
    };
    let err = confirm_with("Apply?", ci, &mut "yes\n".as_bytes(), &mut out).unwrap_err();
    assert!(matches!(err, ConfirmError::NonInteractive { .. }));
    assert_eq!(
        err.to_string(),
        "refusing to apply without --yes in a non-interactive run (CI is set)"
    );
    assert!(out.is_empty(), "nothing is prompted");

    let piped = Interactivity {
        ci: false,
        stdin_is_terminal: false,
    };
    let err = confirm_with("Apply?", piped, &mut "yes\n".as_bytes(), &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        "refusing to apply without --yes in a non-interactive run (stdin is not a terminal)"
    );

    let tty = Interactivity {
        ci: false,
        stdin_is_terminal: true,
    };
    assert!(confirm_with("Apply?", tty, &mut "yes\n".as_bytes(), &mut out).unwrap());
    assert!(confirm_with("Apply?", tty, &mut " Y \n".as_bytes(), &mut out).unwrap());
    assert!(!confirm_with("Apply?", tty, &mut "no\n".as_bytes(), &mut out).unwrap());
    assert!(!confirm_with("Apply?", tty, &mut "".as_bytes(), &mut out).unwrap());
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with("Apply? [type 'yes' to continue]")
    );
}

fn recorded(address: &str, arm_type: &str, secs: f64) -> StateEntry {
    StateEntry {
        address: addr(address),
        id: format!("/x/{address}"),
        arm_type: arm_type.into(),
        api_version: "v".into(),
        applied_hash: String::new(),
        write_only_hashes: BTreeMap::new(),
        outputs: BTreeMap::new(),
        depends_on: BTreeSet::new(),
        managed: true,
        sku: None,
        failed: false,
        last_duration_secs: Some(secs),
        updated_at: time::macros::datetime!(2026-11-25 12:00:00 UTC),
    }
}

#[test]
fn etas_come_from_defaults_then_from_recorded_durations() {
    let m = DurationModel::new();
    let app = "Microsoft.App/containerApps";
    assert_eq!(
        m.estimate(app, Action::Create),
        Some(Duration::from_secs(55))
    );
    assert_eq!(
        m.estimate("microsoft.app/MANAGEDENVIRONMENTS", Action::Update),
        Some(Duration::from_secs(240))
    );
    assert_eq!(
        m.estimate(app, Action::Replace),
        Some(Duration::from_secs(110))
    );
    assert_eq!(m.estimate(app, Action::Read), None);
    assert_eq!(
        m.estimate("Microsoft.KeyVault/vaults", Action::Create),
        None
    );
    assert_eq!(
        m.estimate("Microsoft.Resources/resourceGroups", Action::Delete),
        Some(Duration::from_secs(180))
    );

    let mut doc = StateDocument::new("dev");
    for (i, secs) in [30.0, 10.0, 20.0, 400.0].into_iter().enumerate() {
        let a = format!("app.a{i}");
        doc.resources.insert(addr(&a), recorded(&a, app, secs));
    }
    let m = DurationModel::from_state(&doc);
    // The median of 10, 20, 30, 400: one slow outlier does not drag the estimate.
    assert_eq!(
        m.estimate(app, Action::Create),
        Some(Duration::from_secs(25))
    );
    let mut m = m;
    m.record(app, Duration::from_secs(22));
    assert_eq!(
        m.estimate(app, Action::Update),
        Some(Duration::from_secs(22))
    );
}

#[test]
fn apim_etas_depend_on_the_tier() {
    use azlift::kinds::ResourceKind;
    use azlift::resource::DesiredResource;
    let apim = |sku: &str| DesiredResource {
        address: addr("apim.service"),
        kind: ResourceKind::ApimService,
        arm_type: "Microsoft.ApiManagement/service".into(),
        api_version: "2024-05-01".into(),
        id: "/x".into(),
        name: "x".into(),
        body: serde_json::json!({"sku": {"name": sku, "capacity": 1}}),
        pending: vec![],
        sensitive: vec![],
        write_only: vec![],
        depends_on: BTreeSet::new(),
        managed: true,
        ignore: Vec::new(),
    };
    let m = DurationModel::new();
    assert_eq!(
        m.estimate_resource(&apim("Developer"), Action::Create),
        Some(Duration::from_secs(2400))
    );
    assert_eq!(
        m.estimate_resource(&apim("Consumption"), Action::Create),
        Some(Duration::from_secs(90))
    );
}

#[test]
fn the_redactor_learns_the_sensitive_values_of_desired_resources() {
    use azlift::kinds::ResourceKind;
    use azlift::resource::DesiredResource;
    let desired = DesiredResource {
        address: addr("apim.logger"),
        kind: ResourceKind::ApimLogger,
        arm_type: "Microsoft.ApiManagement/service/loggers".into(),
        api_version: "2024-05-01".into(),
        id: "/x".into(),
        name: "appinsights-logger".into(),
        body: serde_json::json!({"properties": {"credentials": {"instrumentationKey": "ikey-0000-1111"}, "loggerType": "applicationInsights"}}),
        pending: vec![],
        sensitive: vec![
            "/properties/credentials/instrumentationKey".into(),
            "/missing".into(),
        ],
        write_only: vec![],
        depends_on: BTreeSet::new(),
        managed: true,
        ignore: Vec::new(),
    };
    let r = Redactor::new();
    r.learn_desired(&desired);
    assert_eq!(r.len(), 1);
    assert_eq!(r.redact("key=ikey-0000-1111;"), format!("key={SENSITIVE};"));
    assert_eq!(r.redact("applicationInsights"), "applicationInsights");
}

#[test]
fn the_sink_follows_output_format_colour_and_terminal() {
    use azlift::ui::{SinkKind, UiChoice};
    let human = UiChoice {
        json: false,
        no_color: false,
    };
    let plain = UiChoice {
        json: false,
        no_color: true,
    };
    let json = UiChoice {
        json: true,
        no_color: false,
    };
    assert_eq!(human.kind(true), SinkKind::Progress);
    assert_eq!(human.kind(false), SinkKind::Lines);
    assert_eq!(plain.kind(true), SinkKind::Lines);
    assert_eq!(json.kind(true), SinkKind::Json);
    assert_eq!(json.kind(false), SinkKind::Json);
}

/// A terminal that records everything drawn on it.
#[derive(Debug, Clone, Default)]
struct RecordingTerm(Arc<Mutex<String>>);

impl RecordingTerm {
    /// What was drawn once `needle` appears (or after 10 s, for the assertion to show).
    fn wait_for(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let drawn = self.0.lock().unwrap().clone();
            if drawn.contains(needle) || std::time::Instant::now() > deadline {
                return drawn;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl indicatif::TermLike for RecordingTerm {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        let mut t = self.0.lock().unwrap();
        t.push_str(s);
        t.push('\n');
        Ok(())
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.lock().unwrap().push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_progress_ui_draws_one_line_per_resource_with_its_eta() {
    let term = RecordingTerm::default();
    let target = indicatif::ProgressDrawTarget::term_like(Box::new(term.clone()));
    let ui = ProgressUi::with_target(target, redactor(), DurationModel::new());
    let events = run_events();
    ui.emit(events[0].clone()); // plan: 4 changes
    assert!(term.wait_for("0/4 changes").contains("0/4 changes"));
    ui.emit(events[1].clone()); // workspace started, eta 12s
    ui.emit(events[4].clone()); // app started, no eta: the model's 55s
    let drawn = term.wait_for("s left");
    assert!(drawn.contains("+ monitoring.workspace creating"), "{drawn}");
    assert!(drawn.contains("~ app.task-api updating"), "{drawn}");
    assert!(drawn.contains("s left"), "{drawn}");
    for e in &events[5..] {
        ui.emit(e.clone());
    }
    ui.emit(events[3].clone());
    std::thread::sleep(Duration::from_millis(200));
    let drawn = term.0.lock().unwrap().clone();
    assert!(
        drawn.contains("+ monitoring.workspace: created in 9.2s"),
        "{drawn}"
    );
    assert!(
        drawn.contains("! app.task-api: failed: ContainerAppSecretInvalid"),
        "{drawn}"
    );
    assert!(drawn.contains("Finished with errors in 1m01s"), "{drawn}");
    assert!(
        !drawn.contains(SECRET) && !drawn.contains("InstrumentationKey"),
        "{drawn}"
    );
    assert_eq!(ui.in_flight(), 0);
}
