//! `azlift init`: write a starter `azlift.toml` from the embedded template, checked by the
//! manifest validator before it is written, never overwriting without `--force`; its first
//! line is `#:schema ./azlift.schema.json`, written beside it for editors.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use azlift::manifest::{self, LoadOptions};

use super::{CmdResult, GlobalArgs};

/// The schema file `init` writes beside the manifest (`azlift schema` prints it).
const SCHEMA_FILE: &str = "azlift.schema.json";

/// The starter manifest; `__NAME__` is replaced by the project name.
const TEMPLATE: &str = include_str!("../../templates/init/azlift.toml");

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing manifest.
    #[arg(long)]
    pub force: bool,
    /// Project name (default: derived from the current folder's name).
    #[arg(long)]
    pub name: Option<String>,
}

/// A project name from a folder name: lower case, hyphens for anything else.
fn name_from_folder(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut name: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-').chars().take(40).collect::<String>();
    let name = name.trim_end_matches('-').to_string();
    if name.len() < 2 || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        "my-project".to_string()
    } else {
        name
    }
}

pub fn run(args: InitArgs, global: &GlobalArgs) -> CmdResult {
    let path = &global.manifest;
    if path.exists() && !args.force {
        return Err(miette::miette!(
            code = "azlift::init::exists",
            help = "pass --force to overwrite it, or -f PATH to write elsewhere",
            "{} already exists",
            path.display()
        ));
    }
    let name = match args.name {
        Some(n) => n,
        None => std::env::current_dir()
            .map(|d| name_from_folder(&d))
            .unwrap_or_else(|_| "my-project".into()),
    };
    // The first line points TOML language servers (Taplo / Even Better TOML) at the schema
    // written beside the manifest.
    let text = format!(
        "#:schema ./{SCHEMA_FILE}\n{}",
        TEMPLATE.replace("__NAME__", &name)
    );
    let base = path.parent().unwrap_or(Path::new("."));
    let opts = LoadOptions::default();
    if let Err(errors) = manifest::parse_str(&path.display().to_string(), &text, base, &opts) {
        return Err(miette::Report::new(errors)
            .wrap_err(format!("`{name}` cannot be used as a project name")));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| miette::miette!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text)
        .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
    let schema_path = base.join(SCHEMA_FILE);
    std::fs::write(&schema_path, super::schema::text()?)
        .map_err(|e| miette::miette!("cannot write {}: {e}", schema_path.display()))?;
    let project_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let ignored = azlift::ops::ensure_gitignore(project_dir).map_err(|e| {
        miette::miette!(
            "cannot update {}: {e}",
            project_dir.join(".gitignore").display()
        )
    })?;
    println!(
        "Wrote {} for project `{name}` (and {SCHEMA_FILE} for editors){}. Next: `azlift validate`, then `azlift plan`.",
        path.display(),
        if ignored {
            " and listed `.azlift/` (local state and cloud) in .gitignore"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_project_names() {
        assert_eq!(
            name_from_folder(Path::new("/x/My Project_2")),
            "my-project-2"
        );
        assert_eq!(name_from_folder(Path::new("/x/42")), "my-project");
        assert_eq!(name_from_folder(Path::new("/")), "my-project");
    }
}
