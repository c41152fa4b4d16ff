//! `azlift graph`: the dependency graph of the rendered resources as Graphviz DOT or Mermaid;
//! with `--plan FILE`, a Mermaid picture of a saved plan (each resource coloured by its
//! action), drawn without any ARM request.

use std::path::PathBuf;
use std::process::ExitCode;

use azlift::graph::DependencyGraph;
use clap::{Args, ValueEnum};
use miette::miette;

use super::render::{load_project, render_project};
use super::verify::read_saved_plan;
use super::{CmdResult, GlobalArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Drawing format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Colour each resource by what this saved plan (`azlift plan --out FILE`) does to it
    /// (Mermaid only).
    #[arg(long, value_name = "PLANFILE")]
    pub plan: Option<PathBuf>,
}

pub fn run(args: GraphArgs, global: &GlobalArgs) -> CmdResult {
    let resources = render_project(global)?;
    let graph = DependencyGraph::build(&resources)?;
    match (args.format, &args.plan) {
        (GraphFormat::Dot, None) => print!("{}", graph.to_dot()),
        (GraphFormat::Mermaid, None) => print!("{}", graph.to_mermaid()),
        (GraphFormat::Mermaid, Some(path)) => {
            let saved = read_saved_plan(path, &load_project(global)?.model)?;
            print!("{}", graph.to_mermaid_plan(&saved.plan));
        }
        (GraphFormat::Dot, Some(_)) => {
            return Err(miette!(
                code = "azlift::graph::plan_format",
                help = "add `--format mermaid`",
                "`--plan` draws a Mermaid picture only"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
