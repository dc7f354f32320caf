//! Uptime: how long each component spent in each status, kept compactly as seconds per status per
//! UTC day, and the figures made from them. Major outage counts as down, partial outage as down at
//! the page's weight (`Policy::partial_outage_weight_percent`, 30 by default), degraded performance
//! and maintenance as up. Pure: the shell stores the days and the open intervals, and passes `now`.

use std::collections::{BTreeMap, HashMap};

use time::Date;

use crate::model::{ComponentStatus, Incident, IncidentStatus, State};
pub use crate::wire::Percentage;
use crate::wire::{ComponentUptime, RelatedEvents, RelatedIncident, UptimeBrief};
use crate::Timestamp;

/// Days of history kept (a year and a margin); older days are pruned.
pub const RETENTION_DAYS: i64 = 400;
/// The longest range one question may ask about.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The days the status page shows as bars.
pub const BAR_DAYS: i64 = 90;
pub const DAY_SECONDS: u32 = 86_400;

/// Seconds of one UTC day a component spent in each status other than operational.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub major: u32,
    pub partial: u32,
    pub degraded: u32,
    pub maintenance: u32,
}

impl DayTotals {
    pub fn add(&mut self, status: ComponentStatus, seconds: u32) {
        let slot = match status {
            ComponentStatus::Operational => return,
            ComponentStatus::MajorOutage => &mut self.major,
            ComponentStatus::PartialOutage => &mut self.partial,
            ComponentStatus::DegradedPerformance => &mut self.degraded,
            ComponentStatus::UnderMaintenance => &mut self.maintenance,
        };
        *slot = slot.saturating_add(seconds).min(DAY_SECONDS);
    }

    /// Both days' time, each status capped at a day (sources may overlap: live and imported).
    pub fn merge(&mut self, other: DayTotals) {
        self.add(ComponentStatus::MajorOutage, other.major);
        self.add(ComponentStatus::PartialOutage, other.partial);
        self.add(ComponentStatus::DegradedPerformance, other.degraded);
        self.add(ComponentStatus::UnderMaintenance, other.maintenance);
    }

    /// The worse of each status's time: a group's day, down while its worst member is.
    fn worst(self, other: DayTotals) -> DayTotals {
        DayTotals {
            major: self.major.max(other.major),
            partial: self.partial.max(other.partial),
            degraded: self.degraded.max(other.degraded),
            maintenance: self.maintenance.max(other.maintenance),
        }
    }

    /// Down time in hundredths of a second: major in full, partial at `weight` percent.
    fn weighted_down(self, weight: u8) -> u64 {
        u64::from(self.major) * 100 + u64::from(self.partial) * u64::from(weight.min(100))
    }
}

/// The figure of a range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub percentage: Percentage,
    /// Seconds in major outage and in partial outage (unweighted), as Statuspage reports them.
    pub major_outage: u64,
    pub partial_outage: u64,
}

/// The figure of `days` (missing days were operational) from `start` to `end`, both included.
pub fn figure(
    days: &BTreeMap<Date, DayTotals>,
    start: Date,
    end: Date,
    weight_percent: u8,
) -> Figure {
    let count = u64::try_from((end - start).whole_days() + 1).unwrap_or(0);
    let in_range = days.range(start..=end).map(|(_, t)| *t);
    let (mut down, mut major, mut partial) = (0u64, 0u64, 0u64);
    for t in in_range {
        down += t.weighted_down(weight_percent);
        major += u64::from(t.major);
        partial += u64::from(t.partial);
    }
    let total = count * u64::from(DAY_SECONDS) * 100;
    let percentage = if total == 0 {
        Percentage::FULL
    } else {
        // Rounded down: any down time keeps the figure under 100%.
        let up = total.saturating_sub(down);
        Percentage(u32::try_from(up * 100_000 / total).unwrap_or(100_000))
    };
    Figure {
        percentage,
        major_outage: major,
        partial_outage: partial,
    }
}

/// The day of `t` (UTC).
pub fn day_of(t: Timestamp) -> Date {
    t.to_offset(time::UtcOffset::UTC).date()
}

fn start_of(day: Date) -> Timestamp {
    day.midnight().assume_utc()
}

/// Seconds of each UTC day between `from` and `until` (`until` excluded).
pub fn split(from: Timestamp, until: Timestamp) -> Vec<(Date, u32)> {
    let mut out = Vec::new();
    let mut at = from;
    while at < until {
        let day = day_of(at);
        let end = day
            .next_day()
            .map(start_of)
            .map_or(until, |next| next.min(until));
        let secs = u32::try_from((end - at).whole_seconds()).unwrap_or(DAY_SECONDS);
        out.push((day, secs.min(DAY_SECONDS)));
        if end <= at {
            break;
        }
        at = end;
    }
    out
}

/// A component's status since a time: the interval still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub component: String,
    pub status: ComponentStatus,
    pub since: Timestamp,
}

/// Time closed by `advance`: a component's seconds in a status on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub component: String,
    pub day: Date,
    pub status: ComponentStatus,
    pub seconds: u32,
}

/// The public status of every component of `state`, as uptime records it.
pub fn statuses(state: &State) -> Vec<(String, ComponentStatus)> {
    state
        .page
        .components
        .iter()
        .map(|c| (c.id.clone(), state.component_status(&c.id, &[])))
        .collect()
}

/// After a change at `at`: the intervals that ended (split by day, operational time left out) and
/// the open intervals now. A component whose status did not change keeps its interval; a removed
/// component's interval ends.
pub fn advance(
    open: &[Open],
    now: &[(String, ComponentStatus)],
    at: Timestamp,
) -> (Vec<Closed>, Vec<Open>) {
    let mut closed = Vec::new();
    let mut next = Vec::new();
    let close = |o: &Open, closed: &mut Vec<Closed>| {
        if o.status != ComponentStatus::Operational {
            closed.extend(split(o.since, at).into_iter().map(|(day, seconds)| Closed {
                component: o.component.clone(),
                day,
                status: o.status,
                seconds,
            }));
        }
    };
    for (id, status) in now {
        match open.iter().find(|o| &o.component == id) {
            Some(o) if o.status == *status => next.push(o.clone()),
            found => {
                if let Some(o) = found {
                    close(o, &mut closed);
                }
                next.push(Open {
                    component: id.clone(),
                    status: *status,
                    since: at,
                });
            }
        }
    }
    for o in open
        .iter()
        .filter(|o| !now.iter().any(|(id, _)| *id == o.component))
    {
        close(o, &mut closed);
    }
    (closed, next)
}

/// The days of one component: stored days plus its open interval up to `now`.
pub fn with_open(
    mut days: BTreeMap<Date, DayTotals>,
    open: Option<&Open>,
    now: Timestamp,
) -> BTreeMap<Date, DayTotals> {
    if let Some(o) = open {
        for (day, secs) in split(o.since, now) {
            days.entry(day).or_default().add(o.status, secs);
        }
    }
    days
}

/// A group's days: each day the worst of its members' time per status (a lower bound of the time
/// any member was down, which is what a day's totals can tell).
pub fn group_days(members: &[&BTreeMap<Date, DayTotals>]) -> BTreeMap<Date, DayTotals> {
    let mut out: BTreeMap<Date, DayTotals> = BTreeMap::new();
    for m in members {
        for (day, t) in m.iter() {
            let e = out.entry(*day).or_default();
            *e = e.worst(*t);
        }
    }
    out
}

/// The time an incident's updates say its components spent in each status, from its start to its
/// resolution (or `now` while it is open): for an imported incident, whose history arrives at once.
pub fn incident_days(
    incident: &Incident,
    now: Timestamp,
) -> BTreeMap<String, BTreeMap<Date, DayTotals>> {
    let mut updates: Vec<_> = incident.updates.iter().collect();
    updates.sort_by_key(|u| u.created_at);
    let end = incident
        .first_at(IncidentStatus::Resolved)
        .filter(|_| !incident.is_active())
        .unwrap_or(now);
    let mut out: BTreeMap<String, BTreeMap<Date, DayTotals>> = BTreeMap::new();
    let mut components = Vec::new();
    let mut since = incident.created_at;
    for (n, u) in updates.iter().enumerate() {
        if !u.components.is_empty() {
            components = u.components.clone();
        }
        let until = updates
            .get(n + 1)
            .map_or(end, |next| next.created_at)
            .min(end);
        let from = since;
        if u.status == IncidentStatus::Resolved {
            break;
        }
        for c in &components {
            // An imported incident lists its components with their status today: when that is
            // operational, its impact tells what they were.
            let status = match c.status {
                ComponentStatus::Operational => ComponentStatus::for_impact(incident.impact),
                s => s,
            };
            for (day, secs) in split(from, until) {
                out.entry(c.id.clone())
                    .or_default()
                    .entry(day)
                    .or_default()
                    .add(status, secs);
            }
        }
        since = until;
    }
    out
}

/// Days from `end` back, `count` of them, oldest first.
pub fn last_days(end: Date, count: i64) -> Vec<Date> {
    (0..count)
        .rev()
        .filter_map(|n| end.checked_sub(time::Duration::days(n)))
        .collect()
}

/// A page's uptime as stored: every component's days (all sources merged) and open intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub days: HashMap<String, BTreeMap<Date, DayTotals>>,
    pub open: Vec<Open>,
}

impl History {
    /// The days of `component` with its open interval counted up to `now`.
    pub fn component(&self, component: &str, now: Timestamp) -> BTreeMap<Date, DayTotals> {
        with_open(
            self.days.get(component).cloned().unwrap_or_default(),
            self.open.iter().find(|o| o.component == component),
            now,
        )
    }

    /// The first day anything is known of `component`: days before it have no data.
    pub fn start(&self, component: &str) -> Option<Date> {
        let stored = self
            .days
            .get(component)
            .and_then(|d| d.keys().next().copied());
        let open = self
            .open
            .iter()
            .find(|o| o.component == component)
            .map(|o| day_of(o.since));
        match (stored, open) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The days of a component or of a group (its members' worst), and the first day known.
    fn subject(&self, state: &State, id: &str, now: Timestamp) -> Option<(String, Subject)> {
        if let Some(c) = state.page.component(id) {
            return Some((
                c.name.clone(),
                Subject {
                    days: self.component(id, now),
                    start: self.start(id),
                    members: vec![id.to_owned()],
                },
            ));
        }
        let g = state.page.group(id)?;
        let members: Vec<String> = state
            .page
            .components
            .iter()
            .filter(|c| c.group.as_deref() == Some(id))
            .map(|c| c.id.clone())
            .collect();
        let days: Vec<_> = members.iter().map(|m| self.component(m, now)).collect();
        Some((
            g.name.clone(),
            Subject {
                days: group_days(&days.iter().collect::<Vec<_>>()),
                start: members.iter().filter_map(|m| self.start(m)).min(),
                members,
            },
        ))
    }
}

struct Subject {
    days: BTreeMap<Date, DayTotals>,
    start: Option<Date>,
    members: Vec<String>,
}

/// Public incidents that touched any of `members` at some time on the days `start..=end`.
fn related<'a>(
    state: &'a State,
    members: &[String],
    start: Date,
    end: Date,
    now: Timestamp,
) -> Vec<&'a Incident> {
    let from = start_of(start);
    let until = end.next_day().map_or(now, start_of);
    state
        .incidents
        .iter()
        .filter(|i| i.visibility.is_public())
        .filter(|i| {
            i.updates
                .iter()
                .flat_map(|u| &u.components)
                .any(|c| members.contains(&c.id))
        })
        .filter(|i| {
            let ended = if i.is_active() {
                now
            } else {
                i.first_at(IncidentStatus::Resolved).unwrap_or(now)
            };
            i.created_at < until && ended >= from
        })
        .collect()
}

/// `GET .../components/{id}/uptime?start=&end=` in the shape of Statuspage's answer: the figure of
/// a component or group over `start..=end` (days, UTC), starting no earlier than its first known
/// day (said in `warnings`), with the incidents of the range. `None` for an unknown id.
pub fn component_uptime(
    state: &State,
    history: &History,
    id: &str,
    start: Date,
    end: Date,
    now: Timestamp,
) -> Option<ComponentUptime> {
    let (name, subject) = history.subject(state, id, now)?;
    let known = subject.start.unwrap_or_else(|| day_of(now));
    let (from, warnings) = if start < known {
        (
            known,
            Some(format!(
                "no data before {known}: the range starts there instead of {start}"
            )),
        )
    } else {
        (start, None)
    };
    let weight = state.page.policy.partial_outage_weight_percent;
    let f = if from > end {
        figure(&BTreeMap::new(), end, end, weight)
    } else {
        figure(&subject.days, from, end, weight)
    };
    Some(ComponentUptime {
        id: id.to_owned(),
        name,
        range_start: from.min(end).to_string(),
        range_end: end.to_string(),
        uptime_percentage: f.percentage,
        major_outage: f.major_outage,
        partial_outage: f.partial_outage,
        warnings,
        related_events: RelatedEvents {
            incidents: related(state, &subject.members, from.min(end), end, now)
                .into_iter()
                .map(|i| RelatedIncident {
                    id: i.id.clone(),
                    name: i.title.clone(),
                })
                .collect(),
        },
    })
}

/// The last `BAR_DAYS` days' figure of a component or group, for `summary.json`.
pub fn brief(state: &State, history: &History, id: &str, now: Timestamp) -> Option<UptimeBrief> {
    let end = day_of(now);
    let start = end - time::Duration::days(BAR_DAYS - 1);
    let u = component_uptime(state, history, id, start, end, now)?;
    Some(UptimeBrief {
        days: u32::try_from(BAR_DAYS).unwrap_or(90),
        since: u.range_start,
        uptime_percentage: u.uptime_percentage,
        major_outage: u.major_outage,
        partial_outage: u.partial_outage,
    })
}

/// One day of a status page's bars: its figure (`None` before anything was known) and the titles
/// of the public incidents that touched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub day: Date,
    pub figure: Option<Figure>,
    pub incidents: Vec<String>,
}

/// The last `BAR_DAYS` days of a component or group, oldest first, and the figure over the known
/// ones among them; `None` for an unknown id or one with nothing recorded.
pub fn bars(
    state: &State,
    history: &History,
    id: &str,
    now: Timestamp,
) -> Option<(Vec<Bar>, Figure)> {
    let (_, subject) = history.subject(state, id, now)?;
    let weight = state.page.policy.partial_outage_weight_percent;
    let today = day_of(now);
    // Nothing recorded yet: no bars rather than 90 days of guesses.
    let known = subject.start?;
    let days = last_days(today, BAR_DAYS);
    let from = days.first().copied().unwrap_or(today).max(known);
    let total = figure(&subject.days, from, today, weight);
    let bars = days
        .into_iter()
        .map(|day| Bar {
            day,
            figure: (day >= known).then(|| figure(&subject.days, day, day, weight)),
            incidents: related(state, &subject.members, day, day, now)
                .into_iter()
                .map(|i| i.title.clone())
                .collect(),
        })
        .collect();
    Some((bars, total))
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::model::Impact;

    fn day(major: u32, partial: u32, degraded: u32, maintenance: u32) -> DayTotals {
        DayTotals {
            major,
            partial,
            degraded,
            maintenance,
        }
    }

    #[test]
    fn figures_weigh_partial_outage_and_ignore_degraded_and_maintenance() {
        let d = date!(2026 - 03 - 01);
        // (one day's totals, weight, expected percentage in thousandths)
        let cases = [
            (day(0, 0, 0, 0), 30, 100_000),
            (day(864, 0, 0, 0), 30, 99_000),
            (day(0, 8640, 0, 0), 30, 97_000),
            (day(0, 8640, 0, 0), 0, 100_000),
            (day(0, 8640, 0, 0), 100, 90_000),
            (day(0, 0, 86_400, 86_400), 30, 100_000),
            (day(86_400, 0, 0, 0), 30, 0),
            (day(1, 0, 0, 0), 30, 99_998),
        ];
        for (totals, weight, want) in cases {
            let days = BTreeMap::from([(d, totals)]);
            let f = figure(&days, d, d, weight);
            assert_eq!(f.percentage, Percentage(want), "{totals:?} at {weight}");
            assert_eq!(f.major_outage, u64::from(totals.major));
            assert_eq!(f.partial_outage, u64::from(totals.partial));
        }
        // Over ten days, a day of full major outage is 90%.
        let days = BTreeMap::from([(d, day(86_400, 0, 0, 0))]);
        let f = figure(&days, d, date!(2026 - 03 - 10), 30);
        assert_eq!(f.percentage, Percentage(90_000));
        // Days outside the range do not count.
        let f = figure(&days, date!(2026 - 03 - 02), date!(2026 - 03 - 10), 30);
        assert_eq!(f.percentage, Percentage::FULL);
    }

    #[test]
    fn percentages_read_as_numbers_and_text() {
        assert_eq!(
            serde_json::to_string(&Percentage(99_953)).unwrap(),
            "99.953"
        );
        assert_eq!(serde_json::to_string(&Percentage::FULL).unwrap(), "100.0");
        assert_eq!(Percentage(99_950).text(), "99.95%");
        assert_eq!(Percentage::FULL.text(), "100%");
        assert_eq!(Percentage(0).text(), "0%");
        let back: Percentage = serde_json::from_str("99.953").unwrap();
        assert_eq!(back, Percentage(99_953));
    }

    #[test]
    fn intervals_split_at_utc_midnight() {
        let cases = [
            (
                datetime!(2026-03-01 23:00 UTC),
                datetime!(2026-03-02 01:30 UTC),
                vec![(date!(2026 - 03 - 01), 3600), (date!(2026 - 03 - 02), 5400)],
            ),
            (
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2026-03-02 00:00 UTC),
                vec![(date!(2026 - 03 - 01), 86_400)],
            ),
            (
                datetime!(2026-03-01 10:00 UTC),
                datetime!(2026-03-01 10:00 UTC),
                vec![],
            ),
            (
                datetime!(2026-03-01 12:00 +02:00),
                datetime!(2026-03-01 13:00 +02:00),
                vec![(date!(2026 - 03 - 01), 3600)],
            ),
        ];
        for (from, until, want) in cases {
            assert_eq!(split(from, until), want, "{from} to {until}");
        }
    }

    #[test]
    fn advancing_closes_changed_intervals_only() {
        use ComponentStatus::*;
        let t0 = datetime!(2026-03-01 23:00 UTC);
        let t1 = datetime!(2026-03-02 01:00 UTC);
        let open = vec![
            Open {
                component: "api".into(),
                status: MajorOutage,
                since: t0,
            },
            Open {
                component: "web".into(),
                status: DegradedPerformance,
                since: t0,
            },
            Open {
                component: "gone".into(),
                status: PartialOutage,
                since: t0,
            },
        ];
        let now = vec![
            ("api".to_owned(), Operational),
            ("web".to_owned(), DegradedPerformance),
            ("new".to_owned(), Operational),
        ];
        let (closed, next) = advance(&open, &now, t1);
        let closed: Vec<_> = closed
            .iter()
            .map(|c| (c.component.as_str(), c.day, c.status, c.seconds))
            .collect();
        assert_eq!(
            closed,
            vec![
                ("api", date!(2026 - 03 - 01), MajorOutage, 3600),
                ("api", date!(2026 - 03 - 02), MajorOutage, 3600),
                ("gone", date!(2026 - 03 - 01), PartialOutage, 3600),
                ("gone", date!(2026 - 03 - 02), PartialOutage, 3600),
            ]
        );
        let next: Vec<_> = next
            .iter()
            .map(|o| (o.component.as_str(), o.status, o.since))
            .collect();
        assert_eq!(
            next,
            vec![
                ("api", Operational, t1),
                ("web", DegradedPerformance, t0),
                ("new", Operational, t1),
            ]
        );
        // Nothing changed: nothing closes, nothing moves.
        let (closed, again) = advance(
            &open[..2],
            &[
                ("api".to_owned(), MajorOutage),
                ("web".to_owned(), DegradedPerformance),
            ],
            t1,
        );
        assert!(closed.is_empty());
        assert_eq!(again, open[..2].to_vec());
    }

    #[test]
    fn groups_are_down_while_their_worst_member_is() {
        let d = date!(2026 - 03 - 01);
        let a = BTreeMap::from([(d, day(100, 0, 50, 0))]);
        let b = BTreeMap::from([(d, day(40, 300, 0, 0))]);
        assert_eq!(group_days(&[&a, &b])[&d], day(100, 300, 50, 0));
    }

    #[test]
    fn an_imported_incident_counts_from_its_start_to_its_resolution() {
        use crate::model::{AffectedComponent, IncidentUpdate, Visibility};
        let update = |id: &str, status, at, components: Vec<AffectedComponent>| IncidentUpdate {
            id: id.into(),
            status,
            body: String::new(),
            created_at: at,
            next_update_at: None,
            components,
            notify: false,
            no_social: false,
            channels: vec![],
        };
        let api = |status| AffectedComponent {
            id: "api".into(),
            status,
        };
        let i = Incident {
            id: "imp".into(),
            title: "Imported".into(),
            impact: Impact::Critical,
            visibility: Visibility::Public,
            created_at: datetime!(2026-03-01 23:00 UTC),
            started_at: None,
            updates: vec![
                update(
                    "u1",
                    IncidentStatus::Investigating,
                    datetime!(2026-03-01 23:00 UTC),
                    vec![api(ComponentStatus::Operational)],
                ),
                update(
                    "u2",
                    IncidentStatus::Monitoring,
                    datetime!(2026-03-02 00:30 UTC),
                    vec![api(ComponentStatus::PartialOutage)],
                ),
                update(
                    "u3",
                    IncidentStatus::Resolved,
                    datetime!(2026-03-02 01:00 UTC),
                    vec![],
                ),
            ],
            postmortem: None,
        };
        let days = incident_days(&i, datetime!(2026-03-10 00:00 UTC));
        // Listed as operational today: the critical impact says it was a major outage.
        assert_eq!(days["api"][&date!(2026 - 03 - 01)], day(3600, 0, 0, 0));
        assert_eq!(days["api"][&date!(2026 - 03 - 02)], day(1800, 1800, 0, 0));
        assert_eq!(days["api"].len(), 2);
    }

    #[test]
    fn the_uptime_answer_and_bars_of_a_component_and_a_group() {
        use crate::testkit::{state, NOW};
        let today = day_of(NOW);
        let d = today - time::Duration::days(2);
        let history = History {
            days: HashMap::from([
                ("api".to_owned(), BTreeMap::from([(d, day(8640, 0, 0, 0))])),
                (
                    "dashboard".to_owned(),
                    BTreeMap::from([(d, day(0, 8640, 0, 0))]),
                ),
            ]),
            open: vec![],
        };
        let s = state();
        let api = component_uptime(&s, &history, "api", d, d, NOW).unwrap();
        assert_eq!(api.uptime_percentage, Percentage(90_000));
        assert_eq!((api.major_outage, api.partial_outage), (8640, 0));
        assert_eq!(api.warnings, None);
        // A range reaching before the first known day starts there, and says so.
        let early =
            component_uptime(&s, &history, "api", d - time::Duration::days(5), d, NOW).unwrap();
        assert_eq!(early.range_start, d.to_string());
        assert!(early.warnings.is_some());
        // The group "core" (api, dashboard): each status's worst member.
        let core = component_uptime(&s, &history, "core", d, d, NOW).unwrap();
        assert_eq!((core.major_outage, core.partial_outage), (8640, 8640));
        assert_eq!(core.uptime_percentage, Percentage(87_000));
        assert!(component_uptime(&s, &history, "nope", d, d, NOW).is_none());
        // Bars: 90 days, those before the first known day without data.
        let (bars, total) = bars(&s, &history, "api", NOW).unwrap();
        assert_eq!(bars.len(), 90);
        assert_eq!(bars.last().unwrap().day, today);
        assert_eq!(bars.iter().filter(|b| b.figure.is_some()).count(), 3);
        assert_eq!(total.major_outage, 8640);
        // Nothing recorded: no bars.
        assert!(super::bars(&s, &History::default(), "api", NOW).is_none());
    }
}
