//! apply: the scheduler that walks the DAG and carries out a plan, recording state as it goes.
