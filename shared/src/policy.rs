//! A page's communication policy: how much advance notice each kind of change needs and how often an
//! open incident must be updated. The defaults encode the practices in DESIGN.md.

use crate::model::{Impact, NoticeKind};
pub use crate::model::{NextUpdateRule, Policy};

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
    use crate::model::policy_defaults::DAY;

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
