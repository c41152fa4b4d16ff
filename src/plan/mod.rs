//! plan: normalise observed bodies and diff them against desired ones into a `Plan` of `Change`s.
