//! Tests for `statuspage`.
