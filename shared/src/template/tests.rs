//! Tests for `template`.
