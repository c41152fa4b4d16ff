//! azlift-emulator: a local ARM-compatible HTTPS server, the stand-in for Azure Resource
//! Manager used by `azlift --local`, `azlift emulator` and the tests.
//!
//! It judges requests the way ARM would, from the official REST API definitions (the JSON
//! Schemas in `schemas/` at the repository root), never from azlift's renderer.

pub mod error;
pub mod kinds;

pub use error::ArmError;
