//! render: `Model` + templates -> `DesiredResource`s (address, ARM id, type, api-version, body, references).
