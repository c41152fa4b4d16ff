//! `azlift graph`: the dependency graph of the rendered resources as Graphviz DOT or Mermaid.

use std::process::ExitCode;

use azlift::graph::DependencyGraph;
use clap::{Args, ValueEnum};

use super::render::render_project;
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
}

pub fn run(args: GraphArgs, global: &GlobalArgs) -> CmdResult {
    let resources = render_project(global)?;
    let graph = DependencyGraph::build(&resources)?;
    match args.format {
        GraphFormat::Dot => print!("{}", graph.to_dot()),
        GraphFormat::Mermaid => print!("{}", graph.to_mermaid()),
    }
    Ok(ExitCode::SUCCESS)
}
