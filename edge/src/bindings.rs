//! Names of the worker's bindings and variables. They must match `wrangler.toml`.

/// Durable Object namespace of the per-page objects (class `PageObject`).
pub const PAGES: &str = "PAGES";
/// Secret holding the root admin key (`wrangler secret put HERALD_ADMIN_KEY`).
pub const ADMIN_KEY: &str = "HERALD_ADMIN_KEY";
/// Optional variable: seconds between widget polls, overriding the model's default (development and
/// tests use a short one).
pub const POLL_SECS: &str = "HERALD_POLL_SECS";
/// Optional variable binding host names to pages for `/api/v2/...`: `status.acme.com=acme,...`.
pub const HOST_PAGES: &str = "HERALD_HOST_PAGES";
/// Queue of notification jobs (producer in the page object, consumer in `notify`).
pub const NOTIFY: &str = "NOTIFY";
/// The queue of jobs the NOTIFY consumer could not process (`dead_letter_queue` in `wrangler.toml`):
/// a queue name, not a binding; its batches come to the same consumer entry point.
pub const NOTIFY_DEAD_LETTERS: &str = "herald-notify-dead";
/// Variable: base URL of the email API (Resend's format); locally the sink started by `cargo xtask dev`.
pub const EMAIL_API: &str = "HERALD_EMAIL_API";
/// Secret: the email API key.
pub const EMAIL_KEY: &str = "HERALD_EMAIL_KEY";
/// Optional variable: the sender (`Acme Status <status@acme.com>`).
pub const EMAIL_FROM: &str = "HERALD_EMAIL_FROM";
/// Optional variable: `development` enables `/_dev/outbox`.
pub const ENV: &str = "HERALD_ENV";
/// Optional variable: seconds before the first retry of a delivery (doubling after); default 30.
pub const RETRY_BASE_SECS: &str = "HERALD_RETRY_BASE_SECS";
/// Optional variable: attempts per channel, at most (and by default) 12; tests of the whole retry
/// window use a few.
pub const RETRY_ATTEMPTS: &str = "HERALD_RETRY_ATTEMPTS";
/// Optional variable: subscription requests allowed per IP address and page per minute; default 10.
pub const SUBSCRIBE_PER_MINUTE: &str = "HERALD_SUBSCRIBE_PER_MINUTE";
/// Variable: base URL of the SMS API (Twilio's Messages format); locally the sink.
pub const SMS_API: &str = "HERALD_SMS_API";
/// Variable: the SMS account id (Twilio's Account SID).
pub const SMS_ACCOUNT: &str = "HERALD_SMS_ACCOUNT";
/// Secret: the SMS API token.
pub const SMS_TOKEN: &str = "HERALD_SMS_TOKEN";
/// Variable: the sending number or sender id.
pub const SMS_FROM: &str = "HERALD_SMS_FROM";
/// Secret: the signing secret (`whsec_...`) of the email provider's delivery events webhook.
pub const EMAIL_EVENTS_SECRET: &str = "HERALD_EMAIL_EVENTS_SECRET";
/// Optional variable: milliseconds before a provider call counts as timed out; default 10000.
pub const PROVIDER_TIMEOUT_MS: &str = "HERALD_PROVIDER_TIMEOUT_MS";
/// Optional secret: the deployment's VAPID private key (a P-256 scalar, base64url) for browser
/// push; without it each page makes its own on first use and keeps it with its secrets.
pub const VAPID_KEY: &str = "HERALD_VAPID_KEY";
/// Optional variable: the contact push services see in VAPID tokens (`mailto:ops@acme.com`);
/// by default the page's status page URL.
pub const VAPID_SUBJECT: &str = "HERALD_VAPID_SUBJECT";

/// Optional variable: base URL of the Bluesky service the pages' accounts post through
/// (`https://bsky.social` by default); locally the sink. A Mastodon account names its own server.
pub const BLUESKY_API: &str = "HERALD_BLUESKY_API";

/// Optional variable: most live sockets one page object holds (default `LIVE_MAX_SOCKETS`); beyond
/// it a new socket is refused with 503 and its reader polls instead.
pub const LIVE_MAX_SOCKETS: &str = "HERALD_LIVE_MAX_SOCKETS";

#[cfg(test)]
mod tests {
    use herald_shared::delivery::RetryPolicy;

    /// The value of `key = ...` in `wrangler.toml`'s queue consumer number `n`, unquoted.
    fn consumer_setting(n: usize, key: &str) -> Option<String> {
        let toml = include_str!("../wrangler.toml");
        let consumer = toml.split("[[queues.consumers]]").nth(n)?;
        consumer
            .lines()
            .take_while(|l| !l.starts_with('['))
            .find_map(|l| {
                let v = l.strip_prefix(key)?.trim().strip_prefix('=')?.trim();
                Some(v.trim_matches('"').to_owned())
            })
    }

    #[test]
    fn the_queue_retries_a_job_as_long_as_the_retry_policy_needs() {
        assert_eq!(
            consumer_setting(1, "max_retries"),
            Some(RetryPolicy::default().queue_retries().to_string()),
            "set max_retries in edge/wrangler.toml from shared::delivery::RetryPolicy"
        );
    }

    #[test]
    fn jobs_the_consumer_cannot_process_go_to_a_dead_letter_queue_it_also_consumes() {
        assert_eq!(
            consumer_setting(1, "dead_letter_queue").as_deref(),
            Some(super::NOTIFY_DEAD_LETTERS)
        );
        assert_eq!(
            consumer_setting(2, "queue").as_deref(),
            Some(super::NOTIFY_DEAD_LETTERS)
        );
    }
}
