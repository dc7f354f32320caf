//! Any text as a subscriber address on every channel: parsing never panics, and a normalized address
//! parses to itself (so the same person is never subscribed twice under two spellings).
#![no_main]

use herald_shared::subscriber::{Address, SubscriberChannel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    for channel in SubscriberChannel::ALL {
        if let Ok(a) = Address::parse(channel, raw) {
            let again =
                Address::parse(channel, &a.value).expect("a normalized address stays valid");
            assert_eq!(again, a);
        }
    }
});
