//! The worker's protocol with its Durable Objects: the paths of the object's endpoints and the
//! headers that carry what the router established. A leaf: both the client (`client`) and the
//! server (`page_object`) name these, so neither depends on the other.

/// Internal headers from the router to the object. The object is reachable only through the
/// worker's binding, so they can be trusted.
pub mod header {
    pub const PAGE: &str = "x-herald-page";
    pub const OP: &str = "x-herald-op";
    /// Set when the router verified the root key.
    pub const ROOT: &str = "x-herald-root";
    /// The bearer key as presented, for the object to check against its own keys.
    pub const KEY: &str = "x-herald-key";
    pub const TOKEN: &str = "x-herald-token";
    pub const BASE: &str = "x-herald-base";
    pub const IDEMPOTENCY: &str = "idempotency-key";
    pub const IF_MATCH: &str = "if-match";
}

/// The object's endpoints (`https://page.internal{path}`).
pub mod path {
    /// Followed by a document name (`/doc/banner`).
    pub const DOC: &str = "/doc/";
    pub const ADMIN: &str = "/admin";
    /// An incident's page, followed by its id (`/html/incident/inc_1`).
    pub const INCIDENT_PAGE: &str = "/html/incident/";
    /// A component's uptime, followed by its id; the range in the query (`?start=&end=`).
    pub const UPTIME: &str = "/uptime/";
    /// The incident history; the month in the query (`?month=2026-03`).
    pub const HISTORY_PAGE: &str = "/html/history";
    pub const TICK: &str = "/tick";
    /// A reader's live socket (`Upgrade: websocket`; an audience token in `header::TOKEN`).
    pub const LIVE: &str = "/live";
    /// A console's live socket: it presents a page key as its first message.
    pub const LIVE_CONSOLE: &str = "/live/console";
    /// Closes every live socket of the object (local development only: tests kill sockets).
    pub const DEV_LIVE_CLOSE: &str = "/dev/live/close";
    /// An alerting tool's delivery, followed by the integration's id (`/alerts/int_1`); the
    /// secret as presented in `header::KEY`.
    pub const ALERTS: &str = "/alerts/";
    pub const SUBSCRIBE: &str = "/subscribe";
    /// A browser's push subscription (`PushSubscribeCall`).
    pub const PUSH_SUBSCRIBE: &str = "/push/subscribe";
    /// The page's VAPID public key.
    pub const PUSH_KEY: &str = "/push/key";
    pub const CONFIRM: &str = "/link/confirm";
    pub const UNSUBSCRIBE: &str = "/link/unsubscribe";
    pub const MANAGE: &str = "/link/manage";
    pub const MANAGE_SAVE: &str = "/link/manage/save";
    pub const RECEIPT: &str = "/link/receipt";
    /// Whether a link works, changing nothing (what opening it shows): followed by `confirm`,
    /// `unsubscribe` or `receipt`.
    pub const CHECK: &str = "/link/check/";
    pub const PROVIDER_EVENT: &str = "/provider/event";
    pub const DELIVERIES_DUE: &str = "/deliveries/due";
    pub const DELIVERIES_RECORD: &str = "/deliveries/record";
    /// A job the queue gave up on: its recipients become dead letters.
    pub const DELIVERIES_SET_ASIDE: &str = "/deliveries/set-aside";
    /// The message of a notification too long for its jobs.
    pub const DELIVERIES_MESSAGE: &str = "/deliveries/message";
    /// Every row the object stores, as text (local development only: what the erasure test greps).
    pub const DEV_DUMP: &str = "/dev/dump";
    /// Sets the time the objects of this isolate read (an RFC 3339 body), or lets the clock run
    /// again (an empty body); local development only.
    pub const DEV_CLOCK: &str = "/dev/clock";
    pub const DIRECTORY_ADD: &str = "/directory/add";
    pub const DIRECTORY_LIST: &str = "/directory/list";
}

/// Name of the object that lists every page, for the cron trigger (not a valid page slug).
pub const DIRECTORY: &str = "__directory";

/// Who is calling the admin API, as the router saw it.
pub enum Caller {
    Root,
    Key(String),
}
