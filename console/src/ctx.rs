//! The console's shared state: who is signed in, which screen is shown, the page as last read, and
//! the clock; every screen takes a `Ctx`. Below the screens and the shell, so they import it and it
//! imports none of them.

use herald_shared::model::State;
use herald_shared::wire::Role;
use leptos::prelude::*;

use crate::api::{ApiError, Client};
use crate::decide::{self, Mode, Timestamp};
use crate::session;

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub client: Client,
    pub role: Role,
    /// The key's id as the audit names it (`key:<id>`, or `root`): a draft's author may not review it.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Overview,
    Compose(Mode),
    /// Maintenance (`false`) or a notice (`true`).
    Schedule(bool),
    Templates,
    Scorecard,
    Notifications,
    /// The audit log, an incident's timeline, the export.
    Evidence,
    /// API keys and the widget secret (admin).
    Keys,
    /// Counts, the masked list, a lookup, import, export, erasure.
    Subscribers,
    /// The page's settings (admin).
    Settings,
}

/// The console's signals, shared by every screen (all `Copy`).
#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Option<Session>>,
    pub state: RwSignal<Option<State>>,
    pub(crate) etag: RwSignal<Option<String>>,
    /// The browser's clock, once a second.
    pub now: RwSignal<Timestamp>,
    pub screen: RwSignal<Screen>,
    /// A short note after an action ("Update published"), announced politely.
    pub flash: RwSignal<Option<String>>,
    /// Why the person is back at sign-in, if not by choice.
    pub(crate) signin_error: RwSignal<Option<ApiError>>,
    /// Grows at every sign-in and sign-out: a poll loop of an older session stops.
    pub(crate) epoch: RwSignal<u32>,
    /// Grows at every version the live socket pushes: screens that fetch more than the page
    /// (the notifications) fetch again.
    pub(crate) live: RwSignal<u32>,
}

pub fn now() -> Timestamp {
    decide::from_millis(js_sys::Date::now())
}

impl Ctx {
    pub fn client(&self) -> Option<Client> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.client.clone()))
    }

    pub fn me(&self) -> String {
        self.session
            .with(|s| s.as_ref().map(|s| s.id.clone()).unwrap_or_default())
    }

    pub fn role(&self) -> Role {
        self.session
            .with(|s| s.as_ref().map_or(Role::Viewer, |s| s.role))
    }

    /// Goes to `screen` and moves focus to its heading, so keyboard and screen-reader users start
    /// there.
    pub fn go(&self, screen: Screen) {
        if screen != Screen::Overview {
            self.flash.set(None);
        }
        self.screen.set(screen);
        request_animation_frame(|| {
            if let Some(h) = document().get_element_by_id("screen-title") {
                use wasm_bindgen::JsCast;
                if let Ok(h) = h.dyn_into::<web_sys::HtmlElement>() {
                    let _ = h.focus();
                }
            }
        });
    }

    /// Handles an error every screen treats the same: a refused key ends the session.
    pub fn check(&self, e: &ApiError) {
        if *e == ApiError::Unauthorized {
            self.sign_out(Some(e.clone()));
        }
    }

    pub fn sign_out(&self, why: Option<ApiError>) {
        session::forget();
        crate::api::forget_answers();
        self.epoch.update(|e| *e += 1);
        self.session.set(None);
        self.state.set(None);
        self.etag.set(None);
        self.flash.set(None);
        self.signin_error.set(why);
        self.screen.set(Screen::Overview);
    }

    /// Reads the page now (after a write, or at each poll); `Ok(false)` when unchanged.
    pub async fn refresh(&self) -> Result<bool, ApiError> {
        let Some(client) = self.client() else {
            return Ok(false);
        };
        let etag = self.etag.get_untracked();
        match client.page(etag.as_deref()).await {
            Ok(Some((state, tag))) => {
                self.state.set(Some(state));
                self.etag.set(Some(tag));
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                self.check(&e);
                Err(e)
            }
        }
    }
}

/// The sample links the previews show for `page`, on this console's origin.
pub fn sample_links(page: &str) -> herald_shared::template::Links {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    decide::sample_links(&origin, page)
}

/// A destructive row action asks twice: the first click on a row arms it (its button then asks
/// to confirm) and answers `false`; a second click on the same row disarms it and answers `true`.
pub fn second_click(armed: RwSignal<Option<String>>, id: &str) -> bool {
    if armed.get_untracked().as_deref() != Some(id) {
        armed.set(Some(id.to_owned()));
        return false;
    }
    armed.set(None);
    true
}
