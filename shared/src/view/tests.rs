//! Tests for `view`.
