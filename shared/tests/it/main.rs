//! herald-shared's integration tests, one binary: Statuspage fixtures read and written back whole, and
//! property tests over random command sequences.

mod fixtures;
mod properties;
