//! azlift-emulator: a local ARM-compatible HTTPS server, the stand-in for Azure Resource
//! Manager used by `azlift --local`, `azlift emulator` and the tests.
//!
//! It judges requests the way ARM would, from the official REST API definitions (the JSON
//! Schemas in each kind's folder of `crates/azlift-kinds`), never from azlift's renderer.
//!
//! ```no_run
//! # async fn demo() -> Result<(), azlift_emulator::EmulatorError> {
//! let emu = azlift_emulator::start(azlift_emulator::EmulatorConfig::default()).await?;
//! println!("ARM at {} (trust {} bytes of CA PEM)", emu.https_url(), emu.ca_certificate_pem().len());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
mod blocking;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod ids;
pub mod listing;
pub mod persist;
pub mod private_fs;
pub mod provider_bridge;
pub mod registry;
mod server;
pub mod store;
pub mod throttle;
pub mod tls;

/// What the emulator knows per resource type: the generic machinery of `azlift-kinds`
/// (the catalog, the schema validator) over the kinds' folders.
pub use azlift_kinds::emulator as kinds;

use std::sync::Arc;

pub use blocking::{BlockingEmulator, start_blocking};
pub use clock::Clock;
pub use config::{EmulatorConfig, EmulatorError, Profile};
pub use error::ArmError;
pub use faults::{FaultHandle, FaultKind, FaultSpec, LroShape, LroShapeChoice};
pub use provider_bridge::Provider;
pub use server::{LoggedRequest, RequestStats, RunningEmulator, start, start_with_provider};

/// The per-type provider the emulator uses by default: [`kinds::Catalog::builtin`].
pub fn default_provider() -> Arc<dyn Provider> {
    Arc::new(kinds::Catalog::builtin())
}
