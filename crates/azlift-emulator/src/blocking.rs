//! A blocking wrapper for callers without an async runtime (the CLI, plain `#[test]`s): the
//! emulator runs on its own tokio runtime, owned by the handle.

use std::ops::Deref;

use crate::config::{EmulatorConfig, EmulatorError};
use crate::server::{RunningEmulator, start};

/// An emulator running on its own runtime. Derefs to [`RunningEmulator`] for the accessors.
pub struct BlockingEmulator {
    runtime: tokio::runtime::Runtime,
    emulator: Option<RunningEmulator>,
}

impl std::fmt::Debug for BlockingEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingEmulator")
            .field("emulator", &self.emulator)
            .finish()
    }
}

/// Start an emulator on a new 2-thread runtime.
pub fn start_blocking(config: EmulatorConfig) -> Result<BlockingEmulator, EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("azlift-emulator")
        .build()
        .map_err(|e| EmulatorError::Runtime(e.to_string()))?;
    let emulator = runtime.block_on(start(config))?;
    Ok(BlockingEmulator {
        runtime,
        emulator: Some(emulator),
    })
}

impl BlockingEmulator {
    /// Stop the server and its runtime.
    pub fn shutdown(mut self) {
        if let Some(e) = self.emulator.take() {
            self.runtime.block_on(e.shutdown());
        }
    }

    /// Run a future on the emulator's runtime (e.g. to wait for Ctrl-C).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

impl Deref for BlockingEmulator {
    type Target = RunningEmulator;
    fn deref(&self) -> &RunningEmulator {
        match &self.emulator {
            Some(e) => e,
            // `emulator` is only taken by `shutdown`, which consumes `self`.
            None => unreachable!("emulator used after shutdown"),
        }
    }
}
