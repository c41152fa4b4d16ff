//! ARM's error shape, shared with the per-kind rules of `azlift-kinds` (which judge requests
//! and so build these errors).

pub use azlift_kinds::emulator::ArmError;
