//! manifest: azlift.toml text -> spanned document -> validated `Model`, with miette diagnostics.
