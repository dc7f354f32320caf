//! Statuspage API v2 fixtures (written by hand in that API's shape): every document reads and writes
//! back with every field intact, and a sloppy or newer upstream still reads.

use std::path::PathBuf;

use herald_shared::statuspage::*;
use herald_shared::wire::Indicator;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "statuspage",
        name,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads `name` as `T`, writes it back, and compares the JSON trees: nothing lost, nothing added.
fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let text = fixture(name);
    let original: Value = serde_json::from_str(&text).unwrap();
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_value(&typed).unwrap();
    if written != original {
        let a = serde_json::to_string_pretty(&original).unwrap();
        let b = serde_json::to_string_pretty(&written).unwrap();
        let first = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "{name} changed on the way through, from line {first}:\n{}\n---\n{}",
            a.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n"),
            b.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    typed
}

#[test]
fn summary_keeps_every_field() {
    let s: SpSummary = round_trip("summary.json");
    assert_eq!(s.status.indicator, Indicator::Major);
    let groups: Vec<&str> = s
        .components
        .iter()
        .filter(|c| c.group == Some(true))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(groups, ["grp-core", "grp-eu"]);
    assert_eq!(s.incidents[0].incident_updates.len(), 3);
    assert_eq!(
        s.scheduled_maintenances[0].status,
        SpIncidentStatus::InProgress
    );
}

#[test]
fn every_document_keeps_every_field() {
    let _: SpComponents = round_trip("components.json");
    let all: SpIncidents = round_trip("incidents.json");
    let statuses: Vec<SpIncidentStatus> = all.incidents.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [
            SpIncidentStatus::Identified,
            SpIncidentStatus::Postmortem,
            SpIncidentStatus::Resolved,
            SpIncidentStatus::Resolved
        ]
    );
    let impacts: Vec<SpImpact> = all.incidents.iter().map(|i| i.impact).collect();
    assert_eq!(
        impacts,
        [
            SpImpact::Major,
            SpImpact::Critical,
            SpImpact::Minor,
            SpImpact::None
        ]
    );
    let _: SpIncidents = round_trip("incidents-unresolved.json");
    let m: SpScheduledMaintenances = round_trip("scheduled-maintenances.json");
    let statuses: Vec<SpIncidentStatus> =
        m.scheduled_maintenances.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [
            SpIncidentStatus::Scheduled,
            SpIncidentStatus::InProgress,
            SpIncidentStatus::Verifying,
            SpIncidentStatus::Completed
        ]
    );
    let _: SpScheduledMaintenances = round_trip("scheduled-maintenances-upcoming.json");
    let _: SpScheduledMaintenances = round_trip("scheduled-maintenances-active.json");
}

#[test]
fn every_indicator_reads_and_writes() {
    let cases = [
        ("status-none.json", Indicator::None),
        ("status-minor.json", Indicator::Minor),
        ("status-major.json", Indicator::Major),
        ("status-critical.json", Indicator::Critical),
        ("status-maintenance.json", Indicator::Maintenance),
    ];
    for (name, want) in cases {
        let doc: SpStatusDoc = round_trip(name);
        assert_eq!(doc.status.indicator, want, "{name}");
        assert_eq!(doc.status.description, want.description(), "{name}");
    }
}

#[test]
fn a_sloppy_or_newer_upstream_still_reads() {
    let s: SpSummary = serde_json::from_str(&fixture("tolerant.json")).unwrap();
    assert_eq!(s.page.name, "", "null name reads as empty");
    assert_eq!(s.status.indicator, Indicator::Unknown);
    assert_eq!(s.components[0].status, SpComponentStatus::Unknown);
    assert_eq!(s.components[0].components, None);
    assert_eq!(s.components[1].status, SpComponentStatus::Unknown);
    assert_eq!(s.incidents[0].status, SpIncidentStatus::Unknown);
    assert_eq!(s.incidents[0].impact, SpImpact::Unknown);
    assert!(s.incidents[0].incident_updates.is_empty());
    let u = &s.incidents[1].incident_updates[0];
    assert_eq!(u.status, SpIncidentStatus::Unknown);
    let a = &u.affected_components.as_ref().unwrap()[0];
    assert_eq!(
        (a.old_status, a.new_status),
        (SpComponentStatus::Unknown, SpComponentStatus::Unknown)
    );
    assert!(s.scheduled_maintenances.is_empty());
    // And whatever we read, we can write.
    serde_json::to_string(&s).unwrap();
}

#[test]
fn importing_components_keeps_groups_and_order() {
    let s: SpSummary = serde_json::from_str(&fixture("summary.json")).unwrap();
    let (groups, components) = import_components(&s.components, &mut Vec::new());
    let g: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(g, ["grp-core", "grp-eu"]);
    let c: Vec<(&str, Option<&str>)> = components
        .iter()
        .map(|c| (c.id.as_str(), c.group.as_deref()))
        .collect();
    assert_eq!(
        c,
        [
            ("cmp-api", Some("grp-core")),
            ("cmp-dash", Some("grp-core")),
            ("cmp-auth", Some("grp-core")),
            ("cmp-fra", Some("grp-eu")),
            ("cmp-mail", None)
        ]
    );
    assert!(components[4].only_show_if_degraded);
}

#[test]
fn a_statuspage_page_imports_through_configure_page() {
    use herald_shared::{apply, Command, Page, State};
    let s: SpSummary = serde_json::from_str(&fixture("summary.json")).unwrap();
    let settings = page_settings(&s, &mut Vec::new());
    let now = time::macros::datetime!(2026-03-01 12:00 UTC);
    let (state, _) = apply(
        &State::new(Page::new("northwind", "")),
        Command::ConfigurePage(settings),
        now,
    )
    .unwrap();
    assert_eq!(state.page.name, "Northwind Cloud");
    assert_eq!(state.page.time_zone, "Europe/Berlin");
    assert_eq!(state.page.groups.len(), 2);
    assert_eq!(state.page.components.len(), 5);
    // Written back in Statuspage shape, the structure is the one we read.
    let back = herald_shared::statuspage::components(&state, &Default::default());
    let shape = |list: &[SpComponent]| {
        list.iter()
            .map(|c| (c.id.clone(), c.group, c.group_id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&back.components), shape(&s.components));
}
