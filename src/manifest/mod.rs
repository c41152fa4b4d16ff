//! manifest: azlift.toml text -> spanned document -> validated `Model`, with miette diagnostics.
//!
//! The steps, in order: parse the TOML keeping spans (every syntax error of the file is
//! reported); take out `[env.NAME]` blocks and merge the selected one over the rest; resolve
//! `[variables]` (`--var`, `AZLIFT_VAR_<NAME>`, defaults); substitute `${var.X}`/`${env.X}`;
//! read each section into the [`Model`], collecting every error. Environments that are not
//! selected are checked too, and their errors reported, so a typo in `[env.prod]` shows up
//! while working on dev.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use toml::de::DeTable;

use crate::model::Model;

pub mod diagnostic;
mod duplicate_ids;
pub mod files;
mod names;
mod node;
mod reader;
pub mod schema;
mod sections;
mod vars;

pub use diagnostic::{Diagnostic, ManifestErrors, code};
pub use duplicate_ids::check_duplicate_ids;
pub use names::normalize_location;

use diagnostic::Diags;
use node::{Node, Span, Value};

/// Where variables and the environment selection come from. `process_env` is passed in so
/// tests stay hermetic: `AZLIFT_VAR_<NAME>` and `${env.X}` are looked up there only.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-e NAME`: the `[env.NAME]` block to apply.
    pub env: Option<String>,
    /// `--var NAME=VALUE`, in order (a later one wins).
    pub vars: Vec<(String, String)>,
    pub process_env: BTreeMap<String, String>,
    /// For commands that need only `[project]` and `[state]` (`state ...`, `output`,
    /// `pipeline init`): only those two sections are evaluated, and a variable or `${env.X}`
    /// without a value is not an error (it is left empty), so a secret only CI sets does not
    /// stop `state list`. The model's other sections are left empty: never set this for
    /// commands that render resources.
    pub lenient_values: bool,
}

/// A `--var` flag that is not `NAME=VALUE`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`--var {0}` is not NAME=VALUE")]
#[diagnostic(
    code(azlift::manifest::bad_var_flag),
    help("write `--var alert_email=ops@example.com`")
)]
pub struct VarFlagError(String);

/// Split one `--var NAME=VALUE` flag.
pub fn parse_var_flag(flag: &str) -> Result<(String, String), VarFlagError> {
    match flag.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => {
            // Never echo what may be a secret value: show the name part only.
            let shown = flag.split('=').next().unwrap_or_default().to_string();
            Err(VarFlagError(shown))
        }
    }
}

impl LoadOptions {
    /// Options with the real process environment.
    pub fn from_process(env: Option<String>, vars: Vec<(String, String)>) -> Self {
        LoadOptions {
            env,
            vars,
            process_env: std::env::vars().collect(),
            lenient_values: false,
        }
    }

    /// Options from the command line's `-e` and raw `--var NAME=VALUE` flags, with the real
    /// process environment.
    pub fn from_flags(env: Option<String>, vars: &[String]) -> Result<Self, VarFlagError> {
        let vars = vars
            .iter()
            .map(|v| parse_var_flag(v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_process(env, vars))
    }
}

/// A validated manifest.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub model: Model,
    pub warnings: Vec<Diagnostic>,
    /// Every secret value in the model (secret variables, app secrets), so outputs can be
    /// scanned and redacted. Never print these.
    pub secrets: Vec<String>,
}

/// Read and validate the manifest at `path`. Template paths of custom resources are relative
/// to its folder.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, ManifestErrors> {
    let file = path.display().to_string();
    let text = match files::read_regular(path, files::MAX_MANIFEST_BYTES) {
        Ok(t) => t,
        Err(err) => {
            let mut d = Diags::new(&file, Arc::from(""));
            let help = match err {
                files::FileError::Io(_) => {
                    "run `azlift init` to write a starter azlift.toml, or pass `-f PATH`"
                }
                _ => "pass `-f` the path of a manifest file",
            };
            d.error(
                diagnostic::code::IO,
                None,
                format!("cannot read the manifest `{file}`: {err}"),
                Some(help.into()),
            );
            let (file, errors, warnings) = d.finish();
            return Err(ManifestErrors::new(file, errors, warnings));
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    parse_str(&file, &text, base, opts)
}

/// Validate manifest text. `file_name` is used in diagnostics; `base_dir` resolves template
/// paths.
pub fn parse_str(
    file_name: &str,
    text: &str,
    base_dir: &Path,
    opts: &LoadOptions,
) -> Result<Loaded, ManifestErrors> {
    let source: Arc<str> = Arc::from(text);
    let mut d = Diags::new(file_name, source.clone());
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for err in syntax {
            let message = err.message().trim().to_string();
            d.error(
                diagnostic::code::SYNTAX,
                err.span(),
                format!("TOML syntax: {message}"),
                Some("see https://toml.io for the syntax".into()),
            );
        }
        return Err(finish(d));
    }
    let mut root = node::from_document(&doc, &mut d);
    drop(doc);
    if d.has_errors() {
        return Err(finish(d));
    }
    let envs = take_envs(&mut root, &mut d);
    let selected = opts.env.clone();
    let chosen = match &selected {
        Some(name) => match envs.iter().find(|e| &e.name == name) {
            Some(e) => Some(e),
            None if name == "default" => None,
            None => {
                let defined: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
                let help =
                    diagnostic::did_you_mean(name, defined.iter().copied()).unwrap_or_else(|| {
                        if defined.is_empty() {
                            format!("add an `[env.{name}]` table (it may be empty)")
                        } else {
                            format!("environments in the manifest: {}", defined.join(", "))
                        }
                    });
                d.error(
                    diagnostic::code::UNKNOWN_ENVIRONMENT,
                    None,
                    format!("environment `{name}` is not defined in the manifest"),
                    Some(help),
                );
                None
            }
        },
        None => None,
    };
    let env_name = chosen
        .map(|e| e.name.clone())
        .unwrap_or_else(|| "default".into());
    let (model, secrets) = evaluate(&root, chosen, &env_name, base_dir, opts, &mut d);
    let mut every_secret = secrets.clone();

    // Check the environments not selected, keeping only what is wrong inside them.
    for other in envs
        .iter()
        .filter(|e| Some(e.name.as_str()) != chosen.map(|c| c.name.as_str()))
    {
        let mut od = Diags::new(file_name, source.clone());
        let (_, other_secrets) = evaluate(&root, Some(other), &other.name, base_dir, opts, &mut od);
        every_secret.extend(other_secrets);
        for err in od.errors {
            let inside = err.span().is_some_and(|s| {
                other
                    .spans
                    .iter()
                    .any(|r| r.start <= s.start && s.end <= r.end)
            });
            let var_problem = matches!(
                err.code,
                diagnostic::code::MISSING_VARIABLE
                    | diagnostic::code::UNKNOWN_VARIABLE
                    | diagnostic::code::MISSING_ENV_VAR
            );
            if inside && !var_problem {
                d.errors.push(err);
            }
        }
    }

    if opts.lenient_values {
        // The caller reads structure only ([project], [state]): values it will never use may
        // be missing (a secret variable only CI sets); an empty value stands in for them.
        d.errors.retain(|e| {
            !matches!(
                e.code,
                diagnostic::code::MISSING_VARIABLE | diagnostic::code::MISSING_ENV_VAR
            )
        });
    }
    // No secret value in any message or in the text shown around it, nor in anything the
    // process prints later.
    d.redact(&every_secret);
    let process = crate::events::Redactor::process();
    for secret in &every_secret {
        process.add(secret.clone());
    }
    if d.has_errors() {
        return Err(finish(d));
    }
    let (_, _, warnings) = d.finish();
    Ok(Loaded {
        model,
        warnings,
        secrets,
    })
}

fn finish(d: Diags) -> ManifestErrors {
    let (file, errors, warnings) = d.finish();
    ManifestErrors::new(file, errors, warnings)
}

/// Most `[env.NAME]` blocks a manifest may have (each is evaluated in full).
pub const MAX_ENVIRONMENTS: usize = 64;

/// One `[env.NAME]` block.
struct EnvBlock {
    name: String,
    production: bool,
    overrides: Node,
    /// Every span inside the block, to tell which diagnostics belong to it.
    spans: Vec<Span>,
}

fn take_envs(root: &mut Node, d: &mut Diags) -> Vec<EnvBlock> {
    let mut out = Vec::new();
    let Value::Table(t) = &mut root.value else {
        return out;
    };
    let Some(entry) = t.remove("env") else {
        return out;
    };
    let Value::Table(envs) = entry.node.value else {
        d.error(
            diagnostic::code::WRONG_TYPE,
            Some(entry.node.span.clone()),
            format!("`env` must be a table of environments, found {}", entry.node.value.type_name()),
            Some("write `[env.dev]` followed by overrides such as `app.task-api.replicas = { min = 0, max = 1 }`".into()),
        );
        return out;
    };
    if envs.entries.len() > MAX_ENVIRONMENTS {
        d.error(
            diagnostic::code::LIMIT,
            Some(entry.key_span.clone()),
            format!(
                "the manifest defines {} environments; at most {MAX_ENVIRONMENTS} are allowed",
                envs.entries.len()
            ),
            None,
        );
        return out;
    }
    for e in envs.entries {
        if let Err(why) = names::manifest_key(&e.key) {
            d.error(
                diagnostic::code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("environment name `{}` {why}", e.key),
                None,
            );
        }
        let mut overrides = e.node;
        let mut production = false;
        let mut spans = Vec::new();
        overrides.collect_spans(&mut spans);
        spans.push(e.key_span.clone());
        match &mut overrides.value {
            Value::Table(ot) => {
                if let Some(p) = ot.remove("production") {
                    match p.node.value {
                        Value::Bool(b) => production = b,
                        ref other => d.error(
                            diagnostic::code::WRONG_TYPE,
                            Some(p.node.span.clone()),
                            format!(
                                "`env.{}.production` must be a boolean, found {}",
                                e.key,
                                other.type_name()
                            ),
                            None,
                        ),
                    }
                }
                if let Some(v) = ot.entries.iter().find(|x| x.key == "env") {
                    d.error(
                        diagnostic::code::UNKNOWN_KEY,
                        Some(v.key_span.clone()),
                        format!("environments cannot be nested (`env.{}.env`)", e.key),
                        None,
                    );
                }
                ot.entries.retain(|x| x.key != "env");
            }
            other => {
                d.error(
                    diagnostic::code::WRONG_TYPE,
                    Some(overrides.span.clone()),
                    format!(
                        "`env.{}` must be a table of overrides, found {}",
                        e.key,
                        other.type_name()
                    ),
                    None,
                );
                continue;
            }
        }
        out.push(EnvBlock {
            name: e.key,
            production,
            overrides,
            spans,
        });
    }
    out
}

/// Merge an environment over the base, resolve variables, interpolate, build the model.
fn evaluate(
    root: &Node,
    env: Option<&EnvBlock>,
    env_name: &str,
    base_dir: &Path,
    opts: &LoadOptions,
    d: &mut Diags,
) -> (Model, Vec<String>) {
    let mut merged = root.clone();
    if let Some(e) = env {
        node::merge(&mut merged, &e.overrides);
    }
    let variables = match &mut merged.value {
        Value::Table(t) => t.remove("variables"),
        _ => None,
    };
    let vars = vars::resolve(
        variables.as_ref().map(|e| (&e.key_span, &e.node)),
        &opts.vars,
        &opts.process_env,
        d,
    );
    if opts.lenient_values {
        // A structure-only read: just [project] and [state] are evaluated.
        if let Value::Table(t) = &mut merged.value {
            t.entries
                .retain(|e| matches!(e.key.as_str(), "project" | "state"));
        }
    }
    vars::interpolate(&mut merged, &vars, &opts.process_env, d);
    let mut ctx = sections::Ctx {
        d,
        base_dir,
        project_name: "project".into(),
        project_span: 0..0,
        name_stem: "project".into(),
        secrets: Vec::new(),
        ignore: Default::default(),
    };
    let model = sections::build(
        &merged,
        env_name,
        env.is_some_and(|e| e.production),
        &mut ctx,
    );
    let mut secrets = ctx.secrets;
    secrets.extend(
        vars.values()
            .filter(|v| v.secret)
            .filter_map(|v| v.value.clone()),
    );
    secrets.retain(|s| !s.is_empty());
    secrets.sort();
    secrets.dedup();
    (model, secrets)
}

#[cfg(test)]
mod tests;
