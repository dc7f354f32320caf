//! A page's communication policy: how much advance notice each kind of change needs and how often an
//! open incident must be updated. The defaults encode the practices in DESIGN.md.

use serde::{Deserialize, Serialize};

use crate::model::{Impact, NoticeKind};

/// How a missing `next_update_at` on an unresolved incident is treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextUpdateRule {
    /// A missing promise is filled in from the cadence for the incident's impact.
    #[default]
    Cadence,
    /// A missing promise is refused.
    Required,
    /// Promises are optional.
    Optional,
}

/// Lead times are in minutes; cadences too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub service_update_lead_minutes: u32,
    pub policy_change_lead_minutes: u32,
    pub pricing_change_lead_minutes: u32,
    pub other_notice_lead_minutes: u32,
    pub maintenance_lead_minutes: u32,
    /// Default reminders before a maintenance window, in minutes before it starts.
    pub maintenance_reminders: Vec<u32>,
    pub cadence_critical_minutes: u32,
    pub cadence_major_minutes: u32,
    pub cadence_minor_minutes: u32,
    pub cadence_none_minutes: u32,
    pub next_update: NextUpdateRule,
    /// Extra internal words the wording lint flags on this page.
    pub jargon: Vec<String>,
    /// Who is reminded when a "next update" promise is broken: email addresses, or https URLs
    /// that take Slack's incoming-webhook JSON.
    pub responders: Vec<String>,
    /// Minutes after which a message that asks for acknowledgement is re-sent on the fallback
    /// channel of everyone who has not acknowledged it.
    pub ack_escalate_minutes: u32,
    /// Origins whose pages may post the subscribe form from the browser (the widget inside a
    /// product): `https://app.acme.com`. Empty allows any; the status page itself is always allowed.
    pub subscribe_origins: Vec<String>,
}

const HOUR: u32 = 60;
const DAY: u32 = 24 * HOUR;

impl Default for Policy {
    fn default() -> Self {
        Self {
            service_update_lead_minutes: 2 * DAY,
            policy_change_lead_minutes: 14 * DAY,
            pricing_change_lead_minutes: 14 * DAY,
            other_notice_lead_minutes: 0,
            maintenance_lead_minutes: 3 * DAY,
            maintenance_reminders: vec![DAY, HOUR],
            cadence_critical_minutes: 30,
            cadence_major_minutes: 30,
            cadence_minor_minutes: 60,
            cadence_none_minutes: 120,
            next_update: NextUpdateRule::Cadence,
            jargon: Vec::new(),
            responders: Vec::new(),
            ack_escalate_minutes: HOUR,
            subscribe_origins: Vec::new(),
        }
    }
}

impl Policy {
    /// Advance notice a notice of `kind` needs.
    pub fn lead_time(&self, kind: NoticeKind) -> time::Duration {
        let minutes = match kind {
            NoticeKind::ServiceUpdate => self.service_update_lead_minutes,
            NoticeKind::PolicyChange => self.policy_change_lead_minutes,
            NoticeKind::PricingChange => self.pricing_change_lead_minutes,
            NoticeKind::Other => self.other_notice_lead_minutes,
        };
        time::Duration::minutes(minutes.into())
    }

    pub fn maintenance_lead_time(&self) -> time::Duration {
        time::Duration::minutes(self.maintenance_lead_minutes.into())
    }

    /// How long an open incident of `impact` may go without an update.
    pub fn cadence(&self, impact: Impact) -> time::Duration {
        let minutes = match impact {
            Impact::Critical => self.cadence_critical_minutes,
            Impact::Major => self.cadence_major_minutes,
            Impact::Minor => self.cadence_minor_minutes,
            Impact::None => self.cadence_none_minutes,
        };
        time::Duration::minutes(minutes.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lead_times_and_cadences() {
        let p = Policy::default();
        let h = time::Duration::hours;
        let cases = [
            (NoticeKind::ServiceUpdate, h(48)),
            (NoticeKind::PolicyChange, h(14 * 24)),
            (NoticeKind::PricingChange, h(14 * 24)),
            (NoticeKind::Other, h(0)),
        ];
        for (kind, want) in cases {
            assert_eq!(p.lead_time(kind), want, "{kind:?}");
        }
        let m = time::Duration::minutes;
        let cases = [
            (Impact::Critical, m(30)),
            (Impact::Major, m(30)),
            (Impact::Minor, m(60)),
            (Impact::None, m(120)),
        ];
        for (impact, want) in cases {
            assert_eq!(p.cadence(impact), want, "{impact:?}");
        }
    }

    #[test]
    fn a_partial_stored_policy_keeps_the_other_defaults() {
        let p: Policy = serde_json::from_str(r#"{"maintenance_lead_minutes": 60}"#).unwrap();
        assert_eq!(p.maintenance_lead_minutes, 60);
        assert_eq!(p.service_update_lead_minutes, 2 * DAY);
    }
}
