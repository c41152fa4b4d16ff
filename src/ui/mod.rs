//! ui: terminal progress, plan rendering and NDJSON events, fed by events from the core.

pub mod plan_view;
