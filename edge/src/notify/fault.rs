//! Faults a test arms in local development (`POST /_dev/faults`, served only with
//! `HERALD_ENV=development`) to show that nothing is lost or sent twice when the consumer dies:
//! `crash` makes the next consumer runs throw after their first provider calls and before reporting
//! them (as an isolate out of memory or an exception would); `fail_page` makes every job of one page
//! fail, so it ends in the dead-letter queue. Production never arms them: the route does not exist.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

/// Consumer runs still to crash after their first provider calls.
static CRASHES: AtomicU32 = AtomicU32::new(0);

thread_local! {
    /// Pages whose jobs the consumer fails every time.
    static FAILING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Arms faults: `crashes` more runs crash mid-job; jobs of `fail_page` always fail.
pub fn arm(crashes: u32, fail_page: Option<String>) {
    CRASHES.store(crashes, Ordering::SeqCst);
    if let Some(p) = fail_page {
        FAILING.with(|f| f.borrow_mut().push(p));
    }
}

/// Whether this run crashes now (and one crash fewer is left).
pub fn crash_now() -> bool {
    CRASHES
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// Whether jobs of `page` are to fail.
pub fn failing(page: &str) -> bool {
    FAILING.with(|f| f.borrow().iter().any(|p| p == page))
}
