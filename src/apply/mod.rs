//! apply: carry out a plan. `scheduler` is the generic graph walk (start each node the moment
//! its dependencies finish, bounded concurrency, critical path first); `observe` reads ARM
//! before planning; `resolve` fills in values known only after apply; `execute` turns each
//! change into ARM calls and state updates; `cloud` is the narrow view of ARM they share.

pub mod cloud;
pub mod execute;
pub mod observe;
pub mod resolve;
pub mod scheduler;

pub use cloud::{Cloud, CloudError, ProgressFn};
pub use execute::{AppliedResource, Engine, EstimateFn, Recorder, Reporter, RunReport};
pub use observe::{Observation, ObserveMode, observe};
pub use resolve::Known;
pub use scheduler::{Node, Outcome, walk};
#[cfg(test)]
mod tests;
