//! state: what azlift manages, per environment: the state document, its storage and its lock.
