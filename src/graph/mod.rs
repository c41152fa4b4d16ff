//! graph: the dependency DAG of desired resources; cycle errors name the cycle.
