//! The set of JSON templates the renderer reads: the built-in ones (`template.json` in each
//! kind's folder of `crates/azlift-kinds`, known by the kind's template name such as
//! `container_app.json`), embedded in the binary, each replaceable by a file of the same
//! name in a project's own `templates/resources/` folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::RenderError;
use crate::kinds::KINDS;
use crate::manifest::files;

/// Where, inside a project directory, override templates live.
pub const OVERRIDE_DIR: &str = "templates/resources";

/// Every built-in template file name (one per kind, from its folder).
pub fn builtin_files() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|k| k.template)
}

/// One template's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub text: String,
    /// `None` for the embedded built-in, the file otherwise.
    pub path: Option<PathBuf>,
}

/// The templates of one render, by file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet {
    files: BTreeMap<String, TemplateSource>,
}

impl TemplateSet {
    /// The built-in templates, as embedded in the binary.
    pub fn embedded() -> TemplateSet {
        let files = KINDS
            .iter()
            .map(|k| {
                let text = k.template_text.to_string();
                (k.template.to_string(), TemplateSource { text, path: None })
            })
            .collect();
        TemplateSet { files }
    }

    /// The built-in templates, where every `<project_dir>/templates/resources/<file>.json`
    /// with a built-in's name replaces that built-in. A missing folder means no overrides;
    /// other files in the folder are left alone (custom resource templates may live there).
    pub fn with_overrides(project_dir: &Path) -> Result<TemplateSet, RenderError> {
        let mut set = TemplateSet::embedded();
        let dir = project_dir.join(OVERRIDE_DIR);
        if !dir.is_dir() {
            return Ok(set);
        }
        for name in builtin_files() {
            let path = dir.join(name);
            if path.symlink_metadata().is_ok() {
                // Confined to the project folder, regular files only, size-capped.
                let relative = format!("{OVERRIDE_DIR}/{name}");
                let text = files::read_confined(project_dir, &relative).map_err(|source| {
                    RenderError::Unreadable {
                        path: path.clone(),
                        source,
                    }
                })?;
                set.files.insert(
                    name.to_string(),
                    TemplateSource {
                        text,
                        path: Some(path),
                    },
                );
            }
        }
        Ok(set)
    }

    /// Replaces (or adds) one template, e.g. in tests.
    pub fn set(&mut self, name: &str, text: impl Into<String>) {
        self.files.insert(
            name.to_string(),
            TemplateSource {
                text: text.into(),
                path: None,
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&TemplateSource> {
        self.files.get(name)
    }

    /// File names and sources, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TemplateSource)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The names of the templates that do not come from the binary.
    pub fn overridden(&self) -> Vec<&Path> {
        self.files
            .values()
            .filter_map(|s| s.path.as_deref())
            .collect()
    }
}

impl Default for TemplateSet {
    fn default() -> Self {
        TemplateSet::embedded()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_embedded() {
        let set = TemplateSet::embedded();
        for name in builtin_files() {
            assert!(set.get(name).is_some(), "{name} is embedded");
        }
    }

    #[test]
    fn a_project_file_replaces_the_builtin() {
        let dir = tempfile::tempdir().unwrap();
        let res = dir.path().join(OVERRIDE_DIR);
        std::fs::create_dir_all(&res).unwrap();
        std::fs::write(res.join("workspace.json"), "{\"custom\": true}").unwrap();
        std::fs::write(res.join("keyvault.json"), "{}").unwrap();
        let set = TemplateSet::with_overrides(dir.path()).unwrap();
        assert_eq!(
            set.get("workspace.json").unwrap().text,
            "{\"custom\": true}"
        );
        assert_eq!(
            set.get("resource_group.json"),
            TemplateSet::embedded().get("resource_group.json")
        );
        assert!(set.get("keyvault.json").is_none());
        assert_eq!(set.overridden().len(), 1);
    }
}
