//! Temporary: the topic registry replaces this file when it is merged.

pub mod config;
pub mod name;
