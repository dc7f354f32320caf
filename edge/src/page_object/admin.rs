//! Admin operations that change the page, turned into `shared` commands: request bodies are parsed
//! with the `shared::wire` shapes and the ids the shell chose are filled in.

use herald_shared::command::{
    Approve, AttachPostmortem, Command, DeleteSubscriber, DeleteTemplate, OpenIncident, PostUpdate,
    PublishNotice, Reopen, ScheduleMaintenance, SendBackReview, SetComponentStatus,
    UpdateMaintenance,
};
use herald_shared::statuspage::{self, SpSummary};
use herald_shared::template::Template;
use herald_shared::wire::{
    ComponentStatusRequest, MaintenanceRequest, MaintenanceUpdateRequest, NoticeRequest,
    OpenIncidentRequest, PageSettings, PostUpdateRequest, PostmortemRequest, ReopenRequest,
    SendBackRequest, TemplateRequest,
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::route::AdminOp;

pub fn parse<T: DeserializeOwned>(body: &str) -> ApiResult<T> {
    serde_json::from_str(body).map_err(|e| ApiError::bad_json(&e))
}

/// A command to apply, what it is about (for the audit filter), and the ids to report back.
pub struct Planned {
    pub command: Command,
    /// Applied after `command`, in order, as part of the same write.
    pub then: Vec<Command>,
    pub subject: Option<String>,
    pub id: String,
    pub update_id: Option<String>,
    /// What the write adjusts, for the answer.
    pub notes: Vec<String>,
}

/// An import from Statuspage: a summary.json brings the structure, the component statuses and the
/// current items; incidents.json or scheduled-maintenances.json bring history. Components come
/// first, so that imported incidents can name them; the statuses last, quietly (an import
/// announces nothing).
fn import_statuspage(page: &str, body: &str) -> ApiResult<Planned> {
    let doc: SpSummary = parse(body)?;
    let history = Command::ImportHistory(statuspage::import_history(&doc));
    let only = |command| Planned {
        command,
        then: Vec::new(),
        subject: None,
        id: page.to_owned(),
        update_id: None,
        notes: Vec::new(),
    };
    if doc.components.is_empty() {
        return Ok(only(history));
    }
    let mut notes = Vec::new();
    let settings = statuspage::page_settings(&doc, &mut notes);
    let statuses =
        statuspage::component_statuses(&doc)
            .into_iter()
            .map(|(component_id, status)| {
                Command::SetComponentStatus(SetComponentStatus {
                    component_id,
                    status,
                    notify: false,
                })
            });
    Ok(Planned {
        then: std::iter::once(history).chain(statuses).collect(),
        notes,
        ..only(Command::ConfigurePage(settings))
    })
}

/// Builds the command for a writing `op`. `fresh(prefix)` makes a new random id.
pub fn plan(
    op: &AdminOp,
    page: &str,
    body: &str,
    fresh: &mut dyn FnMut(&str) -> ApiResult<String>,
) -> ApiResult<Planned> {
    let planned =
        |command, subject: Option<String>, id: String, update_id: Option<String>| Planned {
            command,
            then: Vec::new(),
            subject,
            id,
            update_id,
            notes: Vec::new(),
        };
    Ok(match op {
        AdminOp::PutPage => {
            let settings: PageSettings = parse(body)?;
            planned(
                Command::ConfigurePage(settings),
                None,
                page.to_owned(),
                None,
            )
        }
        AdminOp::ImportStatuspage => import_statuspage(page, body)?,
        AdminOp::OpenIncident => {
            let b: OpenIncidentRequest = parse(body)?;
            let (id, update_id) = (fresh("inc")?, fresh("upd")?);
            let command = Command::OpenIncident(OpenIncident {
                id: id.clone(),
                update_id: update_id.clone(),
                title: b.title,
                impact: b.impact,
                body: b.body,
                components: b.components,
                next_update_at: b.next_update_at,
                status: b.status,
                visibility: b.visibility,
                silent: b.silent,
                no_social: !b.social,
                channels: b.channels,
                started_at: b.started_at,
            });
            planned(command, Some(id.clone()), id, Some(update_id))
        }
        AdminOp::PostUpdate { incident } => {
            let b: PostUpdateRequest = parse(body)?;
            let update_id = fresh("upd")?;
            let command = Command::PostUpdate(PostUpdate {
                incident_id: incident.clone(),
                update_id: update_id.clone(),
                status: b.status,
                body: b.body,
                next_update_at: b.next_update_at,
                components: b.components,
                impact: b.impact,
                silent: b.silent,
                no_social: !b.social,
                channels: b.channels,
            });
            planned(
                command,
                Some(incident.clone()),
                incident.clone(),
                Some(update_id),
            )
        }
        AdminOp::Reopen { incident } => {
            let b: ReopenRequest = parse(body)?;
            let update_id = fresh("upd")?;
            let command = Command::Reopen(Reopen {
                incident_id: incident.clone(),
                update_id: update_id.clone(),
                status: b.status,
                body: b.body,
                next_update_at: b.next_update_at,
                silent: b.silent,
            });
            planned(
                command,
                Some(incident.clone()),
                incident.clone(),
                Some(update_id),
            )
        }
        AdminOp::Postmortem { incident } => {
            let b: PostmortemRequest = parse(body)?;
            let command = Command::AttachPostmortem(AttachPostmortem {
                incident_id: incident.clone(),
                body: b.body,
                silent: b.silent,
            });
            planned(command, Some(incident.clone()), incident.clone(), None)
        }
        AdminOp::SetComponentStatus { component } => {
            let b: ComponentStatusRequest = parse(body)?;
            let command = Command::SetComponentStatus(SetComponentStatus {
                component_id: component.clone(),
                status: b.status,
                notify: b.notify,
            });
            planned(command, Some(component.clone()), component.clone(), None)
        }
        AdminOp::ScheduleMaintenance => {
            let b: MaintenanceRequest = parse(body)?;
            let (id, update_id) = (fresh("mnt")?, fresh("upd")?);
            let command = Command::ScheduleMaintenance(ScheduleMaintenance {
                id: id.clone(),
                update_id: update_id.clone(),
                title: b.title,
                body: b.body,
                components: b.components,
                scheduled_for: b.scheduled_for,
                scheduled_until: b.scheduled_until,
                reminders: b.reminders,
                visibility: b.visibility,
                override_reason: b.override_reason,
                silent: b.silent,
                no_social: !b.social,
            });
            planned(command, Some(id.clone()), id, Some(update_id))
        }
        AdminOp::UpdateMaintenance { maintenance } => {
            let b: MaintenanceUpdateRequest = parse(body)?;
            let update_id = fresh("upd")?;
            let command = Command::UpdateMaintenance(UpdateMaintenance {
                maintenance_id: maintenance.clone(),
                update_id: update_id.clone(),
                status: b.status,
                body: b.body,
                silent: b.silent,
            });
            planned(
                command,
                Some(maintenance.clone()),
                maintenance.clone(),
                Some(update_id),
            )
        }
        AdminOp::PublishNotice => {
            let b: NoticeRequest = parse(body)?;
            let id = fresh("ntc")?;
            let command = Command::PublishNotice(PublishNotice {
                id: id.clone(),
                kind: b.kind,
                title: b.title,
                body: b.body,
                effective_at: b.effective_at,
                components: b.components,
                visibility: b.visibility,
                requires_ack: b.requires_ack,
                override_reason: b.override_reason,
                silent: b.silent,
            });
            planned(command, Some(id.clone()), id, None)
        }
        AdminOp::DeleteSubscriber { subscriber } => {
            let command = Command::DeleteSubscriber(DeleteSubscriber {
                subscriber_id: subscriber.clone(),
            });
            planned(command, Some(subscriber.clone()), subscriber.clone(), None)
        }
        AdminOp::SaveTemplate { template } => {
            let b: TemplateRequest = parse(body)?;
            let command = Command::SaveTemplate(Template {
                id: template.clone(),
                name: b.name,
                locale: b.locale,
                title: b.title,
                body: b.body,
                impact: b.impact,
            });
            planned(command, Some(template.clone()), template.clone(), None)
        }
        AdminOp::DeleteTemplate { template } => {
            let command = Command::DeleteTemplate(DeleteTemplate {
                id: template.clone(),
            });
            planned(command, Some(template.clone()), template.clone(), None)
        }
        // The reviewer is the caller, and the subject the held change's: both filled in by the
        // object, which knows them.
        AdminOp::ApproveReview { review } => planned(
            Command::Approve(Approve {
                review_id: review.clone(),
                reviewer: String::new(),
            }),
            None,
            review.clone(),
            None,
        ),
        AdminOp::SendBackReview { review } => {
            let b: SendBackRequest = parse(body)?;
            let command = Command::SendBack(SendBackReview {
                review_id: review.clone(),
                reviewer: String::new(),
                comment: b.comment,
            });
            planned(command, None, review.clone(), None)
        }
        other => return Err(ApiError::Server(format!("{other:?} is not a state change"))),
    })
}
