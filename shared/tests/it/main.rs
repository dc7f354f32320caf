//! herald-shared's integration tests, one binary: the wording lint against its corpus, Statuspage fixtures read and written back whole, and
//! property tests over random command sequences.

mod corpus;
mod fixtures;
mod properties;
