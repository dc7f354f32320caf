//! The scorecard's inputs read from the records (an incident's notifications with their attempts
//! and receipts, the audit's review events), handed to `shared::scorecard`, which measures.

use herald_shared::delivery::Delivery;
use herald_shared::scorecard::{self, Message};
use herald_shared::wire::{PeriodScorecard, Scorecard};
use herald_shared::{Event, State as PageState, Timestamp};

use super::{parse_stamp, parse_time, query_param, PageObject};
use crate::error::{ApiError, ApiResult};

/// The period a page-level scorecard covers unless told: the last 30 days.
const DEFAULT_PERIOD_DAYS: i64 = 30;

/// Audit entries read per page while looking for review events.
const AUDIT_PAGE: u32 = 500;

impl PageObject {
    /// Incident `id`'s scorecard as of `now`; `reviews` are the audit's review events.
    pub(super) fn scorecard(
        &self,
        state: &PageState,
        id: &str,
        reviews: &[(Timestamp, Event)],
        now: Timestamp,
    ) -> ApiResult<Scorecard> {
        let mut read: Vec<(_, u32, Vec<Delivery>, Vec<String>)> = Vec::new();
        for info in self.store.notifications(Some(id))? {
            let attempts = self
                .store
                .deliveries(&info.id)?
                .iter()
                .map(Self::attempt)
                .collect();
            let acks = if self.store.requires_ack(&info.id)? {
                self.store.receipts(&info.id)?
            } else {
                Vec::new()
            };
            read.push((info.kind, info.recipients, attempts, acks));
        }
        let messages: Vec<Message> = read
            .iter()
            .map(|(kind, recipients, attempts, acks)| Message {
                kind: *kind,
                recipients: *recipients,
                attempts,
                acknowledged: acks,
            })
            .collect();
        scorecard::incident(state, id, &messages, reviews, &self.retry, now)
            .ok_or_else(|| ApiError::not_found(format!("no incident {id:?}")))
    }

    /// Every review event in the audit, with its time, oldest first.
    pub(super) fn review_events(&self) -> ApiResult<Vec<(Timestamp, Event)>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (entries, next) =
                self.store
                    .audit(&super::store::AuditFilter::default(), after, AUDIT_PAGE)?;
            for e in entries {
                let Some(at) = parse_time(&e.at) else {
                    continue;
                };
                let events: Vec<Event> = serde_json::from_value(e.events).unwrap_or_default();
                out.extend(
                    events
                        .into_iter()
                        .filter(|ev| {
                            matches!(
                                ev,
                                Event::ReviewRequested { .. }
                                    | Event::ReviewApproved { .. }
                                    | Event::ReviewSentBack { .. }
                            )
                        })
                        .map(|ev| (at, ev)),
                );
            }
            match next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// The incidents that started in the query's [since, until) (by default the 30 days up to
    /// `now`), summed up.
    pub(super) fn period_scorecard(
        &self,
        state: &PageState,
        query: &str,
        now: Timestamp,
    ) -> ApiResult<PeriodScorecard> {
        let bound = |name: &'static str| -> ApiResult<Option<Timestamp>> {
            query_param(query, name)
                .map(|s| parse_stamp(name, &s).map(|t| parse_time(&t)))
                .transpose()
                .map(Option::flatten)
        };
        let until = bound("until")?.unwrap_or(now);
        let since = bound("since")?.unwrap_or(until - time::Duration::days(DEFAULT_PERIOD_DAYS));
        if since >= until {
            return Err(ApiError::client(
                400,
                "invalid-parameter",
                "Invalid period",
                "since must be before until".to_owned(),
            )
            .with_field("since"));
        }
        let reviews = self.review_events()?;
        let mut cards = Vec::new();
        for i in &state.incidents {
            let started = i.started_at.unwrap_or(i.created_at);
            if started >= since && started < until {
                cards.push(self.scorecard(state, &i.id, &reviews, now)?);
            }
        }
        Ok(scorecard::period(cards, since, until))
    }
}
