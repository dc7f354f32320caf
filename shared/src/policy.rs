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

/// A responder as shown to a key below admin: an incoming-webhook URL is a bearer secret, so only
/// its host is shown; an email address is shown as it is.
pub fn redact_responder(responder: &str) -> String {
    if !responder.contains("://") {
        return responder.to_owned();
    }
    url::Url::parse(responder)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}/***", u.scheme())))
        .unwrap_or_else(|| "***".into())
}

impl Policy {
    /// The policy as a key below admin may read it (`redact_responder`).
    pub fn redacted(&self) -> Policy {
        Policy {
            responders: self
                .responders
                .iter()
                .map(|r| redact_responder(r))
                .collect(),
            ..self.clone()
        }
    }
}

/// Redacts the responders in a JSON document that carries a policy (a `configure_page` command in
/// the audit log, say), for a key below admin.
pub fn redact_policy_json(value: &mut serde_json::Value) {
    if let Some(list) = value
        .get_mut("policy")
        .and_then(|p| p.get_mut("responders"))
        .and_then(|r| r.as_array_mut())
    {
        for r in list {
            if let Some(s) = r.as_str() {
                *r = serde_json::Value::String(redact_responder(s));
            }
        }
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
    fn responder_urls_are_redacted_and_emails_kept() {
        let p = Policy {
            responders: vec![
                "oncall@acme.com".into(),
                "https://hooks.slack.com/services/T000/B000/secret".into(),
            ],
            ..Policy::default()
        };
        assert_eq!(
            p.redacted().responders,
            ["oncall@acme.com", "https://hooks.slack.com/***"]
        );
        let mut audit =
            serde_json::json!({"type": "configure_page", "policy": {"responders": p.responders}});
        redact_policy_json(&mut audit);
        assert!(!audit.to_string().contains("secret"), "{audit}");
        assert!(audit.to_string().contains("oncall@acme.com"), "{audit}");
    }

    #[test]
    fn a_partial_stored_policy_keeps_the_other_defaults() {
        let p: Policy = serde_json::from_str(r#"{"maintenance_lead_minutes": 60}"#).unwrap();
        assert_eq!(p.maintenance_lead_minutes, 60);
        assert_eq!(p.service_update_lead_minutes, 2 * DAY);
    }
}
