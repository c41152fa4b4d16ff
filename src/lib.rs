//! azlift: provision Azure systems from a short manifest and keep them in line with it.
//!
//! The modules follow the data flow of `docs/architecture.md`, left to right:
//!
//! ```text
//! azlift.toml -manifest-> Model -render-> DesiredResource -graph-> DAG
//!              ARM <-arm-> ObservedResource
//!              Desired + Observed + State -plan-> Plan -apply-> ARM calls, State, Events -ui-> terminal/JSON
//! ```
//!
//! The core (`manifest`, `render`, `graph`, `plan`, `apply`) knows nothing of terminals or
//! HTTP: it works on plain values so it can be tested with plain values.

pub mod apply;
pub mod arm;
pub mod events;
pub mod graph;
pub mod kinds;
pub mod manifest;
pub mod model;
pub mod ops;
pub mod ownership;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod resource;
pub mod state;
pub mod text;
pub mod ui;
pub mod verify;

/// The emulator lives in its own crate so that it cannot reach into azlift's renderer:
/// it judges requests from the REST API definitions, the way ARM would.
pub use azlift_emulator as emulator;
