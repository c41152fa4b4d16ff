//! Test helpers: where the REST-spec examples live (`shared/azure/examples` beside the
//! repository, found by walking up from the crate, or `AZLIFT_SHARED_DIR`).

use std::path::{Path, PathBuf};

/// The examples directory, or `None` (the caller prints a note and skips).
pub fn examples_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("AZLIFT_SHARED_DIR") {
        let p = PathBuf::from(d).join("azure/examples");
        if p.is_dir() {
            return Some(p);
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/azure/examples"))
        .find(|p| p.is_dir())
}
