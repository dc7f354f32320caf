//! The overview of a page: overall status, components (set in place), active incidents with the
//! countdown to their "next update by", recently resolved ones, upcoming maintenance and notices.
//! It follows the state the shell polls; every decision is in `decide`.

use herald_shared::model::{ComponentStatus, Incident, State};
use herald_shared::template::human_time;
use herald_shared::view::{self, Viewer};
use herald_shared::wire::ComponentStatusRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::ctx::{Ctx, Screen};
use crate::decide::{self, Abilities, Mode, Promise};

fn status_value(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "operational",
        ComponentStatus::UnderMaintenance => "under_maintenance",
        ComponentStatus::DegradedPerformance => "degraded_performance",
        ComponentStatus::PartialOutage => "partial_outage",
        ComponentStatus::MajorOutage => "major_outage",
    }
}

pub fn parse_status(v: &str) -> Option<ComponentStatus> {
    ComponentStatus::ALL
        .into_iter()
        .find(|s| status_value(*s) == v)
}

pub fn status_options(selected: ComponentStatus) -> impl IntoView {
    ComponentStatus::ALL
        .into_iter()
        .map(|s| {
            view! { <option value=status_value(s) selected=s == selected>{s.label()}</option> }
        })
        .collect_view()
}

pub fn overview(ctx: Ctx) -> impl IntoView {
    let with_state = move |f: fn(&State) -> String| {
        move || ctx.state.with(|s| s.as_ref().map(f).unwrap_or_default())
    };
    let indicator = move || {
        ctx.state.with(|s| {
            s.as_ref()
                .map(|s| view::indicator(s, &Viewer::public()))
                .map(|i| (format!("{i:?}").to_lowercase(), i.description()))
                .unwrap_or_default()
        })
    };
    view! {
        <h1 id="screen-title" tabindex="-1">{with_state(|s| s.page.name.clone())}</h1>
        <section aria-labelledby="status-h" class="card">
            <h2 id="status-h">"Overall status"</h2>
            <p class="indicator" id="indicator" data-indicator=move || indicator().0>{move || indicator().1}</p>
            <p class="hint">"As the public sees it."</p>
        </section>
        {move || crate::review::reviews(ctx)}
        <section aria-labelledby="incidents-h" class="card">
            <h2 id="incidents-h">"Active incidents"</h2>
            {move || incidents(ctx, true)}
        </section>
        <div class="overview">
        <section aria-labelledby="components-h" class="card">
            <h2 id="components-h">"Components"</h2>
            {move || components(ctx)}
        </section>
        <section aria-labelledby="maintenance-h" class="card">
            <h2 id="maintenance-h">"Upcoming maintenance"</h2>
            {move || maintenance(ctx)}
        </section>
        <section aria-labelledby="notices-h" class="card">
            <h2 id="notices-h">"Scheduled notices"</h2>
            {move || notices(ctx)}
        </section>
        <section aria-labelledby="resolved-h" class="card">
            <h2 id="resolved-h">"Recently resolved"</h2>
            {move || incidents(ctx, false)}
        </section>
        </div>
    }
}

fn incidents(ctx: Ctx, active: bool) -> impl IntoView {
    let role = ctx.role();
    let now = ctx.now.get_untracked();
    let list: Vec<Incident> = ctx.state.with(|s| {
        s.as_ref()
            .map(|s| {
                let l = decide::lists(s, now);
                let v = if active { l.active } else { l.resolved };
                v.into_iter().cloned().collect()
            })
            .unwrap_or_default()
    });
    if list.is_empty() {
        let text = if active {
            "No active incidents."
        } else {
            "Nothing resolved recently."
        };
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let items = list
        .into_iter()
        .map(|i| untrack(|| incident(ctx, i, role)))
        .collect_view();
    view! { <ul class="incidents">{items}</ul> }.into_any()
}

fn incident(ctx: Ctx, i: Incident, role: herald_shared::wire::Role) -> impl IntoView {
    let latest = i.latest().cloned();
    let title_id = format!("incident-{}", i.id);
    let countdown = {
        let i = i.clone();
        move || decide::promise(&i, ctx.now.get())
    };
    let countdown2 = countdown.clone();
    let countdown3 = countdown.clone();
    let actions = decide::actions(&i, role)
        .into_iter()
        .map(|mode| {
            let label = match &mode {
                Mode::Update(_) => "Post update",
                Mode::Resolve(_) => "Resolve",
                Mode::Reopen(_) => "Reopen",
                Mode::Postmortem(_) => "Attach postmortem",
                Mode::Open => "Open",
            };
            let kind = label.to_lowercase().replace(' ', "-");
            let go = mode.clone();
            view! {
                <button type="button" class=format!("action {kind}")
                    aria-describedby=title_id.clone()
                    on:click=move |_| ctx.go(Screen::Compose(go.clone()))>{label}</button>
            }
        })
        .collect_view();
    let impact = i.impact.label();
    let status = i.status().label();
    let components: Vec<String> = ctx.state.with_untracked(|s| {
        s.as_ref()
            .map(|s| {
                i.components()
                    .iter()
                    .map(|a| {
                        let name = s
                            .page
                            .component(&a.id)
                            .map_or(a.id.clone(), |c| c.name.clone());
                        format!("{name}: {}", a.status.label().to_lowercase())
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let audience = if i.visibility.is_public() {
        "Public".to_owned()
    } else {
        match &i.visibility {
            herald_shared::model::Visibility::Segments(s) => format!("Only {}", s.join(", ")),
            _ => String::new(),
        }
    };
    view! {
        <li class="incident" data-id=i.id.clone() data-impact=format!("{:?}", i.impact).to_lowercase()>
            <h3 id=title_id.clone()>{i.title.clone()}</h3>
            <p class="meta">
                <span class="badge impact">{impact}" impact"</span>
                <span class="badge status">{status}</span>
                <span class="audience">{audience}</span>
            </p>
            <p class="countdown"
                data-state=move || match countdown() { Promise::Overdue(_) => "overdue", Promise::Due(_) => "due", Promise::None => "none" }>
                {move || decide::promise_text(countdown2())}
            </p>
            {move || matches!(countdown3(), Promise::Overdue(_)).then(|| view! {
                <p class="overdue-alert" role="alert">"The promised update is overdue: post an update now."</p>
            })}
            {(!components.is_empty()).then(|| view! { <p class="affected">"Affected: "{components.join("; ")}</p> })}
            {latest.map(|u| view! {
                <p class="latest"><span class="when">{human_time(u.created_at)}</span>" — "{u.body}</p>
            })}
            <div class="actions">{actions}</div>
        </li>
    }
}

fn components(ctx: Ctx) -> impl IntoView {
    let can_set = Abilities::of(ctx.role()).set_components;
    let rows: Vec<(String, String, ComponentStatus, ComponentStatus)> = ctx.state.with(|s| {
        s.as_ref()
            .map(|s| {
                s.page
                    .components
                    .iter()
                    .map(|c| {
                        (
                            c.id.clone(),
                            c.name.clone(),
                            c.status,
                            s.component_status(&c.id, &[]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let rows = rows
        .into_iter()
        .map(|(id, name, own, shown)| {
            let select_id = format!("component-{id}");
            let error = RwSignal::new(None::<String>);
            let busy = RwSignal::new(false);
            let cid = id.clone();
            let change = move |ev: leptos::ev::Event| {
                let Some(status) = parse_status(&event_target_value(&ev)) else {
                    return;
                };
                let Some(client) = ctx.client() else { return };
                let cid = cid.clone();
                busy.set(true);
                error.set(None);
                spawn_local(async move {
                    let body = ComponentStatusRequest {
                        status,
                        notify: false,
                    };
                    let r: Result<serde::de::IgnoredAny, ApiError> = client
                        .call("PUT", &format!("components/{cid}/status"), Some(&body))
                        .await;
                    busy.set(false);
                    match r {
                        Ok(_) => {
                            ctx.flash.set(Some(format!("Component status set to {}.", status.label().to_lowercase())));
                            let _ = ctx.refresh().await;
                        }
                        Err(e) => {
                            ctx.check(&e);
                            error.set(Some(e.message()));
                        }
                    }
                });
            };
            let error_id = format!("{select_id}-error");
            let shown_text = (shown != own).then(|| format!("{name} shows as {} while incidents or maintenance affect it.", shown.label().to_lowercase()));
            let control = if can_set {
                view! {
                    <label for=select_id.clone()>"Status of "{name.clone()}</label>
                    <select id=select_id.clone() aria-describedby=error_id.clone() on:change=change disabled=move || busy.get()>
                        {status_options(own)}
                    </select>
                }
                .into_any()
            } else {
                view! { <span class="status-text">{own.label()}</span> }.into_any()
            };
            view! {
                <li class="component" data-id=id.clone() data-status=status_value(shown)>
                    <span class="name">{name}</span>
                    <span class="control">{control}</span>
                    {shown_text.map(|t| view! { <span class="hint">{t}</span> })}
                    <p class="error" id=error_id>{move || error.get()}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="components">{rows}</ul> }
}

fn maintenance(ctx: Ctx) -> impl IntoView {
    let now = ctx.now.get_untracked();
    let items: Vec<(String, String, String)> = ctx.state.with(|s| {
        s.as_ref()
            .map(|s| {
                decide::lists(s, now)
                    .maintenance
                    .into_iter()
                    .map(|m| {
                        (
                            m.title.clone(),
                            m.status().label().to_owned(),
                            format!(
                                "{} to {}",
                                human_time(m.scheduled_for),
                                human_time(m.scheduled_until)
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    if items.is_empty() {
        return view! { <p class="empty">"No maintenance scheduled."</p> }.into_any();
    }
    let items = items
        .into_iter()
        .map(|(t, st, w)| view! { <li><strong>{t}</strong>" — "{st}" — "{w}</li> })
        .collect_view();
    view! { <ul class="plain">{items}</ul> }.into_any()
}

fn notices(ctx: Ctx) -> impl IntoView {
    let now = ctx.now.get_untracked();
    let items: Vec<(String, String, String, bool)> = ctx.state.with(|s| {
        s.as_ref()
            .map(|s| {
                decide::lists(s, now)
                    .notices
                    .into_iter()
                    .map(|n| {
                        (
                            n.title.clone(),
                            n.kind.label().to_owned(),
                            human_time(n.effective_at),
                            n.requires_ack,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    if items.is_empty() {
        return view! { <p class="empty">"No notices scheduled."</p> }.into_any();
    }
    let items = items
        .into_iter()
        .map(|(t, k, at, ack)| {
            view! {
                <li><strong>{t}</strong>" — "{k}", takes effect "{at}
                    {ack.then_some(" — requires acknowledgement")}</li>
            }
        })
        .collect_view();
    view! { <ul class="plain">{items}</ul> }.into_any()
}
