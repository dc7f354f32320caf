//! Delivery decisions: after each attempt, whether to retry, fall back to the subscriber's second
//! channel, or give up; and which acknowledgements are overdue. The shell records the attempts.

use serde::{Deserialize, Serialize};

use crate::model::{Address, Subscriber, SubscriberChannel};
use crate::Timestamp;

/// What the provider said about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted by the provider; delivery not confirmed yet.
    Sent,
    Delivered,
    /// Worth trying again (timeouts, rate limits, 5xx).
    TemporaryFailure,
    /// Not worth trying again on this address (bounce, invalid number, 4xx from a webhook).
    PermanentFailure,
    /// The job carrying the message could not be sent or processed at all (the queue refused it,
    /// or gave up on it): nothing more is tried for this recipient, on any channel.
    SetAside,
    /// Not an attempt: a manager asked to try a recipient Herald had given up on again ("retry
    /// now", or "send on another channel" when it names the fallback's channel). Attempts before
    /// it no longer count towards giving up; its channel is where the new round starts.
    Reopened,
}

impl Outcome {
    pub fn succeeded(self) -> bool {
        matches!(self, Self::Sent | Self::Delivered)
    }

    pub const ALL: [Outcome; 6] = [
        Self::Sent,
        Self::Delivered,
        Self::TemporaryFailure,
        Self::PermanentFailure,
        Self::SetAside,
        Self::Reopened,
    ];

    /// The stored and wire name (`sent`, `temporary_failure`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::TemporaryFailure => "temporary_failure",
            Self::PermanentFailure => "permanent_failure",
            Self::SetAside => "set_aside",
            Self::Reopened => "reopened",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// What a notification is, which decides who it goes to: the kind is recorded with the
/// notification, never read back from its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// News (incidents, maintenance, notices) to confirmed subscribers.
    Notification,
    /// The double opt-in message to the address being confirmed.
    Confirmation,
    /// A maintenance reminder.
    Reminder,
    /// A message re-sent on the fallback channel of those who did not acknowledge it.
    Escalation,
    /// A post on the page's own social accounts (Mastodon, Bluesky): its recipients are the
    /// accounts, not subscribers.
    Social,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        Self::Notification,
        Self::Confirmation,
        Self::Reminder,
        Self::Escalation,
        Self::Social,
    ];

    pub fn from_name(name: &str) -> Option<NotificationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification => "notification",
            Self::Confirmation => "confirmation",
            Self::Reminder => "reminder",
            Self::Escalation => "escalation",
            Self::Social => "social",
        }
    }

    /// A readable prefix for the ids of this kind (`ntf_...`); nothing reads the kind back from it.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::Notification => "ntf",
            Self::Confirmation => "cnf",
            Self::Reminder => "rem",
            Self::Escalation => "esc",
            Self::Social => "soc",
        }
    }

    /// Where a notification of this kind goes for `s`: the address to try first and the fallback
    /// after it. Confirmations go to the address being confirmed only; escalations to the fallback
    /// only (none: nothing to escalate to); everything else to the address, then the fallback.
    /// Social posts go to no subscriber.
    pub fn targets(self, s: &Subscriber) -> Option<(&Address, Option<&Address>)> {
        match self {
            Self::Social => None,
            Self::Confirmation => Some((&s.address, None)),
            Self::Escalation => s.fallback.as_ref().map(|f| (f, None)),
            Self::Notification | Self::Reminder => Some((&s.address, s.fallback.as_ref())),
        }
    }
}

/// One attempt to deliver one notification to one subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub notification_id: String,
    pub subscriber_id: String,
    pub channel: SubscriberChannel,
    /// 1 for the first attempt on this channel.
    pub attempt: u32,
    pub outcome: Outcome,
    #[serde(default)]
    pub provider_id: Option<String>,
    /// What the provider said when it refused.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
}

/// Attempts per channel and the wait before each retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// Seconds to wait after attempt n (the last value repeats).
    pub backoff_secs: Vec<u32>,
}

impl RetryPolicy {
    /// Attempts per channel.
    pub const ATTEMPTS: u32 = 12;

    /// Herald's policy: `base` seconds, then doubling up to 32 times `base`, for twelve attempts per
    /// channel. With the default base of 30 s a message keeps trying for about two hours; a provider
    /// failing 30% of requests at random leaves one recipient in two million without a copy there.
    pub fn with_base(base_secs: u32) -> Self {
        Self::with(base_secs, Self::ATTEMPTS)
    }

    /// As `with_base`, with at most `attempts` per channel (1 to `ATTEMPTS`): a shorter window,
    /// which the queue's retries always cover.
    pub fn with(base_secs: u32, attempts: u32) -> Self {
        let b = base_secs.max(1);
        let n = attempts.clamp(1, Self::ATTEMPTS);
        Self {
            max_attempts: n,
            backoff_secs: (0..n.max(2) - 1)
                .map(|k| b.saturating_mul(1 << k.min(5)))
                .collect(),
        }
    }

    /// Queue deliveries of one job that this policy can need: each attempt on the primary channel
    /// and on the fallback is one delivery, and one more finds everyone done or given up. The
    /// queue's `max_retries` (`edge/wrangler.toml`) must allow this many retries, or the queue
    /// would give up on a job before Herald does.
    pub fn queue_retries(&self) -> u32 {
        2 * self.max_attempts + 1
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::with_base(30)
    }
}

/// What to do next for one notification and one subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NextStep {
    /// It went through; nothing more to do.
    Done,
    /// Nothing tried yet: send on the primary address.
    Send { address: Address },
    Retry {
        address: Address,
        attempt: u32,
        #[serde(with = "time::serde::rfc3339")]
        at: Timestamp,
    },
    /// The primary channel is exhausted: try the fallback.
    Fallback { address: Address },
    /// Every channel is exhausted: list it as undelivered.
    GiveUp,
}

/// Decides the next step from every attempt so far (any order) for one notification and subscriber.
pub fn next_step(
    attempts: &[Delivery],
    primary: &Address,
    fallback: Option<&Address>,
    policy: &RetryPolicy,
) -> NextStep {
    let all = attempts;
    let attempts = &round(all)[..];
    // A new round asked for on the fallback's channel starts there, with nothing after it.
    let (primary, fallback) = match (reopened_on(all), fallback) {
        (Some(channel), Some(f)) if channel != primary.channel && channel == f.channel => (f, None),
        _ => (primary, fallback),
    };
    if attempts.iter().any(|a| a.outcome.succeeded()) {
        return NextStep::Done;
    }
    if attempts.iter().any(|a| a.outcome == Outcome::SetAside) {
        return NextStep::GiveUp;
    }
    let on = |address: &Address| -> Option<NextStep> {
        let mut mine: Vec<&Delivery> = attempts
            .iter()
            .filter(|a| a.channel == address.channel)
            .collect();
        mine.sort_by_key(|a| (a.attempt, a.at));
        let last = mine.last()?;
        let exhausted = last.outcome == Outcome::PermanentFailure
            || mine.len() as u32 >= policy.max_attempts.max(1);
        if exhausted {
            return None;
        }
        let n = mine.len();
        let wait = policy
            .backoff_secs
            .get(n - 1)
            .or(policy.backoff_secs.last())
            .copied()
            .unwrap_or(60);
        Some(NextStep::Retry {
            address: address.clone(),
            attempt: next_number(all, address.channel),
            at: last.at + time::Duration::seconds(i64::from(wait)),
        })
    };
    let tried = |address: &Address| attempts.iter().any(|a| a.channel == address.channel);
    if !tried(primary) {
        return NextStep::Send {
            address: primary.clone(),
        };
    }
    if let Some(step) = on(primary) {
        return step;
    }
    match fallback {
        Some(f) if !tried(f) => NextStep::Fallback { address: f.clone() },
        Some(f) => on(f).unwrap_or(NextStep::GiveUp),
        None => NextStep::GiveUp,
    }
}

/// The attempts of the current round: those after the last `Reopened` marker (all of them when
/// there is none), markers left out. Giving up, retrying and falling back are decided on these.
pub fn round(attempts: &[Delivery]) -> Vec<Delivery> {
    let since = attempts
        .iter()
        .filter(|a| a.outcome == Outcome::Reopened)
        .map(|a| a.at)
        .max();
    attempts
        .iter()
        .filter(|a| a.outcome != Outcome::Reopened && since.is_none_or(|t| a.at > t))
        .cloned()
        .collect()
}

/// The channel the last "retry" asked to start on, if a manager asked for one.
pub fn reopened_on(attempts: &[Delivery]) -> Option<SubscriberChannel> {
    attempts
        .iter()
        .filter(|a| a.outcome == Outcome::Reopened)
        .max_by_key(|a| a.at)
        .map(|a| a.channel)
}

/// The number the next attempt on `channel` is recorded under: one more than any before it, in
/// any round (a round starts over for giving up, never for the numbering the records are keyed on).
pub fn next_number(attempts: &[Delivery], channel: SubscriberChannel) -> u32 {
    attempts
        .iter()
        .filter(|a| a.channel == channel)
        .map(|a| a.attempt)
        .max()
        .unwrap_or(0)
        + 1
}

/// Why a manager cannot try a recipient again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reopen {
    /// It reached them already.
    Reached,
    /// Herald is still trying them.
    StillTrying,
    /// The channel asked for is none of theirs for this message.
    NotTheirs,
}

/// Decides a manager's "retry now" (`channel` None: from their first channel again) or "send on
/// another channel" (`channel`: that one, which must be one of theirs): the address the new round
/// starts on. Only a recipient Herald has given up on can be tried again.
pub fn reopen<'a>(
    attempts: &[Delivery],
    primary: &'a Address,
    fallback: Option<&'a Address>,
    channel: Option<SubscriberChannel>,
    policy: &RetryPolicy,
) -> Result<&'a Address, Reopen> {
    match next_step(attempts, primary, fallback, policy) {
        NextStep::GiveUp => {}
        NextStep::Done => return Err(Reopen::Reached),
        _ => return Err(Reopen::StillTrying),
    }
    match channel {
        None => Ok(primary),
        Some(c) if c == primary.channel => Ok(primary),
        Some(c) => fallback.filter(|f| f.channel == c).ok_or(Reopen::NotTheirs),
    }
}

/// Those a message that asks for acknowledgement reached and who have not acknowledged it: what the
/// delivery report lists, and whom the escalation re-sends to once the page's wait is over.
pub fn unacknowledged(reached: &[String], acknowledged: &[String]) -> Vec<String> {
    reached
        .iter()
        .filter(|id| !acknowledged.contains(id))
        .cloned()
        .collect()
}

/// One recipient a notification will not reach: its last attempt's channel and error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub subscriber_id: String,
    pub channel: SubscriberChannel,
    pub attempts: u32,
    pub error: Option<String>,
    pub at: Timestamp,
}

/// What one notification's attempts add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Recipients it reached (an attempt was taken), and of those, confirmed delivered.
    pub sent: u32,
    pub delivered: u32,
    /// The subscribers it reached, in id order.
    pub reached: Vec<String>,
    /// Those beyond every channel, in id order.
    pub failures: Vec<Failure>,
    pub attempts: u32,
    /// The same recipients counted on the channel that reached them (failed: their last channel;
    /// still being tried: the channel of their last attempt), in the channels' order.
    pub channels: Vec<ChannelTally>,
}

/// What one notification's recipients add up to on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelTally {
    pub channel: SubscriberChannel,
    pub sent: u32,
    pub delivered: u32,
    pub failed: u32,
    /// Tried on this channel and still being tried.
    pub trying: u32,
    /// Those it reached on this channel, in id order (for acknowledgements).
    pub reached: Vec<String>,
}

impl Tally {
    fn on(&mut self, channel: SubscriberChannel) -> &mut ChannelTally {
        let i = match self.channels.iter().position(|c| c.channel == channel) {
            Some(i) => i,
            None => {
                self.channels.push(ChannelTally {
                    channel,
                    sent: 0,
                    delivered: 0,
                    failed: 0,
                    trying: 0,
                    reached: Vec::new(),
                });
                self.channels.sort_by_key(|c| c.channel);
                self.channels
                    .iter()
                    .position(|c| c.channel == channel)
                    .unwrap_or(0)
            }
        };
        &mut self.channels[i]
    }
}

/// Sums up every attempt at one notification. `targets(subscriber)` is where it goes for them
/// (`None`: no longer there, so what was tried is all there will be); a recipient is given up on when
/// `next_step` says so. Recipients still being tried are in neither list.
pub fn tally<'a>(
    attempts: &[Delivery],
    targets: impl Fn(&str) -> Option<(&'a Address, Option<&'a Address>)>,
    policy: &RetryPolicy,
) -> Tally {
    let mut ids: Vec<&str> = attempts.iter().map(|a| a.subscriber_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let tried = |a: &&Delivery| a.outcome != Outcome::Reopened;
    let mut t = Tally {
        attempts: attempts.iter().filter(tried).count() as u32,
        ..Tally::default()
    };
    for id in ids {
        let mine: Vec<Delivery> = attempts
            .iter()
            .filter(|a| a.subscriber_id == id)
            .cloned()
            .collect();
        if let Some(hit) = mine
            .iter()
            .filter(|a| a.outcome.succeeded())
            .max_by_key(|a| a.at)
        {
            let delivered = mine.iter().any(|a| a.outcome == Outcome::Delivered);
            t.sent += 1;
            t.delivered += u32::from(delivered);
            t.reached.push(id.to_owned());
            let on = t.on(hit.channel);
            on.sent += 1;
            on.delivered += u32::from(delivered);
            on.reached.push(id.to_owned());
            continue;
        }
        let gave_up = match targets(id) {
            Some((primary, fallback)) => {
                next_step(&mine, primary, fallback, policy) == NextStep::GiveUp
            }
            None => true,
        };
        if let (true, Some(last)) = (gave_up, mine.iter().filter(tried).max_by_key(|a| a.at)) {
            t.failures.push(Failure {
                subscriber_id: id.to_owned(),
                channel: last.channel,
                attempts: mine.iter().filter(tried).count() as u32,
                error: last.error.clone(),
                at: last.at,
            });
            t.on(last.channel).failed += 1;
        } else if let Some(last) = mine.iter().filter(tried).max_by_key(|a| a.at) {
            t.on(last.channel).trying += 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use Outcome::*;
    use SubscriberChannel::{Email, Sms};

    fn addr(channel: SubscriberChannel) -> Address {
        match channel {
            Email => Address::parse(Email, "a@example.com").unwrap(),
            _ => Address::parse(Sms, "+41446681800").unwrap(),
        }
    }

    fn d(channel: SubscriberChannel, attempt: u32, outcome: Outcome, secs: i64) -> Delivery {
        Delivery {
            notification_id: "n".into(),
            subscriber_id: "s".into(),
            channel,
            attempt,
            outcome,
            provider_id: None,
            error: None,
            at: NOW + time::Duration::seconds(secs),
        }
    }

    #[test]
    fn next_step_table() {
        let secs = time::Duration::seconds;
        let email = addr(Email);
        let sms = addr(Sms);
        let retry = |a: &Address, attempt, at| NextStep::Retry {
            address: a.clone(),
            attempt,
            at,
        };
        let cases: Vec<(Vec<Delivery>, bool, NextStep)> = vec![
            (
                vec![],
                true,
                NextStep::Send {
                    address: email.clone(),
                },
            ),
            (vec![d(Email, 1, Delivered, 0)], true, NextStep::Done),
            (vec![d(Email, 1, Sent, 0)], true, NextStep::Done),
            (
                vec![d(Email, 1, TemporaryFailure, 0)],
                true,
                retry(&email, 2, NOW + secs(30)),
            ),
            (
                vec![
                    d(Email, 2, TemporaryFailure, 40),
                    d(Email, 1, TemporaryFailure, 0),
                ],
                true,
                retry(&email, 3, NOW + secs(340)),
            ),
            (
                vec![
                    d(Email, 1, TemporaryFailure, 0),
                    d(Email, 2, TemporaryFailure, 40),
                    d(Email, 3, TemporaryFailure, 400),
                ],
                true,
                NextStep::Fallback {
                    address: sms.clone(),
                },
            ),
            (
                vec![d(Email, 1, PermanentFailure, 0)],
                true,
                NextStep::Fallback {
                    address: sms.clone(),
                },
            ),
            (
                vec![d(Email, 1, PermanentFailure, 0)],
                false,
                NextStep::GiveUp,
            ),
            (
                vec![
                    d(Email, 1, PermanentFailure, 0),
                    d(Sms, 1, TemporaryFailure, 10),
                ],
                true,
                retry(&sms, 2, NOW + secs(40)),
            ),
            (
                vec![
                    d(Email, 1, PermanentFailure, 0),
                    d(Sms, 1, PermanentFailure, 10),
                ],
                true,
                NextStep::GiveUp,
            ),
            (
                vec![d(Email, 1, PermanentFailure, 0), d(Sms, 1, Delivered, 10)],
                true,
                NextStep::Done,
            ),
            // A job set aside ends it for the recipient, fallback or not.
            (vec![d(Email, 1, SetAside, 0)], true, NextStep::GiveUp),
            (
                vec![d(Email, 1, TemporaryFailure, 0), d(Email, 2, SetAside, 5)],
                true,
                NextStep::GiveUp,
            ),
        ];
        for (attempts, with_fallback, want) in cases {
            let got = next_step(
                &attempts,
                &email,
                with_fallback.then_some(&sms),
                &RetryPolicy {
                    max_attempts: 3,
                    backoff_secs: vec![30, 300, 1800],
                },
            );
            assert_eq!(got, want, "{attempts:?}");
        }
    }

    #[test]
    fn herald_policy_doubles_to_32_times_the_base_for_twelve_attempts() {
        let p = RetryPolicy::with_base(30);
        assert_eq!(p.max_attempts, 12);
        assert_eq!(
            p.backoff_secs,
            [30, 60, 120, 240, 480, 960, 960, 960, 960, 960, 960]
        );
        assert_eq!(RetryPolicy::default(), p);
        assert_eq!(p.queue_retries(), 25);
        // A zero base still waits.
        assert_eq!(RetryPolicy::with_base(0).backoff_secs[0], 1);
        // A shorter window (tests of the whole window) never outgrows the queue's retries.
        let short = RetryPolicy::with(1, 3);
        assert_eq!((short.max_attempts, short.backoff_secs), (3, vec![1, 2]));
        assert_eq!(RetryPolicy::with(1, 99).max_attempts, 12);
        assert!(RetryPolicy::with(1, 0).queue_retries() <= p.queue_retries());
    }

    #[test]
    fn herald_policy_ends_on_the_fallback_then_gives_up() {
        let (email, sms) = (addr(SubscriberChannel::Email), addr(SubscriberChannel::Sms));
        let p = RetryPolicy::with_base(1);
        let failed = |channel, n: u32| -> Vec<Delivery> {
            (1..=n)
                .map(|k| d(channel, k, Outcome::TemporaryFailure, i64::from(k)))
                .collect()
        };
        let mut attempts = failed(SubscriberChannel::Email, 11);
        assert!(matches!(
            next_step(&attempts, &email, Some(&sms), &p),
            NextStep::Retry { attempt: 12, .. }
        ));
        attempts = failed(SubscriberChannel::Email, 12);
        assert_eq!(
            next_step(&attempts, &email, Some(&sms), &p),
            NextStep::Fallback {
                address: sms.clone()
            }
        );
        attempts.extend(failed(SubscriberChannel::Sms, 12));
        assert_eq!(
            next_step(&attempts, &email, Some(&sms), &p),
            NextStep::GiveUp
        );
        // Each of those 24 attempts was one queue delivery; the policy's queue retries cover them.
        assert!(p.queue_retries() as usize >= attempts.len());
    }

    #[test]
    fn notification_kinds_decide_the_targets() {
        let s = |fallback: bool| Subscriber {
            id: "sub_1".into(),
            address: addr(SubscriberChannel::Email),
            fallback: fallback.then(|| addr(SubscriberChannel::Sms)),
            components: vec![],
            segments: vec![],
            locale: None,
            state: crate::model::SubscriptionState::Confirmed,
            created_at: NOW,
            confirmed_at: Some(NOW),
            unsubscribed_at: None,
            replaces: None,
            format: Default::default(),
        };
        let email = addr(SubscriberChannel::Email);
        let sms = addr(SubscriberChannel::Sms);
        use NotificationKind::*;
        let cases: Vec<(NotificationKind, bool, Option<(&Address, Option<&Address>)>)> = vec![
            (Notification, true, Some((&email, Some(&sms)))),
            (Notification, false, Some((&email, None))),
            (Reminder, true, Some((&email, Some(&sms)))),
            (Confirmation, true, Some((&email, None))),
            (Escalation, true, Some((&sms, None))),
            (Escalation, false, None),
        ];
        for (kind, fallback, want) in cases {
            let sub = s(fallback);
            assert_eq!(kind.targets(&sub), want, "{kind:?} fallback={fallback}");
        }
        for kind in NotificationKind::ALL {
            let name = serde_json::to_value(kind).unwrap();
            assert_eq!(name, kind.as_str(), "stored names are the serde names");
            assert_eq!(NotificationKind::from_name(kind.as_str()), Some(kind));
        }
        for o in Outcome::ALL {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
            assert_eq!(Outcome::from_name(o.as_str()), Some(o));
        }
        for r in crate::wire::Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(crate::wire::Role::from_name(r.as_str()), Some(r));
        }
        assert_eq!(Outcome::from_name("emailed"), None);
        assert_eq!(NotificationKind::from_name("ntf"), None);
    }

    #[test]
    fn tallies_reached_given_up_and_still_trying() {
        let email = addr(SubscriberChannel::Email);
        let sms = addr(SubscriberChannel::Sms);
        let p = RetryPolicy {
            max_attempts: 2,
            backoff_secs: vec![30],
        };
        let at = |sub: &str, channel, n, outcome, secs| Delivery {
            subscriber_id: sub.into(),
            error: (!Outcome::succeeded(outcome)).then(|| format!("{sub} {n}")),
            ..d(channel, n, outcome, secs)
        };
        use SubscriberChannel::{Email, Sms};
        let attempts = vec![
            at("delivered", Email, 1, Delivered, 0),
            at("sent", Email, 1, TemporaryFailure, 0),
            at("sent", Email, 2, Sent, 30),
            at("trying", Email, 1, TemporaryFailure, 0),
            at("lost", Email, 1, PermanentFailure, 0),
            at("lost", Sms, 1, TemporaryFailure, 5),
            at("lost", Sms, 2, TemporaryFailure, 40),
            at("erased", Email, 1, TemporaryFailure, 0),
        ];
        let targets = |id: &str| match id {
            "erased" => None,
            "lost" => Some((&email, Some(&sms))),
            _ => Some((&email, None)),
        };
        let t = tally(&attempts, targets, &p);
        assert_eq!((t.sent, t.delivered, t.attempts), (2, 1, 8));
        assert_eq!(t.reached, ["delivered", "sent"]);
        let failed: Vec<(&str, SubscriberChannel, u32, Option<&str>)> = t
            .failures
            .iter()
            .map(|f| {
                (
                    f.subscriber_id.as_str(),
                    f.channel,
                    f.attempts,
                    f.error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            failed,
            [
                ("erased", Email, 1, Some("erased 1")),
                ("lost", Sms, 3, Some("lost 2")),
            ],
            "'trying' has an attempt left"
        );
        let on: Vec<(SubscriberChannel, u32, u32, u32, u32)> = t
            .channels
            .iter()
            .map(|c| (c.channel, c.sent, c.delivered, c.failed, c.trying))
            .collect();
        assert_eq!(on, [(Email, 2, 1, 1, 1), (Sms, 0, 0, 1, 0)]);
        let acked = vec!["sent".to_owned()];
        assert_eq!(unacknowledged(&t.reached, &acked), ["delivered"]);
        assert!(unacknowledged(&[], &acked).is_empty());
    }

    #[test]
    fn a_manager_reopens_only_who_herald_gave_up_on() {
        let email = addr(Email);
        let sms = addr(Sms);
        let p = RetryPolicy {
            max_attempts: 2,
            backoff_secs: vec![30],
        };
        let lost = vec![
            d(Email, 1, PermanentFailure, 0),
            d(Sms, 1, TemporaryFailure, 5),
            d(Sms, 2, TemporaryFailure, 40),
        ];
        let from = |a: &[Delivery], channel| reopen(a, &email, Some(&sms), channel, &p);
        assert_eq!(from(&lost, None), Ok(&email));
        assert_eq!(from(&lost, Some(Email)), Ok(&email));
        assert_eq!(from(&lost, Some(Sms)), Ok(&sms));
        assert_eq!(
            reopen(&lost, &email, None, Some(Sms), &p),
            Err(Reopen::NotTheirs)
        );
        assert_eq!(from(&[d(Email, 1, Sent, 0)], None), Err(Reopen::Reached));
        assert_eq!(
            from(&[d(Email, 1, TemporaryFailure, 0)], None),
            Err(Reopen::StillTrying)
        );
    }

    #[test]
    fn a_reopened_round_starts_over_and_keeps_numbering() {
        let email = addr(Email);
        let sms = addr(Sms);
        let p = RetryPolicy {
            max_attempts: 2,
            backoff_secs: vec![30],
        };
        let mut a = vec![
            d(Email, 1, PermanentFailure, 0),
            d(Sms, 1, TemporaryFailure, 5),
            d(Sms, 2, TemporaryFailure, 40),
        ];
        assert_eq!(next_step(&a, &email, Some(&sms), &p), NextStep::GiveUp);
        // "Retry now": from the first channel again, numbered after what is recorded.
        a.push(d(Email, 2, Reopened, 100));
        assert_eq!(
            next_step(&a, &email, Some(&sms), &p),
            NextStep::Send {
                address: email.clone()
            }
        );
        assert_eq!(next_number(&a, Email), 3);
        a.push(d(Email, 3, TemporaryFailure, 110));
        assert_eq!(
            next_step(&a, &email, Some(&sms), &p),
            NextStep::Retry {
                address: email.clone(),
                attempt: 4,
                at: NOW + time::Duration::seconds(140)
            }
        );
        a.push(d(Email, 4, Delivered, 140));
        assert_eq!(next_step(&a, &email, Some(&sms), &p), NextStep::Done);
        let t = tally(&a, |_| Some((&email, Some(&sms))), &p);
        assert_eq!((t.sent, t.delivered, t.attempts), (1, 1, 5));
        assert!(t.failures.is_empty());

        // "Send on another channel": the fallback's channel alone, nothing after it.
        let mut b = vec![
            d(Email, 1, PermanentFailure, 0),
            d(Sms, 1, PermanentFailure, 5),
            d(Sms, 2, Reopened, 100),
        ];
        assert_eq!(reopened_on(&b), Some(Sms));
        assert_eq!(
            next_step(&b, &email, Some(&sms), &p),
            NextStep::Send {
                address: sms.clone()
            }
        );
        assert_eq!(next_number(&b, Sms), 3);
        b.push(d(Sms, 3, PermanentFailure, 110));
        assert_eq!(next_step(&b, &email, Some(&sms), &p), NextStep::GiveUp);
        let t = tally(&b, |_| Some((&email, Some(&sms))), &p);
        assert_eq!(t.failures.len(), 1);
        assert_eq!((t.failures[0].channel, t.failures[0].attempts), (Sms, 3));
    }
}
