//! apply: carry out a plan. `scheduler` is the generic graph walk (start each node the moment
//! its dependencies finish, bounded concurrency, critical path first); `observe` reads ARM
//! before planning; `execute` turns one change into ARM calls and state updates.

pub mod scheduler;
