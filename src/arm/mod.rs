//! arm: the ARM REST client on azure_core: requests by id, long-running operations, retries, credentials.
