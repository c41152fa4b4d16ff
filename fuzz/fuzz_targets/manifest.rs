//! cargo-fuzz target: any bytes, as UTF-8 text, through the manifest parser and validator.
//! Run with `cargo +nightly fuzz run manifest -- -max_total_time=60` from the repository root.

#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use azlift::manifest::{LoadOptions, parse_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = LoadOptions {
        env: Some("dev".into()),
        vars: Vec::new(),
        process_env: BTreeMap::new(),
        lenient_values: false,
    };
    let _ = parse_str("azlift.toml", text, Path::new("examples/custom"), &opts);
});
