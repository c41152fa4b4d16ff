//! azlift under hostile input (issue 15): a table of manifests, templates and files a pull
//! request could bring. Each one runs the real binary under a timeout enforced by the harness
//! (a hang is a failure, never a slow pass) and must exit non-zero, without a panic, with a
//! bounded amount of output free of raw terminal control characters, saying what is wrong —
//! at `azlift.toml:LINE:COL` where the problem has a place in the manifest.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Project, Run};

/// Every case ends well within this (they take milliseconds); only a hang reaches it.
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes of output (stdout + stderr) one refused input may print.
const MAX_OUTPUT: usize = 64 * 1024;

const BASE: &str = "[project]\nname = \"hostile\"\nlocation = \"eastus\"\n";

/// A custom resource `r` whose template is `t.json`, appended to [`BASE`].
const CUSTOM: &str = "[project]\nname = \"hostile\"\nlocation = \"eastus\"\n\n[resource.r]\ntemplate = \"t.json\"\nvalues = { }\n";

/// What a case puts in the project folder besides the manifest.
#[derive(Clone)]
enum Setup {
    None,
    /// `t.json` with this text.
    Template(String),
    /// A symlink in the project folder pointing at `target`.
    Symlink(&'static str, &'static str),
    /// A FIFO in the project folder (no writer: reading it blocks for ever).
    Fifo(&'static str),
    /// A folder in the project.
    Dir(&'static str),
    /// The manifest replaced by these raw bytes.
    RawManifest(Vec<u8>),
}

struct Case {
    name: &'static str,
    manifest: String,
    setup: Setup,
    args: &'static [&'static str],
    /// Must appear in the flattened output.
    expect: &'static str,
    /// `LINE:COL` in the manifest, when the problem has a place there.
    at: Option<&'static str>,
}

fn case(
    name: &'static str,
    manifest: impl Into<String>,
    setup: Setup,
    args: &'static [&'static str],
    expect: &'static str,
    at: Option<&'static str>,
) -> Case {
    Case {
        name,
        manifest: manifest.into(),
        setup,
        args,
        expect,
        at,
    }
}

/// A custom resource whose template renders `type`, `apiVersion` and `name` as given.
fn head(arm_type: &str, api: &str, name: &str) -> Setup {
    Setup::Template(format!(
        "{{ \"type\": {}, \"apiVersion\": {}, \"name\": {}, \"properties\": {{}} }}",
        serde_json::Value::from(arm_type),
        serde_json::Value::from(api),
        serde_json::Value::from(name)
    ))
}

const VALIDATE: &[&str] = &["validate"];
const RENDER: &[&str] = &["render"];

fn cases() -> Vec<Case> {
    let mut v = vec![
        // --- manifest text: control characters, sizes, nesting, counts ---
        case(
            "unknown key with a terminal escape",
            format!("{BASE}\"\\u001b[31mred\" = 1\n"),
            Setup::None,
            VALIDATE,
            "\\u{1b}[31mred",
            Some("4:1"),
        ),
        case(
            "unknown key with a bidi override",
            format!("{BASE}\"a\\u202Eb\" = 1\n"),
            Setup::None,
            VALIDATE,
            "\\u{202e}",
            Some("4:1"),
        ),
        case(
            "project name with an escape",
            "[project]\nname = \"x\\u001b]0;owned\\u0007\"\nlocation = \"eastus\"\n",
            Setup::None,
            VALIDATE,
            "\\u{1b}]0;owned\\u{7}",
            Some("2:8"),
        ),
        case(
            "a 1.5 MB project name",
            format!(
                "[project]\nname = \"{}\"\nlocation = \"eastus\"\n",
                "a".repeat(1_500_000)
            ),
            Setup::None,
            VALIDATE,
            "project name",
            Some("2:8"),
        ),
        case(
            "a manifest over the size cap",
            format!("{BASE}# {}\n", "x".repeat(3 * 1024 * 1024)),
            Setup::None,
            VALIDATE,
            "larger than 2097152 bytes",
            None,
        ),
        case(
            "a manifest that is /dev/zero",
            BASE,
            Setup::Symlink("azlift.toml", "/dev/zero"),
            VALIDATE,
            "not a regular file",
            None,
        ),
        case(
            "a manifest that is a FIFO",
            BASE,
            Setup::Fifo("azlift.toml"),
            VALIDATE,
            "not a regular file",
            None,
        ),
        case(
            "a manifest that is a folder",
            BASE,
            Setup::Dir("azlift.toml"),
            VALIDATE,
            "not a regular file",
            None,
        ),
        case(
            "a manifest that is /proc/self/environ",
            BASE,
            Setup::Symlink("azlift.toml", "/proc/self/environ"),
            VALIDATE,
            "cannot read the manifest",
            None,
        ),
        case(
            "a manifest that is not UTF-8",
            BASE,
            Setup::RawManifest(b"[project]\nname = \"\xff\xfe\"\n".to_vec()),
            VALIDATE,
            "not UTF-8",
            None,
        ),
        case(
            "a raw escape byte in the file",
            BASE,
            Setup::RawManifest(b"[project]\nname = \"a\x1b[2Jb\"\nlocation = \"eastus\"\n".to_vec()),
            VALIDATE,
            "TOML syntax",
            Some("2:"),
        ),
        case(
            "a raw NUL byte in the file",
            BASE,
            Setup::RawManifest(b"[project]\nname = \"a\x00b\"\nlocation = \"eastus\"\n".to_vec()),
            VALIDATE,
            "TOML syntax",
            Some("2:"),
        ),
        case(
            "arrays nested 200 deep",
            format!("{BASE}x = {}1{}\n", "[".repeat(200), "]".repeat(200)),
            Setup::None,
            VALIDATE,
            "error",
            Some("4:"),
        ),
        case(
            "a dotted key 2,000 levels deep",
            format!("{BASE}{} = 1\n", vec!["a"; 2000].join(".")),
            Setup::None,
            VALIDATE,
            // The TOML parser's own limit; it gives no position.
            "recursion limit",
            None,
        ),
        case(
            "a dotted key 40 levels deep",
            format!("{BASE}{} = 1\n", vec!["a"; 40].join(".")),
            Setup::None,
            VALIDATE,
            "more than 32 levels deep",
            Some("4:"),
        ),
        case(
            "inline tables 40 deep",
            format!("{BASE}x = {}1{}\n", "{ a = ".repeat(40), " }".repeat(40)),
            Setup::None,
            VALIDATE,
            "error",
            Some("4:"),
        ),
        case(
            "20,000 unknown keys",
            format!(
                "{BASE}{}",
                (0..20_000)
                    .map(|i| format!("unknown_{i} = {i}\n"))
                    .collect::<String>()
            ),
            Setup::None,
            VALIDATE,
            "and 19950 more errors",
            Some("4:1"),
        ),
        case(
            "100 environments",
            format!(
                "{BASE}{}",
                (0..100).map(|i| format!("[env.e{i}]\n")).collect::<String>()
            ),
            Setup::None,
            VALIDATE,
            "at most 64",
            Some("4:"),
        ),
        case(
            "an empty location",
            "[project]\nname = \"hostile\"\nlocation = \"\"\n",
            Setup::None,
            VALIDATE,
            "location",
            Some("3:12"),
        ),
        case(
            "a NUL in the location",
            "[project]\nname = \"hostile\"\nlocation = \"east\\u0000us\"\n",
            Setup::None,
            VALIDATE,
            "\\u{0}",
            Some("3:12"),
        ),
        case(
            "a path in the location",
            "[project]\nname = \"hostile\"\nlocation = \"../../x\"\n",
            Setup::None,
            VALIDATE,
            "location",
            Some("3:12"),
        ),
        case(
            "a slash in the location",
            "[project]\nname = \"hostile\"\nlocation = \"east/us\"\n",
            Setup::None,
            VALIDATE,
            "found `/`",
            Some("3:12"),
        ),
        case(
            "a resource group with a traversal",
            format!("{BASE}resource_group = \"../rg-victim\"\n"),
            Setup::None,
            VALIDATE,
            "resource group",
            Some("4:"),
        ),
        case(
            "a resource key with a traversal",
            format!("{BASE}\n[resource.\"../x\"]\ntemplate = \"t.json\"\n"),
            Setup::Template("{}".into()),
            VALIDATE,
            "resource key",
            Some("5:"),
        ),
        case(
            "an environment named with a traversal",
            format!("{BASE}\n[env.\"../x\"]\n"),
            Setup::None,
            VALIDATE,
            "environment name",
            Some("5:"),
        ),
        case(
            "an integer past 64 bits",
            format!("{BASE}x = 99999999999999999999\n"),
            Setup::None,
            VALIDATE,
            "error",
            Some("4:"),
        ),
        case(
            "a depends_on traversal",
            format!("{CUSTOM}depends_on = [\"resource.../x\"]\n"),
            Setup::Template("{}".into()),
            VALIDATE,
            "not in the project",
            Some("8:"),
        ),
        // --- template files: confinement, kinds of file, size ---
        case(
            "template /etc/passwd",
            CUSTOM.replace("t.json", "/etc/passwd"),
            Setup::None,
            VALIDATE,
            "absolute path",
            Some("6:12"),
        ),
        case(
            "template /proc/self/environ",
            CUSTOM.replace("t.json", "/proc/self/environ"),
            Setup::None,
            VALIDATE,
            "absolute path",
            Some("6:12"),
        ),
        case(
            "template /dev/zero",
            CUSTOM.replace("t.json", "/dev/zero"),
            Setup::None,
            VALIDATE,
            "absolute path",
            Some("6:12"),
        ),
        case(
            "template out of the folder",
            CUSTOM.replace("t.json", "../../../../../../etc/passwd"),
            Setup::None,
            VALIDATE,
            "outside the project folder",
            Some("6:12"),
        ),
        case(
            "template up and back in is still out",
            CUSTOM.replace("t.json", "../x/../../etc/hostname"),
            Setup::None,
            VALIDATE,
            "template",
            Some("6:12"),
        ),
        case(
            "template symlinked out of the project",
            CUSTOM.to_string(),
            Setup::Symlink("t.json", "/etc/passwd"),
            VALIDATE,
            "outside the project folder",
            Some("6:12"),
        ),
        case(
            "template that is a FIFO",
            CUSTOM.to_string(),
            Setup::Fifo("t.json"),
            VALIDATE,
            "not a regular file",
            Some("6:12"),
        ),
        case(
            "template that is a folder",
            CUSTOM.to_string(),
            Setup::Dir("t.json"),
            VALIDATE,
            "not a regular file",
            Some("6:12"),
        ),
        case(
            "template that is the project folder",
            CUSTOM.replace("t.json", "."),
            Setup::None,
            VALIDATE,
            "not a regular file",
            Some("6:12"),
        ),
        case(
            "template over the size cap",
            CUSTOM.to_string(),
            Setup::Template(format!("{{\"x\": \"{}\"}}", "a".repeat(2 * 1024 * 1024))),
            VALIDATE,
            "larger than",
            Some("6:12"),
        ),
        case(
            "template path with a NUL",
            CUSTOM.replace("t.json", "t.json\\u0000"),
            Setup::None,
            VALIDATE,
            "cannot read template",
            Some("6:12"),
        ),
        case(
            "override template symlinked out",
            BASE,
            Setup::Symlink("templates/resources/resource_group.json", "/etc/passwd"),
            RENDER,
            "outside the project folder",
            None,
        ),
        case(
            "override template that is a FIFO",
            BASE,
            Setup::Fifo("templates/resources/resource_group.json"),
            RENDER,
            "not a regular file",
            None,
        ),
        // --- the render budget ---
        case(
            "a nested loop of 10^10 steps",
            CUSTOM.to_string(),
            Setup::Template(
                "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{}"
                    .into(),
            ),
            RENDER,
            "fuel",
            None,
        ),
        case(
            "an output of 5 MB",
            CUSTOM.to_string(),
            Setup::Template("{\"x\": {{ \"a\" * 5000000 }} }".into()),
            RENDER,
            "larger than 4194304 bytes",
            None,
        ),
        case(
            "a string of 100 MB and one byte",
            CUSTOM.to_string(),
            Setup::Template("{\"x\": {{ \"a\" * 100000001 }} }".into()),
            RENDER,
            "too large",
            None,
        ),
        case(
            "endless recursion",
            CUSTOM.to_string(),
            Setup::Template("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}".into()),
            RENDER,
            "resource.r",
            None,
        ),
        case(
            "a template syntax error",
            CUSTOM.to_string(),
            Setup::Template("{\n\"x\": {{ \n".into()),
            RENDER,
            "t.json",
            None,
        ),
        case(
            "a template that is not JSON, with an escape",
            CUSTOM.to_string(),
            Setup::Template("{ \"\u{1b}[31m\" }".into()),
            RENDER,
            "does not produce JSON",
            None,
        ),
        case(
            "dependsOn in the template",
            CUSTOM.to_string(),
            Setup::Template(
                "{\"type\": \"Microsoft.Foo/bars\", \"apiVersion\": \"2023-01-01\", \"name\": \"x\", \"dependsOn\": []}"
                    .into(),
            ),
            RENDER,
            "dependsOn",
            None,
        ),
        case(
            "a subscription with a traversal",
            CUSTOM.to_string(),
            head("Microsoft.Foo/bars", "2023-01-01", "x"),
            &["render", "--subscription", "../../x"],
            "subscription",
            None,
        ),
    ];
    // --- ARM ids only from validated segments ---
    let heads: &[(&'static str, &str, &str, &str, &'static str)] = &[
        (
            "a type climbing out",
            "Microsoft.Foo/../..",
            "2023-01-01",
            "x",
            "letters, digits",
        ),
        (
            "a name climbing out",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "../rg-victim",
            "segment",
        ),
        (
            "a name that is ..",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "..",
            "must not contain `..`",
        ),
        (
            "a name that is .",
            "Microsoft.Foo/bars",
            "2023-01-01",
            ".",
            "period",
        ),
        (
            "an encoded slash",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a%2Fb",
            "must not contain `%`",
        ),
        (
            "encoded dots",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "%2e%2e",
            "must not contain `%`",
        ),
        (
            "a backslash",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a\\b",
            "must not contain",
        ),
        (
            "a query in the name",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a?x=1",
            "must not contain `?`",
        ),
        (
            "a fragment in the name",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a#b",
            "must not contain `#`",
        ),
        (
            "a NUL in the name",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a\u{0}b",
            "\\u{0}",
        ),
        (
            "an escape in the name",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a\u{1b}[31mb",
            "\\u{1b}",
        ),
        (
            "a name ending in a period",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "name.",
            "period",
        ),
        (
            "a 300-character name",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "n",
            "longer than 260",
        ),
        (
            "a child name with too many segments",
            "Microsoft.Foo/bars",
            "2023-01-01",
            "a/b",
            "1 segment",
        ),
        (
            "an empty child segment",
            "Microsoft.Foo/bars/bazs",
            "2023-01-01",
            "a/",
            "segment",
        ),
        (
            "a namespace without a dot",
            "microsoft/bars",
            "2023-01-01",
            "x",
            "must be dotted",
        ),
        (
            "a type with a space",
            "Microsoft.Foo/ba rs",
            "2023-01-01",
            "x",
            "letters, digits",
        ),
        (
            "a type with a query",
            "Microsoft.Foo/bars?x=1",
            "2023-01-01",
            "x",
            "letters, digits",
        ),
        (
            "a child type climbing out",
            "Microsoft.Foo/bars/../../x",
            "2023-01-01",
            "a/b/c",
            "letters, digits",
        ),
        (
            "an api-version climbing out",
            "Microsoft.Foo/bars",
            "../../x",
            "x",
            "apiVersion",
        ),
        (
            "an api-version with a query",
            "Microsoft.Foo/bars",
            "2023-01-01&x=1",
            "x",
            "apiVersion",
        ),
        (
            "an api-version that is a word",
            "Microsoft.Foo/bars",
            "latest",
            "x",
            "apiVersion",
        ),
    ];
    for (name, t, api, n, expect) in heads {
        let n = if *name == "a 300-character name" {
            "n".repeat(300)
        } else {
            n.to_string()
        };
        v.push(case(name, CUSTOM, head(t, api, &n), RENDER, expect, None));
    }
    v
}

fn prepare(p: &Project, setup: &Setup) {
    let at = |rel: &str| {
        let path = p.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let _ = std::fs::remove_file(&path);
        path
    };
    match setup {
        Setup::None => {}
        Setup::Template(text) => std::fs::write(at("t.json"), text).unwrap(),
        Setup::Symlink(rel, target) => std::os::unix::fs::symlink(target, at(rel)).unwrap(),
        Setup::Fifo(rel) => mkfifo(&at(rel)),
        Setup::Dir(rel) => std::fs::create_dir_all(at(rel)).unwrap(),
        Setup::RawManifest(bytes) => std::fs::write(&p.manifest, bytes).unwrap(),
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Run `args` in `p` under [`CASE_TIMEOUT`]; a run killed by the timeout has no exit code.
fn run_bounded(p: &Project, args: &[&str]) -> (Option<i32>, Run) {
    let mut cmd = p.command(args, &[]);
    cmd.timeout(CASE_TIMEOUT);
    let out = cmd.output().expect("azlift ran");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        args: args.join(" "),
    };
    (out.status.code(), run)
}

#[test]
fn every_hostile_input_is_refused_quickly_clearly_and_without_a_panic() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let p = Project::from_toml(&c.manifest);
        prepare(&p, &c.setup);
        let (code, run) = run_bounded(&p, c.args);
        let all = run.all();
        let flat = run.flat_all();
        let mut why = Vec::new();
        match code {
            None => why.push(format!("no exit code: killed after {CASE_TIMEOUT:?}?")),
            Some(0) => why.push("exited 0".to_string()),
            Some(_) => {}
        }
        if all.contains("panicked") || all.contains("RUST_BACKTRACE") {
            why.push("panicked".into());
        }
        if all.len() > MAX_OUTPUT {
            why.push(format!("printed {} bytes", all.len()));
        }
        if let Some(b) = all
            .chars()
            .find(|ch| ch.is_control() && !matches!(ch, '\n' | '\t'))
        {
            why.push(format!("printed the control character {:?}", b));
        }
        if !flat.contains(c.expect) {
            why.push(format!("does not say `{}`", c.expect));
        }
        if let Some(at) = c.at {
            let place = format!("azlift.toml:{at}");
            if !flat.contains(&place) {
                why.push(format!("does not point at `{place}`"));
            }
        }
        if !why.is_empty() {
            let shown: String = all.chars().take(2000).collect();
            failures.push(format!(
                "{}: {}\n--- output (first 2000 characters)\n{shown}",
                c.name,
                why.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile inputs were not refused properly:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The issue's attack: a custom resource whose type and name climb out of its provider and
/// group. `up` refuses it before any request: no emulator started, no local cloud written.
#[test]
fn traversal_is_refused_before_any_request() {
    let p = Project::from_toml(CUSTOM);
    prepare(
        &p,
        &head("Microsoft.Foo/../..", "2023-01-01", "../rg-victim"),
    );
    let (code, run) = run_bounded(&p, &["up", "--yes", "-v"]);
    assert_eq!(code, Some(1), "{}", run.all());
    assert!(run.flat_all().contains("resource.r"), "{}", run.all());
    assert!(
        !p.path().join(".azlift").join("local-cloud.json").exists(),
        "nothing may reach the cloud"
    );
    assert!(!run.all().contains("ARM requests"), "{}", run.all());
}
