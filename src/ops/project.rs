//! The project as the engine sees it: the manifest loaded and validated, rendered into desired
//! resources, and checked as a graph. No I/O beyond reading the manifest and its templates.

use std::path::{Path, PathBuf};

use crate::graph::DependencyGraph;
use crate::manifest::{self, LoadOptions, Loaded, ManifestErrors};
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
        let mut rendered = render::render(&loaded.model, &ctx).map_err(OpsError::Render)?;
        check_ids(manifest, &rendered).map_err(OpsError::Manifest)?;
        // A secret variable used in a plain field (a custom resource's values, an env var)
        // is masked in plans and hashed in state like any other secret.
        render::protect_secrets(&mut rendered, &loaded.secrets).map_err(OpsError::Render)?;
        let graph = DependencyGraph::from_resources(rendered).map_err(OpsError::Graph)?;
        let desired: Vec<DesiredResource> = graph
            .topological_order()
            .iter()
            .filter_map(|a| graph.get(a).cloned())
            .collect();
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

/// Refuse two rendered resources with one ARM id, naming both where the manifest declares
/// them (`manifest::check_duplicate_ids`).
pub fn check_ids(manifest: &Path, rendered: &[DesiredResource]) -> Result<(), ManifestErrors> {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    manifest::check_duplicate_ids(
        &manifest.display().to_string(),
        &text,
        rendered.iter().map(|d| (d.address.as_str(), d.id.as_str())),
    )
}
