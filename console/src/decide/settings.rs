//! The page settings form as plain data: read from the page, edited (components and groups added,
//! renamed, moved, removed; audiences; the policy's minutes, lists and review; branding), and
//! turned into the `PUT` body. The API checks every value; this only refuses what cannot be sent
//! (a number that is not one) and says where an answer's field belongs on the form.

use herald_shared::command::{ComponentSettings, PageSettings};
use herald_shared::model::{Audience, Branding, ComponentGroup, Impact, Page, Policy};

/// A component as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentRow {
    pub id: String,
    pub name: String,
    /// A group id, or empty for none.
    pub group: String,
    pub description: Option<String>,
    pub only_show_if_degraded: bool,
}

/// A group as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

/// A number of minutes of the policy the form edits: its wire field (the name a problem
/// gives), its label, and how to read and write it.
pub struct Minutes {
    pub field: &'static str,
    pub label: &'static str,
    get: fn(&Policy) -> u32,
    set: fn(&mut Policy, u32),
}

/// The policy's minutes, in the order the form shows them.
pub const MINUTES: [Minutes; 10] = [
    Minutes {
        field: "policy.cadence_critical_minutes",
        label: "Update at least every … minutes: critical incidents",
        get: |p| p.cadence_critical_minutes,
        set: |p, v| p.cadence_critical_minutes = v,
    },
    Minutes {
        field: "policy.cadence_major_minutes",
        label: "Major incidents",
        get: |p| p.cadence_major_minutes,
        set: |p, v| p.cadence_major_minutes = v,
    },
    Minutes {
        field: "policy.cadence_minor_minutes",
        label: "Minor incidents",
        get: |p| p.cadence_minor_minutes,
        set: |p, v| p.cadence_minor_minutes = v,
    },
    Minutes {
        field: "policy.cadence_none_minutes",
        label: "Incidents without impact",
        get: |p| p.cadence_none_minutes,
        set: |p, v| p.cadence_none_minutes = v,
    },
    Minutes {
        field: "policy.maintenance_lead_minutes",
        label: "Maintenance announced at least … minutes ahead",
        get: |p| p.maintenance_lead_minutes,
        set: |p, v| p.maintenance_lead_minutes = v,
    },
    Minutes {
        field: "policy.service_update_lead_minutes",
        label: "Service update notices ahead by",
        get: |p| p.service_update_lead_minutes,
        set: |p, v| p.service_update_lead_minutes = v,
    },
    Minutes {
        field: "policy.policy_change_lead_minutes",
        label: "Policy change notices ahead by",
        get: |p| p.policy_change_lead_minutes,
        set: |p, v| p.policy_change_lead_minutes = v,
    },
    Minutes {
        field: "policy.pricing_change_lead_minutes",
        label: "Pricing change notices ahead by",
        get: |p| p.pricing_change_lead_minutes,
        set: |p, v| p.pricing_change_lead_minutes = v,
    },
    Minutes {
        field: "policy.other_notice_lead_minutes",
        label: "Other notices ahead by",
        get: |p| p.other_notice_lead_minutes,
        set: |p, v| p.other_notice_lead_minutes = v,
    },
    Minutes {
        field: "policy.ack_escalate_minutes",
        label: "Escalate unacknowledged messages after … minutes",
        get: |p| p.ack_escalate_minutes,
        set: |p, v| p.ack_escalate_minutes = v,
    },
];

/// Every field a problem may name that the form shows an error next to (the last four are
/// the policy's lists and review, and branding).
pub fn fields() -> Vec<&'static str> {
    let mut f = vec![
        "name",
        "url",
        "time_zone",
        "locales",
        "groups",
        "components",
        "audiences",
        "policy.maintenance_reminders",
        "policy.responders",
        "policy.subscribe_origins",
        "policy.review",
        "branding.accent_color",
        "branding.logo_url",
    ];
    f.extend(MINUTES.iter().map(|m| m.field));
    f
}

/// The id of the element an error about `field` is shown in: `policy.ack_escalate_minutes`
/// becomes `settings-policy-ack-escalate-minutes-error`.
pub fn error_id(field: &str) -> String {
    format!("{}-error", input_id(field))
}

/// The id of the input for `field`: `settings-` and the field with dashes.
pub fn input_id(field: &str) -> String {
    format!("settings-{}", field.replace(['.', '_'], "-"))
}

/// What the form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsForm {
    pub name: String,
    pub url: String,
    pub time_zone: String,
    /// Comma-separated BCP 47 tags, the default first.
    pub locales: String,
    pub groups: Vec<GroupRow>,
    pub components: Vec<ComponentRow>,
    pub audiences: Vec<Audience>,
    /// The policy as read; fields the form does not show are sent back as they were.
    pub policy: Policy,
    /// `MINUTES`' values as typed.
    pub minutes: Vec<String>,
    /// Minutes before a maintenance window, comma-separated.
    pub reminders: String,
    /// One per line.
    pub responders: String,
    /// One per line.
    pub subscribe_origins: String,
    pub accent_color: String,
    pub logo_url: String,
}

/// Lower-case letters, digits and dashes made from `name`: a new row's id.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars().take(40).collect::<String>()
}

/// `base`, or `base-2`, `base-3`… : the first not in `taken`.
fn unique(base: &str, taken: &[&str], fallback: &str) -> String {
    let base = if base.is_empty() { fallback } else { base };
    let mut id = base.to_owned();
    let mut n = 2;
    while taken.contains(&id.as_str()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Moves item `i` of `list` one place up (`up`) or down; at either end nothing moves.
pub fn shift<T>(list: &mut [T], i: usize, up: bool) {
    if up && i > 0 && i < list.len() {
        list.swap(i, i - 1);
    } else if !up && i + 1 < list.len() {
        list.swap(i, i + 1);
    }
}

impl SettingsForm {
    pub fn of(page: &Page) -> SettingsForm {
        let lines = |v: &[String]| v.join("\n");
        SettingsForm {
            name: page.name.clone(),
            url: page.url.clone().unwrap_or_default(),
            time_zone: page.time_zone.clone(),
            locales: page.locales.join(", "),
            groups: page
                .groups
                .iter()
                .map(|g| GroupRow {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    description: g.description.clone(),
                })
                .collect(),
            components: page
                .components
                .iter()
                .map(|c| ComponentRow {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    group: c.group.clone().unwrap_or_default(),
                    description: c.description.clone(),
                    only_show_if_degraded: c.only_show_if_degraded,
                })
                .collect(),
            audiences: page.audiences.clone(),
            policy: page.policy.clone(),
            minutes: MINUTES
                .iter()
                .map(|m| (m.get)(&page.policy).to_string())
                .collect(),
            reminders: page
                .policy
                .maintenance_reminders
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            responders: lines(&page.policy.responders),
            subscribe_origins: lines(&page.policy.subscribe_origins),
            accent_color: page.branding.accent_color.clone().unwrap_or_default(),
            logo_url: page.branding.logo_url.clone().unwrap_or_default(),
        }
    }

    /// Adds a component named `name` at the end, with an id made from the name.
    pub fn add_component(&mut self, name: &str) {
        let taken: Vec<&str> = self.components.iter().map(|c| c.id.as_str()).collect();
        let id = unique(&slug(name), &taken, "component");
        self.components.push(ComponentRow {
            id,
            name: name.trim().to_owned(),
            group: String::new(),
            description: None,
            only_show_if_degraded: false,
        });
    }

    /// Adds a group named `name` at the end, with an id made from the name.
    pub fn add_group(&mut self, name: &str) {
        let taken: Vec<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
        let id = unique(&slug(name), &taken, "group");
        self.groups.push(GroupRow {
            id,
            name: name.trim().to_owned(),
            description: None,
        });
    }

    /// Removes group `i`; its components belong to no group afterwards.
    pub fn remove_group(&mut self, i: usize) {
        if i < self.groups.len() {
            let id = self.groups.remove(i).id;
            for c in self.components.iter_mut().filter(|c| c.group == id) {
                c.group.clear();
            }
        }
    }

    /// The `PUT` body, or the field and reason the form cannot send it for (a number that is
    /// not one); every other check is the API's.
    pub fn settings(&self) -> Result<PageSettings, (&'static str, String)> {
        let mut policy = self.policy.clone();
        for (m, typed) in MINUTES.iter().zip(&self.minutes) {
            let v = typed.trim().parse::<u32>().map_err(|_| {
                (
                    m.field,
                    format!("{typed:?} is not a whole number of minutes"),
                )
            })?;
            (m.set)(&mut policy, v);
        }
        policy.maintenance_reminders = self
            .reminders
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.parse::<u32>().map_err(|_| {
                    (
                        "policy.maintenance_reminders",
                        format!("{r:?} is not a whole number of minutes"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let lines = |s: &str| -> Vec<String> {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        policy.responders = lines(&self.responders);
        policy.subscribe_origins = lines(&self.subscribe_origins);
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(PageSettings {
            url: optional(&self.url),
            time_zone: optional(&self.time_zone),
            locales: self
                .locales
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            groups: self
                .groups
                .iter()
                .map(|g| ComponentGroup {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    description: g.description.clone(),
                })
                .collect(),
            components: self
                .components
                .iter()
                .map(|c| ComponentSettings {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    group: optional(&c.group),
                    description: c.description.clone(),
                    only_show_if_degraded: c.only_show_if_degraded,
                })
                .collect(),
            audiences: self
                .audiences
                .iter()
                .filter(|a| !a.segment.trim().is_empty())
                .map(|a| Audience {
                    segment: a.segment.trim().to_owned(),
                    name: a.name.trim().to_owned(),
                })
                .collect(),
            policy: Some(policy),
            branding: Some(Branding {
                accent_color: optional(&self.accent_color),
                logo_url: optional(&self.logo_url),
            }),
            ..PageSettings::named(self.name.trim())
        })
    }
}

/// The review choice as the form's select names it: `off`, or the least impact reviewed.
pub fn review_value(from: Option<Impact>) -> &'static str {
    match from {
        None => "off",
        Some(Impact::None) => "none",
        Some(Impact::Minor) => "minor",
        Some(Impact::Major) => "major",
        Some(Impact::Critical) => "critical",
    }
}

/// The inverse of [`review_value`]; an unknown value is `off`.
pub fn review_from(value: &str) -> Option<Impact> {
    Impact::ALL
        .into_iter()
        .find(|i| review_value(Some(*i)) == value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_shared::command::{apply, Command};
    use herald_shared::model::{Component, State};
    use time::macros::datetime;

    fn page() -> Page {
        let mut p = Page::new("demo", "Acme Cloud");
        p.groups = vec![ComponentGroup {
            id: "core".into(),
            name: "Core".into(),
            description: None,
        }];
        p.components = vec![
            Component::new("api", "API").in_group("core"),
            Component::new("web", "Web app"),
        ];
        p.policy.jargon = vec!["k8s".into()];
        p
    }

    #[test]
    fn an_unchanged_form_sends_the_page_back_as_it_was() {
        let page = page();
        let state = State::new(page.clone());
        let settings = SettingsForm::of(&page).settings().unwrap();
        let now = datetime!(2026-03-01 12:00 UTC);
        let (after, _) = apply(&state, Command::ConfigurePage(settings), now).unwrap();
        let mut want = page.clone();
        for c in want.components.iter_mut() {
            c.created_at = Some(now);
            c.updated_at = Some(now);
        }
        // Fields the form does not show (the jargon) are kept.
        assert_eq!(after.page, want);
    }

    #[test]
    fn components_and_groups_are_added_renamed_moved_and_removed() {
        let mut f = SettingsForm::of(&page());
        f.add_component("Web app");
        f.add_component("  Billing & Invoices ");
        f.add_component("!!!");
        let ids: Vec<&str> = f.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["api", "web", "web-app", "billing-invoices", "component"]
        );
        assert_eq!(f.components[3].name, "Billing & Invoices");
        shift(&mut f.components, 3, true);
        shift(&mut f.components, 0, true);
        shift(&mut f.components, 4, false);
        let ids: Vec<&str> = f.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["api", "web", "billing-invoices", "web-app", "component"]
        );
        f.add_group("Europe");
        f.add_group("Core");
        assert_eq!(f.groups[1].id, "europe");
        assert_eq!(f.groups[2].id, "core-2");
        f.remove_group(0);
        assert_eq!(f.components[0].group, "", "the api left the removed group");
        let sent = f.settings().unwrap();
        assert_eq!(sent.components[2].id, "billing-invoices");
        assert_eq!(sent.components[0].group, None);
    }

    #[test]
    fn the_policy_and_branding_are_read_from_the_fields() {
        let mut f = SettingsForm::of(&page());
        f.minutes[1] = " 20 ".into();
        f.reminders = "1440, 60,".into();
        f.responders = "oncall@acme.com\n\n https://hooks.slack.com/services/T/B/x \n".into();
        f.subscribe_origins = "https://app.acme.com".into();
        f.accent_color = " #0b5fff ".into();
        f.logo_url = String::new();
        f.locales = "fr, en ,".into();
        let s = f.settings().unwrap();
        let p = s.policy.unwrap();
        assert_eq!(p.cadence_major_minutes, 20);
        assert_eq!(p.maintenance_reminders, [1440, 60]);
        assert_eq!(
            p.responders,
            ["oncall@acme.com", "https://hooks.slack.com/services/T/B/x"]
        );
        assert_eq!(p.subscribe_origins, ["https://app.acme.com"]);
        assert_eq!(p.jargon, ["k8s"]);
        assert_eq!(s.locales, ["fr", "en"]);
        let b = s.branding.unwrap();
        assert_eq!(b.accent_color.as_deref(), Some("#0b5fff"));
        assert_eq!(b.logo_url, None);
    }

    #[test]
    fn a_number_that_is_not_one_is_refused_next_to_its_field() {
        let mut f = SettingsForm::of(&page());
        f.minutes[9] = "soon".into();
        assert_eq!(f.settings().unwrap_err().0, "policy.ack_escalate_minutes");
        let mut f = SettingsForm::of(&page());
        f.reminders = "60, an hour".into();
        assert_eq!(f.settings().unwrap_err().0, "policy.maintenance_reminders");
    }

    #[test]
    fn every_field_a_refusal_names_has_a_place_on_the_form() {
        let fields = fields();
        let state = State::new(page());
        let now = datetime!(2026-03-01 12:00 UTC);
        let bad: [fn(&mut SettingsForm); 8] = [
            |f| f.name = " ".into(),
            |f| f.url = "acme.com".into(),
            |f| f.time_zone = "Paris time".into(),
            |f| f.locales = "english".into(),
            |f| f.accent_color = "blue".into(),
            |f| f.logo_url = "http://acme.com/logo.png".into(),
            |f| f.minutes[0] = "0".into(),
            |f| {
                f.audiences.push(Audience {
                    segment: "everyone".into(),
                    name: String::new(),
                })
            },
        ];
        for change in bad {
            let mut f = SettingsForm::of(&state.page);
            change(&mut f);
            let err = apply(&state, Command::ConfigurePage(f.settings().unwrap()), now)
                .expect_err("refused");
            let field = err.field().expect("names a field");
            assert!(fields.contains(&field), "{field} has no place");
        }
        assert_eq!(
            error_id("policy.ack_escalate_minutes"),
            "settings-policy-ack-escalate-minutes-error"
        );
        assert_eq!(
            review_from(review_value(Some(Impact::Major))),
            Some(Impact::Major)
        );
        assert_eq!(review_from("off"), None);
    }
}
