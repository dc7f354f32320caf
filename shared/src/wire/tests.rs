//! Tests for `wire`.
