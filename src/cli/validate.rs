//! `azlift validate`: parse and check the manifest, render every template and check the
//! dependency graph; print every diagnostic with `file:line:col` (human) or one JSON
//! document (`--output json`); exit 1 when invalid.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde_json::json;

use azlift::graph::DependencyGraph;
use azlift::manifest::{self, Diagnostic, LoadOptions, Loaded};
use azlift::model::ApimService;
use azlift::render::render;

use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct ValidateArgs {}

fn to_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "code": d.code,
        "message": d.message,
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "help": d.help,
    })
}

fn handler(global: &GlobalArgs) -> GraphicalReportHandler {
    let plain = global.no_color
        || std::env::var_os("NO_COLOR").is_some()
        || !std::io::stderr().is_terminal();
    let theme = if plain {
        GraphicalTheme::unicode_nocolor()
    } else {
        GraphicalTheme::unicode()
    };
    GraphicalReportHandler::new_themed(theme)
}

fn print_human(kind: &str, d: &Diagnostic, handler: &GraphicalReportHandler) {
    eprintln!("{}: {kind}[{}]: {}", d.location(), d.code, d.message);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_ok() {
        eprintln!("{out}");
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary(loaded: &Loaded, file: &str) -> String {
    let m = &loaded.model;
    let apim = match &m.apim {
        Some(a) => match &a.service {
            ApimService::Managed { sku, .. } => format!(", APIM ({sku})"),
            ApimService::Existing { .. } => ", APIM (existing)".to_string(),
        },
        None => String::new(),
    };
    format!(
        "{file} is valid: project {} in {} (environment {}): {}, {}, {}{}{}, {}",
        m.project.name,
        m.project.location,
        m.project.environment,
        count(m.apps.len(), "app", "apps"),
        count(m.alerts.len(), "alert", "alerts"),
        count(m.action_groups.len(), "action group", "action groups"),
        if m.monitoring.is_some() {
            ", monitoring"
        } else {
            ""
        },
        apim,
        count(m.custom.len(), "custom resource", "custom resources"),
    )
}

pub fn run(_args: ValidateArgs, global: &GlobalArgs) -> CmdResult {
    let file = global.manifest.display().to_string();
    let json_out = global.output == OutputFormat::Json;
    let opts = match LoadOptions::from_flags(global.env.clone(), &global.vars) {
        Ok(o) => o,
        Err(e) if json_out => {
            let doc = json!({
                "valid": false,
                "errors": [{"code": "azlift::manifest::bad_var_flag", "message": e.to_string(),
                            "file": null, "line": null, "column": null,
                            "help": "write `--var NAME=VALUE`"}],
                "warnings": [],
            });
            println!("{doc}");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    let handler = handler(global);
    let checked = manifest::load(&global.manifest, &opts).and_then(|loaded| {
        // Ids are known once rendered; a project that does not render yet is `plan`'s to
        // report (with the template's own error).
        let rendered = super::render::render_context(global)
            .ok()
            .and_then(|ctx| azlift::render::render(&loaded.model, &ctx).ok());
        if let Some(rendered) = rendered {
            azlift::ops::check_ids(&global.manifest, &rendered)?;
        }
        Ok(loaded)
    });
    match checked {
        Ok(loaded) => {
            let problems = render_problems(&loaded, global)?;
            if !problems.is_empty() {
                report_render_problems(&file, &problems, &loaded.warnings, global, &handler);
                return Ok(ExitCode::FAILURE);
            }
            if json_out {
                let doc = json!({
                    "valid": true,
                    "errors": [],
                    "warnings": loaded.warnings.iter().map(to_json).collect::<Vec<_>>(),
                });
                println!("{doc}");
            } else {
                for w in &loaded.warnings {
                    print_human("warning", w, &handler);
                }
                println!("{}", summary(&loaded, &file));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            if json_out {
                let doc = json!({
                    "valid": false,
                    "errors": errors.errors().iter().map(to_json).collect::<Vec<_>>(),
                    "warnings": errors.warnings().iter().map(to_json).collect::<Vec<_>>(),
                    "omitted_errors": errors.omitted_errors(),
                    "omitted_warnings": errors.omitted_warnings(),
                });
                println!("{doc}");
            } else {
                for e in errors.errors() {
                    print_human("error", e, &handler);
                }
                if errors.omitted_errors() > 0 {
                    eprintln!(
                        "… and {}",
                        count(errors.omitted_errors(), "more error", "more errors")
                    );
                }
                for w in errors.warnings() {
                    print_human("warning", w, &handler);
                }
                if errors.omitted_warnings() > 0 {
                    eprintln!(
                        "… and {}",
                        count(errors.omitted_warnings(), "more warning", "more warnings")
                    );
                }
                let shown = azlift::text::escape_controls(&file);
                let total = errors.errors().len() + errors.omitted_errors();
                eprintln!(
                    "{shown}: {} found; nothing was changed",
                    count(total, "error", "errors")
                );
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Every problem of the rendered project: each template that fails (all of them, not the
/// first), then, when all render, the dependency graph's (a cycle, a missing address).
fn render_problems(
    loaded: &Loaded,
    global: &GlobalArgs,
) -> miette::Result<Vec<Box<dyn miette::Diagnostic + Send + Sync>>> {
    let ctx = super::render::render_context(global)?;
    let problems: Vec<Box<dyn miette::Diagnostic + Send + Sync>> = match render(&loaded.model, &ctx)
    {
        Err(e) => e
            .into_list()
            .into_iter()
            .map(|e| Box::new(e) as Box<dyn miette::Diagnostic + Send + Sync>)
            .collect(),
        Ok(resources) => match DependencyGraph::from_resources(resources) {
            Ok(_) => Vec::new(),
            Err(e) => vec![Box::new(e)],
        },
    };
    Ok(problems)
}

fn report_render_problems(
    file: &str,
    problems: &[Box<dyn miette::Diagnostic + Send + Sync>],
    warnings: &[Diagnostic],
    global: &GlobalArgs,
    handler: &GraphicalReportHandler,
) {
    let code = |p: &dyn miette::Diagnostic| p.code().map(|c| c.to_string()).unwrap_or_default();
    if global.output == OutputFormat::Json {
        let errors: Vec<serde_json::Value> = problems
            .iter()
            .map(|p| {
                json!({
                    "code": code(p.as_ref()),
                    "message": p.to_string(),
                    "file": null,
                    "line": null,
                    "column": null,
                    "help": p.help().map(|h| h.to_string()),
                })
            })
            .collect();
        let doc = json!({
            "valid": false,
            "errors": errors,
            "warnings": warnings.iter().map(to_json).collect::<Vec<_>>(),
        });
        println!("{doc}");
        return;
    }
    for p in problems {
        eprintln!("{file}: error[{}]: {p}", code(p.as_ref()));
        let mut out = String::new();
        if handler.render_report(&mut out, p.as_ref()).is_ok() {
            eprintln!("{out}");
        }
    }
    for w in warnings {
        print_human("warning", w, handler);
    }
    eprintln!(
        "{file}: {} found; nothing was changed",
        count(problems.len(), "error", "errors")
    );
}
