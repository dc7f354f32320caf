//! The communication scorecard: how well the people an incident concerned were kept informed (the
//! first public word, the "next update by" promises, silences, deliveries, audiences, reviews),
//! measured from the state, the delivery records and the audit's review events, with `now` passed in.

use crate::delivery::{self, Delivery, NotificationKind, RetryPolicy};
use crate::event::Event;
use crate::model::{Incident, IncidentStatus, State, Visibility};
use crate::subscriber::SubscriberChannel;
use crate::wire::{
    ChannelScore, PeriodScorecard, PromiseScore, PromiseVerdict, ReviewDecision, ReviewScore,
    Scorecard,
};
use crate::Timestamp;

/// One notification sent about the incident, with every attempt at it and who acknowledged it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub kind: NotificationKind,
    /// How many it was addressed to.
    pub recipients: u32,
    pub attempts: &'a [Delivery],
    /// Subscribers who acknowledged it (for messages that ask for it).
    pub acknowledged: &'a [String],
}

fn secs(d: time::Duration) -> i64 {
    d.whole_seconds()
}

/// The scorecard of incident `id`, or `None` when the page has no such incident. `audit` is the
/// page's events with their times (only the reviews of this incident are read from it).
pub fn incident(
    state: &State,
    id: &str,
    messages: &[Message],
    audit: &[(Timestamp, Event)],
    retry: &RetryPolicy,
    now: Timestamp,
) -> Option<Scorecard> {
    let i = state.incident(id)?;
    let mut updates: Vec<_> = i.updates.iter().collect();
    updates.sort_by_key(|u| u.created_at);
    let started_at = i.started_at.unwrap_or(i.created_at);
    let first_word_at = updates.first().map(|u| u.created_at);
    let resolved_at = (!i.is_active())
        .then(|| i.first_at(IncidentStatus::Resolved))
        .flatten();
    let promises = promises(&updates, now);
    let (channels, not_yet_tried, reached) = deliveries(state, messages, retry);
    Some(Scorecard {
        incident_id: i.id.clone(),
        title: i.title.clone(),
        impact: i.impact,
        started_at,
        first_word_at,
        resolved_at,
        time_to_first_word_secs: first_word_at.map(|t| secs(t - started_at).max(0)),
        updates: updates.len() as u32,
        promises_kept: count(&promises, PromiseVerdict::Kept),
        promises_broken: count(&promises, PromiseVerdict::Broken),
        promises,
        longest_silence_secs: longest_silence(&updates, now),
        messages: messages.len() as u32,
        channels,
        not_yet_tried,
        audiences: audiences(i),
        subscribers_reached: reached,
        reviews: reviews(id, audit),
    })
}

fn count(promises: &[PromiseScore], verdict: PromiseVerdict) -> u32 {
    promises.iter().filter(|p| p.verdict == verdict).count() as u32
}

/// Each update's promise, kept by the next update published in time.
fn promises(updates: &[&crate::model::IncidentUpdate], now: Timestamp) -> Vec<PromiseScore> {
    updates
        .iter()
        .enumerate()
        .filter_map(|(n, u)| {
            let due_at = u.next_update_at?;
            let met_at = updates.get(n + 1).map(|next| next.created_at);
            let (verdict, late_by) = match met_at {
                Some(t) if t <= due_at => (PromiseVerdict::Kept, 0),
                Some(t) => (PromiseVerdict::Broken, secs(t - due_at)),
                None if now > due_at => (PromiseVerdict::Broken, secs(now - due_at)),
                None => (PromiseVerdict::Open, 0),
            };
            Some(PromiseScore {
                update_id: u.id.clone(),
                made_at: u.created_at,
                due_at,
                met_at,
                verdict,
                late_by_secs: late_by,
            })
        })
        .collect()
}

/// The longest gap after an unresolved update before the next one (or now, for the last).
fn longest_silence(updates: &[&crate::model::IncidentUpdate], now: Timestamp) -> i64 {
    updates
        .iter()
        .enumerate()
        .filter(|(_, u)| u.status != IncidentStatus::Resolved)
        .map(|(n, u)| {
            let until = updates.get(n + 1).map_or(now, |next| next.created_at);
            secs(until - u.created_at).max(0)
        })
        .max()
        .unwrap_or(0)
}

fn audiences(i: &Incident) -> Vec<String> {
    match &i.visibility {
        Visibility::Public => vec!["public".to_owned()],
        Visibility::Segments(s) => s.clone(),
    }
}

/// Per channel, where each recipient of each message stands; recipients not tried yet; distinct
/// subscribers reached.
fn deliveries(
    state: &State,
    messages: &[Message],
    retry: &RetryPolicy,
) -> (Vec<ChannelScore>, u32, u32) {
    let mut channels: Vec<ChannelScore> = SubscriberChannel::ALL
        .into_iter()
        .map(|channel| ChannelScore {
            channel,
            sent: 0,
            delivered: 0,
            failed: 0,
            pending: 0,
            acknowledged: 0,
        })
        .collect();
    let mut reached: Vec<String> = Vec::new();
    let mut not_yet_tried = 0u32;
    for m in messages {
        let targets = |id: &str| state.subscriber(id).and_then(|s| m.kind.targets(s));
        let t = delivery::tally(m.attempts, targets, retry);
        let mut tried = 0;
        for on in t.channels {
            tried += on.sent + on.failed + on.trying;
            let Some(score) = channels.iter_mut().find(|c| c.channel == on.channel) else {
                continue;
            };
            score.sent += on.sent;
            score.delivered += on.delivered;
            score.failed += on.failed;
            score.pending += on.trying;
            score.acknowledged += on
                .reached
                .iter()
                .filter(|id| m.acknowledged.contains(id))
                .count() as u32;
        }
        not_yet_tried += m.recipients.saturating_sub(tried);
        reached.extend(t.reached);
    }
    reached.sort_unstable();
    reached.dedup();
    channels.retain(|c| c.sent + c.failed + c.pending > 0);
    (channels, not_yet_tried, reached.len() as u32)
}

/// The reviews of drafts about `subject`, from the audit's review events, oldest first.
fn reviews(subject: &str, audit: &[(Timestamp, Event)]) -> Vec<ReviewScore> {
    let mut out: Vec<ReviewScore> = Vec::new();
    for (at, e) in audit {
        match e {
            Event::ReviewRequested {
                review_id,
                subject: s,
                ..
            } if s == subject => out.push(ReviewScore {
                review_id: review_id.clone(),
                submitted_at: *at,
                decided_at: None,
                decision: ReviewDecision::Waiting,
                turnaround_secs: None,
            }),
            Event::ReviewApproved { review_id, .. } | Event::ReviewSentBack { review_id, .. } => {
                let Some(r) = out
                    .iter_mut()
                    .find(|r| &r.review_id == review_id && r.decided_at.is_none())
                else {
                    continue;
                };
                r.decided_at = Some(*at);
                r.decision = if matches!(e, Event::ReviewApproved { .. }) {
                    ReviewDecision::Approved
                } else {
                    ReviewDecision::SentBack
                };
                r.turnaround_secs = Some(secs(*at - r.submitted_at).max(0));
            }
            _ => {}
        }
    }
    out
}

/// Sums the scorecards of the incidents that started in [since, until).
pub fn period(cards: Vec<Scorecard>, since: Timestamp, until: Timestamp) -> PeriodScorecard {
    let mut cards: Vec<Scorecard> = cards
        .into_iter()
        .filter(|c| c.started_at >= since && c.started_at < until)
        .collect();
    cards.sort_by_key(|c| c.started_at);
    let firsts: Vec<i64> = cards
        .iter()
        .filter_map(|c| c.time_to_first_word_secs)
        .collect();
    let turnarounds: Vec<i64> = cards
        .iter()
        .flat_map(|c| c.reviews.iter().filter_map(|r| r.turnaround_secs))
        .collect();
    let mut channels: Vec<ChannelScore> = Vec::new();
    for c in cards.iter().flat_map(|c| &c.channels) {
        match channels.iter_mut().find(|s| s.channel == c.channel) {
            Some(s) => {
                s.sent += c.sent;
                s.delivered += c.delivered;
                s.failed += c.failed;
                s.pending += c.pending;
                s.acknowledged += c.acknowledged;
            }
            None => channels.push(c.clone()),
        }
    }
    channels.sort_by_key(|c| c.channel);
    PeriodScorecard {
        since,
        until,
        incidents: cards.len() as u32,
        mean_time_to_first_word_secs: (!firsts.is_empty())
            .then(|| firsts.iter().sum::<i64>() / firsts.len() as i64),
        longest_time_to_first_word_secs: firsts.iter().copied().max(),
        promises_kept: cards.iter().map(|c| c.promises_kept).sum(),
        promises_broken: cards.iter().map(|c| c.promises_broken).sum(),
        worst_late_by_secs: cards
            .iter()
            .flat_map(|c| c.promises.iter().map(|p| p.late_by_secs))
            .max()
            .unwrap_or(0),
        longest_silence_secs: cards
            .iter()
            .map(|c| c.longest_silence_secs)
            .max()
            .unwrap_or(0),
        messages: cards.iter().map(|c| c.messages).sum(),
        channels,
        subscribers_reached: cards.iter().map(|c| c.subscribers_reached).sum(),
        reviews: cards.iter().map(|c| c.reviews.len() as u32).sum(),
        longest_review_secs: turnarounds.iter().copied().max(),
        scorecards: cards,
    }
}

#[cfg(test)]
mod tests;
