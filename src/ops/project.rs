//! The project as the engine sees it: the manifest loaded and validated, rendered into desired
//! resources, and checked as a graph. No I/O beyond reading the manifest and its templates.

use std::path::{Path, PathBuf};

use crate::graph::DependencyGraph;
use crate::manifest::{self, LoadOptions, Loaded};
use crate::render::{self, RenderContext, TemplateSet};
use crate::resource::DesiredResource;

use super::OpsError;

/// A loaded, rendered, graph-checked project.
pub struct Project {
    pub manifest: PathBuf,
    /// The manifest's folder (state, templates and the local cloud live beside it).
    pub dir: PathBuf,
    pub loaded: Loaded,
    pub subscription_id: String,
    /// Desired resources in dependency order.
    pub desired: Vec<DesiredResource>,
    pub graph: DependencyGraph,
}

impl Project {
    /// Load `manifest` with `opts`, render it for `subscription_id`.
    pub fn load(
        manifest: &Path,
        opts: &LoadOptions,
        subscription_id: &str,
    ) -> Result<Project, OpsError> {
        let loaded = manifest::load(manifest, opts).map_err(OpsError::Manifest)?;
        let dir = manifest
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let templates = TemplateSet::with_overrides(&dir).map_err(OpsError::Render)?;
        let ctx = RenderContext {
            subscription_id: subscription_id.to_string(),
            templates,
        };
        let rendered = render::render(&loaded.model, &ctx).map_err(OpsError::Render)?;
        let graph = DependencyGraph::build(&rendered).map_err(OpsError::Graph)?;
        let mut desired: Vec<DesiredResource> = graph
            .topological_order()
            .iter()
            .filter_map(|a| graph.get(a).cloned())
            .collect();
        for d in &mut desired {
            mark_secret_values(d, &loaded.secrets);
        }
        Ok(Project {
            manifest: manifest.to_path_buf(),
            dir,
            loaded,
            subscription_id: subscription_id.to_string(),
            desired,
            graph,
        })
    }

    /// The environment name state is kept under.
    pub fn environment(&self) -> &str {
        &self.loaded.model.project.environment
    }
}

/// Mark as sensitive every string of `d`'s body that holds one of the manifest's secret values
/// (a secret variable may reach a custom template that forgot `| sensitive`): plans, saved
/// plans and `render` then show it as `(sensitive)`, never in clear.
fn mark_secret_values(d: &mut DesiredResource, secrets: &[String]) {
    fn walk(v: &serde_json::Value, ptr: String, secrets: &[&String], out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
                out.push(ptr);
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    walk(x, format!("{ptr}/{k}"), secrets, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{ptr}/{i}"), secrets, out);
                }
            }
            _ => {}
        }
    }
    let secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        return;
    }
    let mut found = Vec::new();
    walk(&d.body, String::new(), &secrets, &mut found);
    for p in found {
        if !d.sensitive.contains(&p) {
            d.sensitive.push(p);
        }
    }
}
