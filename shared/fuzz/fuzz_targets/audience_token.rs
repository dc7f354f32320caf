//! Any bytes as an audience token: verification never panics, and whatever it accepts was signed with
//! the secret and carries only well-formed segments.
#![no_main]

use herald_shared::token::{sign, verify, AudienceClaims};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzz-widget-secret";
const NOW: herald_shared::Timestamp = time::macros::datetime!(2026-03-01 12:00 UTC);

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(claims) = verify(token, SECRET, "acme", NOW) {
        assert_eq!(claims.page, "acme");
        assert!(claims
            .segments
            .iter()
            .all(|s| herald_shared::model::is_valid_segment(s)));
    }
    // The same bytes as a claim set: what we sign, we verify.
    if let Ok(claims) = serde_json::from_slice::<AudienceClaims>(data) {
        let t = sign(&claims, SECRET);
        if let Ok(back) = verify(&t, SECRET, &claims.page, NOW) {
            assert_eq!(back, claims);
        }
    }
});
