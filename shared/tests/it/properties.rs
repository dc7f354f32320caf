//! Property tests: random command sequences (valid and not) never break the lifecycle, never lose an
//! update, never show a viewer what their segments do not admit, and always survive storage as JSON.

use herald_shared::command::*;
use herald_shared::model::*;
use herald_shared::statuspage;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::view::{banner, summary, Viewer};
use herald_shared::wire::BannerKind;
use herald_shared::Timestamp;
use proptest::prelude::*;
use time::macros::datetime;

const START: Timestamp = datetime!(2026-03-01 00:00 UTC);
const COMPONENTS: [&str; 3] = ["api", "web", "db"];
const SEGMENTS: [&str; 3] = ["plan:enterprise", "tenant:1", "region:eu"];

fn page() -> Page {
    let mut p = Page::new("prop", "Prop");
    p.components = COMPONENTS.iter().map(|c| Component::new(*c, *c)).collect();
    p.audiences = ["plan:enterprise", "tenant:*", "region:eu"]
        .iter()
        .map(|s| Audience {
            segment: s.to_string(),
            name: String::new(),
        })
        .collect();
    p
}

/// An abstract step; `to_command` turns it into a concrete command, often a plausible one, sometimes
/// one the rules must refuse.
#[derive(Debug, Clone)]
enum Op {
    Open {
        i: u8,
        impact: Impact,
        comps: Vec<u8>,
        segment: Option<u8>,
    },
    Post {
        i: u8,
        status: IncidentStatus,
        comps: Option<Vec<u8>>,
    },
    Reopen {
        i: u8,
        status: IncidentStatus,
    },
    Postmortem {
        i: u8,
    },
    SetComponent {
        c: u8,
        status: ComponentStatus,
    },
    Schedule {
        m: u8,
        start_hours: i64,
        override_reason: bool,
        segment: Option<u8>,
    },
    UpdateMaintenance {
        m: u8,
        status: MaintenanceStatus,
    },
    Notice {
        n: u8,
        kind: NoticeKind,
        hours: i64,
        override_reason: bool,
        segment: Option<u8>,
    },
    Subscribe {
        s: u8,
        comps: Vec<u8>,
    },
    Confirm {
        s: u8,
    },
    Unsubscribe {
        s: u8,
    },
}

fn impact() -> impl Strategy<Value = Impact> {
    prop::sample::select(Impact::ALL.to_vec())
}

fn incident_status() -> impl Strategy<Value = IncidentStatus> {
    prop::sample::select(IncidentStatus::ALL.to_vec())
}

fn op() -> impl Strategy<Value = Op> {
    let comps = prop::collection::vec(0u8..3, 0..3);
    let seg = prop::option::of(0u8..3);
    prop_oneof![
        3 => (0u8..4, impact(), comps.clone(), seg.clone()).prop_map(|(i, impact, comps, segment)| Op::Open { i, impact, comps, segment }),
        6 => (0u8..4, incident_status(), prop::option::of(comps.clone())).prop_map(|(i, status, comps)| Op::Post { i, status, comps }),
        1 => (0u8..4, incident_status()).prop_map(|(i, status)| Op::Reopen { i, status }),
        1 => (0u8..4).prop_map(|i| Op::Postmortem { i }),
        2 => (0u8..3, prop::sample::select(ComponentStatus::ALL.to_vec())).prop_map(|(c, status)| Op::SetComponent { c, status }),
        2 => (0u8..3, -2i64..100, any::<bool>(), seg.clone()).prop_map(|(m, start_hours, override_reason, segment)| Op::Schedule { m, start_hours, override_reason, segment }),
        3 => (0u8..3, prop::sample::select(MaintenanceStatus::ALL.to_vec())).prop_map(|(m, status)| Op::UpdateMaintenance { m, status }),
        1 => (0u8..3, prop::sample::select(NoticeKind::ALL.to_vec()), 0i64..400, any::<bool>(), seg).prop_map(|(n, kind, hours, override_reason, segment)| Op::Notice { n, kind, hours, override_reason, segment }),
        1 => (0u8..3, comps).prop_map(|(s, comps)| Op::Subscribe { s, comps }),
        1 => (0u8..3).prop_map(|s| Op::Confirm { s }),
        1 => (0u8..3).prop_map(|s| Op::Unsubscribe { s }),
    ]
}

fn ids(v: &[u8]) -> Vec<String> {
    v.iter()
        .map(|c| COMPONENTS[*c as usize].to_string())
        .collect()
}

fn visibility(segment: Option<u8>) -> Visibility {
    match segment {
        Some(s) => Visibility::Segments(vec![SEGMENTS[s as usize].to_string()]),
        None => Visibility::Public,
    }
}

fn to_command(op: Op, step: usize, now: Timestamp) -> Command {
    let uid = format!("u{step}");
    match op {
        Op::Open {
            i,
            impact,
            comps,
            segment,
        } => Command::OpenIncident(OpenIncident {
            id: format!("i{i}"),
            update_id: uid,
            title: "Something is wrong".into(),
            impact,
            body: "Customers see errors.".into(),
            components: ids(&comps).into_iter().map(Into::into).collect(),
            visibility: visibility(segment),
            ..OpenIncident::default()
        }),
        Op::Post { i, status, comps } => Command::PostUpdate(PostUpdate {
            incident_id: format!("i{i}"),
            update_id: uid,
            status,
            body: "An update.".into(),
            components: comps.map(|c| ids(&c).into_iter().map(Into::into).collect()),
            ..PostUpdate::default()
        }),
        Op::Reopen { i, status } => Command::Reopen(Reopen {
            incident_id: format!("i{i}"),
            update_id: uid,
            status,
            body: "It is back.".into(),
            ..Reopen::default()
        }),
        Op::Postmortem { i } => Command::AttachPostmortem(AttachPostmortem {
            incident_id: format!("i{i}"),
            body: "What happened.".into(),
            silent: false,
        }),
        Op::SetComponent { c, status } => Command::SetComponentStatus(SetComponentStatus {
            component_id: COMPONENTS[c as usize].into(),
            status,
            notify: false,
        }),
        Op::Schedule {
            m,
            start_hours,
            override_reason,
            segment,
        } => Command::ScheduleMaintenance(ScheduleMaintenance {
            id: format!("m{m}"),
            update_id: uid,
            title: "Upgrade".into(),
            body: "Planned work.".into(),
            components: vec!["db".into()],
            scheduled_for: now + time::Duration::hours(start_hours),
            scheduled_until: now + time::Duration::hours(start_hours + 2),
            reminders: None,
            visibility: visibility(segment),
            override_reason: override_reason.then(|| "Urgent".to_string()),
            silent: false,
            no_social: false,
        }),
        Op::UpdateMaintenance { m, status } => Command::UpdateMaintenance(UpdateMaintenance {
            maintenance_id: format!("m{m}"),
            update_id: uid,
            status,
            body: "Progress.".into(),
            silent: false,
        }),
        Op::Notice {
            n,
            kind,
            hours,
            override_reason,
            segment,
        } => Command::PublishNotice(PublishNotice {
            id: format!("n{n}"),
            kind,
            title: "A change".into(),
            body: "Something changes.".into(),
            effective_at: now + time::Duration::hours(hours),
            components: vec![],
            visibility: visibility(segment),
            requires_ack: false,
            override_reason: override_reason.then(|| "Legal".to_string()),
            silent: false,
        }),
        Op::Subscribe { s, comps } => Command::Subscribe(Subscribe {
            id: format!("s{s}-{step}"),
            channel: SubscriberChannel::Email,
            address: format!("user{s}@example.com"),
            fallback: None,
            components: ids(&comps),
            segments: vec![],
            locale: None,
            loopback_hooks: false,
            replaces: None,
            suppression: Default::default(),
            format: Default::default(),
        }),
        Op::Confirm { s } => Command::Confirm(Confirm {
            subscriber_id: format!("s{s}"),
        }),
        Op::Unsubscribe { s } => Command::Unsubscribe(Unsubscribe {
            subscriber_id: format!("s{s}"),
            ..Default::default()
        }),
    }
}

/// Every rule that must hold of any reachable state.
fn check_invariants(s: &State) -> Result<(), TestCaseError> {
    for i in &s.incidents {
        prop_assert!(!i.updates.is_empty(), "incident {} has no update", i.id);
        prop_assert_ne!(i.updates[0].status, IncidentStatus::Resolved);
        for w in i.updates.windows(2) {
            let (a, b) = (w[0].status, w[1].status);
            // Either a legal step, or an explicit reopen out of resolved.
            prop_assert!(
                a.may_become(b) || (a == IncidentStatus::Resolved && b != IncidentStatus::Resolved),
                "{}: {a:?} -> {b:?}",
                i.id
            );
            prop_assert!(w[0].created_at <= w[1].created_at);
        }
        let latest = i.latest().unwrap();
        if i.is_active() {
            // Default policy: every open incident carries its promise.
            prop_assert!(latest.next_update_at.is_some(), "{} has no promise", i.id);
        } else {
            prop_assert!(latest.next_update_at.is_none());
        }
        if let Some(p) = &i.postmortem {
            prop_assert!(i
                .updates
                .iter()
                .any(|u| u.status == IncidentStatus::Resolved && u.created_at <= p.published_at));
        }
    }
    for m in &s.maintenances {
        prop_assert!(m.scheduled_until > m.scheduled_for);
        prop_assert_eq!(m.updates[0].status, MaintenanceStatus::Scheduled);
        for w in m.updates.windows(2) {
            prop_assert!(
                w[0].status.may_become(w[1].status),
                "{}: {:?} -> {:?}",
                m.id,
                w[0].status,
                w[1].status
            );
        }
    }
    for n in &s.notices {
        let enough = n.effective_at - n.published_at >= s.page.policy.lead_time(n.kind);
        prop_assert!(
            enough || n.override_reason.is_some(),
            "{} published too late",
            n.id
        );
    }
    let mut addresses: Vec<String> = s
        .subscribers
        .iter()
        .map(|x| x.address.value.to_lowercase())
        .collect();
    addresses.sort();
    addresses.dedup();
    prop_assert_eq!(
        addresses.len(),
        s.subscribers.len(),
        "one subscriber per address"
    );
    Ok(())
}

fn viewers() -> Vec<Viewer> {
    let mut v = vec![Viewer::default()];
    for s in SEGMENTS {
        v.push(Viewer::with_segments(vec![s.to_string()]));
    }
    v.push(Viewer::with_segments(
        SEGMENTS.iter().map(|s| s.to_string()).collect(),
    ));
    v
}

fn check_views(s: &State, now: Timestamp) -> Result<(), TestCaseError> {
    for v in viewers() {
        let b = banner(s, &v, now);
        if let Some(item) = &b.item {
            let vis = match item.kind {
                BannerKind::Incident => s.incident(&item.id).map(|i| &i.visibility),
                BannerKind::Maintenance => s.maintenance(&item.id).map(|m| &m.visibility),
                BannerKind::Notice => s.notice(&item.id).map(|n| &n.visibility),
                BannerKind::Unknown => None,
            };
            let vis = vis.expect("the banner names an item that exists");
            prop_assert!(vis.admits(&v.segments), "{:?} sees {}", v.segments, item.id);
            if item.kind == BannerKind::Incident {
                prop_assert!(s.incident(&item.id).unwrap().is_active());
            }
        }
        for i in summary(s, &v, now).incidents {
            prop_assert!(s.incident(&i.id).unwrap().visibility.admits(&v.segments));
        }
        for i in statuspage::incidents(s, &v).incidents {
            prop_assert!(s.incident(&i.id).unwrap().visibility.admits(&v.segments));
        }
        // A public viewer's components never reflect incidents they cannot see.
        if v.segments.is_empty() {
            let public_only = State {
                incidents: s
                    .incidents
                    .iter()
                    .filter(|i| i.visibility.is_public())
                    .cloned()
                    .collect(),
                maintenances: s
                    .maintenances
                    .iter()
                    .filter(|m| m.visibility.is_public())
                    .cloned()
                    .collect(),
                ..s.clone()
            };
            for c in COMPONENTS {
                prop_assert_eq!(
                    s.component_status(c, &[]),
                    public_only.component_status(c, &[])
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_rule(
        ops in prop::collection::vec((op(), 0i64..90), 1..40)
    ) {
        let mut s = State::new(page());
        let mut now = START;
        for (step, (op, minutes)) in ops.into_iter().enumerate() {
            now += time::Duration::minutes(minutes);
            let cmd = to_command(op, step, now);
            match apply(&s, cmd, now) {
                Ok((next, events)) => {
                    prop_assert_eq!(next.version, s.version + 1);
                    // Never lose an update: every incident and its updates survive as a prefix.
                    for before in &s.incidents {
                        let after = next.incident(&before.id).expect("incidents are never removed");
                        prop_assert!(after.updates.len() >= before.updates.len());
                        prop_assert_eq!(&after.updates[..before.updates.len()], &before.updates[..]);
                    }
                    for before in &s.maintenances {
                        let after = next.maintenance(&before.id).expect("maintenance is never removed");
                        prop_assert_eq!(&after.updates[..before.updates.len()], &before.updates[..]);
                    }
                    let added: usize = next.incidents.iter().map(|i| i.updates.len()).sum::<usize>()
                        - s.incidents.iter().map(|i| i.updates.len()).sum::<usize>();
                    prop_assert!(added <= 1);
                    prop_assert!(events.len() <= 1);
                    s = next;
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert!(!e.kind().is_empty());
                }
            }
            check_invariants(&s)?;
        }
        check_views(&s, now)?;
        // The Durable Object stores the state as JSON: it must come back identical.
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<State>(&json).unwrap(), s);
    }

    #[test]
    fn sms_counts_are_consistent(text in "[ -~€£éüçΩ🔥\\n]{0,400}") {
        let c = herald_shared::sms::count(&text);
        let (single, part) = match c.encoding {
            herald_shared::sms::SmsEncoding::Gsm7 => (160, 153),
            herald_shared::sms::SmsEncoding::Ucs2 => (70, 67),
        };
        if c.units <= single {
            prop_assert_eq!(c.segments, 1);
        } else {
            // At least the ideal packing, at most one extra part per part boundary lost to a split.
            let ideal = c.units.div_ceil(part);
            prop_assert!(c.segments >= ideal && c.segments <= ideal + c.units / part);
        }
        let fitted = herald_shared::sms::fit("Head: ", &text, " https://s.example/x", 1);
        prop_assert_eq!(herald_shared::sms::count(&fitted).segments, 1);
    }

    #[test]
    fn lint_spans_are_always_valid(title in "\\PC{0,40}", body in "\\PC{0,300}") {
        let d = herald_shared::lint::Draft {
            title: title.clone(),
            body: body.clone(),
            status: Some(IncidentStatus::Investigating),
            ..Default::default()
        };
        for w in herald_shared::lint::lint(&d) {
            let text = match w.field {
                herald_shared::lint::DraftField::Title => &title,
                herald_shared::lint::DraftField::Body => &body,
            };
            prop_assert!(w.span.start <= w.span.end && w.span.end <= text.len());
            prop_assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
        }
    }

    /// Drafts made of the words the promise rules look for, in every locale, joined with and without
    /// spaces: spans stay valid and nothing panics.
    #[test]
    fn lint_spans_are_valid_over_the_words_it_looks_for(
        words in prop::collection::vec(prop::sample::select(LINT_WORDS), 0..40),
        spaced in any::<bool>(),
        locale in prop::sample::select(&["en", "de", "fr", "es", "pt", "ja", "ar", "pt-BR", "xx"][..]),
    ) {
        let body = words.join(if spaced { " " } else { "" });
        let d = herald_shared::lint::Draft {
            title: body.chars().take(20).collect(),
            body: body.clone(),
            status: Some(IncidentStatus::Investigating),
            locale: Some(locale.into()),
            social: vec![herald_shared::lint::Social::Bluesky, herald_shared::lint::Social::Mastodon],
            ..Default::default()
        };
        for w in herald_shared::lint::lint(&d) {
            let text = match w.field {
                herald_shared::lint::DraftField::Title => &d.title,
                herald_shared::lint::DraftField::Body => &body,
            };
            prop_assert!(w.span.start <= w.span.end && w.span.end <= text.len());
            prop_assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
        }
    }
}

const LINT_WORDS: &[&str] = &[
    "will",
    "be",
    "fixed",
    "by",
    "14:00",
    "in",
    "10",
    "minutes",
    "ETA",
    "update",
    "next",
    ":",
    ".",
    ";",
    "a.m.",
    "p.m.",
    "5pm",
    "within",
    "the",
    "hour",
    "back",
    "check",
    "we'll",
    "to",
    "restore",
    "分",
    "以内",
    "復旧",
    "見込み",
    "更新",
    "しました",
    "１０",
    "時",
    "خلال",
    "ساعة",
    "إصلاح",
    "سيتم",
    "التحديث",
    "bis",
    "Uhr",
    "behoben",
    "wird",
    "d'ici",
    "14h00",
    "16h",
    "à",
    "sera",
    "rétabli",
    "las",
    "a",
    "en",
    "às",
    "será",
    "é\u{301}",
    "’",
    "\n",
    "https://x.example/a",
    "estimated",
    "no",
    "Update",
    "up",
    "to",
];
