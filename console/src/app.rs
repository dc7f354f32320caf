//! The shell: sign-in, the header with the key's role and "sign out", the screens, the clock that
//! drives countdowns, and the conditional polling of the page (`GET` with `If-None-Match`) beside
//! its live socket (`live`).

use gloo_timers::future::TimeoutFuture;
use herald_shared::wire::{Identity, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiError, Client};
use crate::ctx::{now, Ctx, Screen, Session};
use crate::decide::{self, Mode};
use crate::subscribers;
use crate::{
    compose, evidence, keys, notifications, overview, schedule, scorecard, session, templates,
};

impl Ctx {
    fn start_polling(self) {
        let mine = self.epoch.get_untracked();
        spawn_local(async move {
            let mut failures = 0;
            loop {
                TimeoutFuture::new(decide::poll_delay_ms(failures)).await;
                if self.epoch.get_untracked() != mine {
                    return;
                }
                failures = match self.refresh().await {
                    Ok(_) => 0,
                    Err(_) => failures + 1,
                };
            }
        });
    }
}

/// Signs in with `page` and `key`: reads the page (401 and 404 are the person's to fix), then
/// asks the API who the key is (its id and role).
async fn sign_in(ctx: Ctx, page: String, key: String) -> Result<(), ApiError> {
    let client = Client {
        page: page.trim().to_owned(),
        key: key.trim().to_owned(),
    };
    let (state, etag) = client
        .page(None)
        .await?
        .ok_or_else(|| ApiError::Server("no page".into()))?;
    let me: Identity = client.call("GET", "me", None::<&()>).await?;
    session::save(&client.page, &client.key);
    ctx.epoch.update(|e| *e += 1);
    ctx.state.set(Some(state));
    ctx.etag.set(Some(etag));
    ctx.signin_error.set(None);
    ctx.session.set(Some(Session {
        client,
        role: me.role,
        id: me.id,
    }));
    ctx.start_polling();
    crate::live::follow(ctx);
    Ok(())
}

#[allow(non_snake_case)]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        session: RwSignal::new(None),
        state: RwSignal::new(None),
        etag: RwSignal::new(None),
        now: RwSignal::new(now()),
        screen: RwSignal::new(Screen::Overview),
        flash: RwSignal::new(None),
        signin_error: RwSignal::new(None),
        epoch: RwSignal::new(0),
        live: RwSignal::new(0),
    };
    spawn_local(async move {
        loop {
            TimeoutFuture::new(1_000).await;
            ctx.now.set(now());
        }
    });
    let resuming = RwSignal::new(false);
    if let Some((page, key)) = session::load() {
        resuming.set(true);
        spawn_local(async move {
            if let Err(e) = sign_in(ctx, page, key).await {
                session::forget();
                ctx.signin_error.set(Some(e));
            }
            resuming.set(false);
        });
    }
    move || {
        if ctx.session.with(Option::is_some) {
            untrack(|| shell(ctx)).into_any()
        } else if resuming.get() {
            view! { <main id="main" class="signin"><p role="status">"Signing in…"</p></main> }
                .into_any()
        } else {
            untrack(|| signin(ctx)).into_any()
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Responder => "responder",
        Role::Communicator => "communicator",
        Role::Admin => "admin",
    }
}

fn signin(ctx: Ctx) -> impl IntoView {
    let page = RwSignal::new(String::from("demo"));
    let key = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = ctx.signin_error;
    let field_error = move |f: &'static str| {
        move || {
            error.with(|e| match e {
                Some(ApiError::NotFound(_)) if f == "page" => e.as_ref().map(ApiError::message),
                Some(ApiError::Unauthorized | ApiError::Forbidden(_)) if f == "key" => {
                    e.as_ref().map(ApiError::message)
                }
                Some(other)
                    if f == "form"
                        && !matches!(
                            other,
                            ApiError::NotFound(_) | ApiError::Unauthorized | ApiError::Forbidden(_)
                        ) =>
                {
                    Some(other.message())
                }
                _ => None,
            })
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            if let Err(e) = sign_in(ctx, page.get_untracked(), key.get_untracked()).await {
                error.set(Some(e));
            }
            busy.set(false);
        });
    };
    let page_err = field_error("page");
    let key_err = field_error("key");
    let form_err = field_error("form");
    view! {
        <main id="main" class="signin">
            <h1 id="screen-title" tabindex="-1">"Herald console"</h1>
            <p class="lede">"Sign in with an API key of your status page. The key stays in this tab only and is forgotten when you sign out or close it."</p>
            <form id="signin" on:submit=submit novalidate>
                <p class="form-error" role="alert">{form_err}</p>
                <div class="field">
                    <label for="page">"Status page"</label>
                    <input id="page" name="page" autocomplete="off" autocapitalize="none" spellcheck="false" required
                        aria-describedby="page-error"
                        aria-invalid=move || page_err().is_some().to_string()
                        prop:value=move || page.get()
                        on:input=move |ev| page.set(event_target_value(&ev)) />
                    <p class="error" id="page-error">{page_err}</p>
                </div>
                <div class="field">
                    <label for="key">"API key"</label>
                    <input id="key" name="key" type="password" autocomplete="off" required
                        aria-describedby="key-error"
                        aria-invalid=move || key_err().is_some().to_string()
                        prop:value=move || key.get()
                        on:input=move |ev| key.set(event_target_value(&ev)) />
                    <p class="error" id="key-error">{key_err}</p>
                </div>
                <button type="submit" id="signin-submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}

fn shell(ctx: Ctx) -> impl IntoView {
    let page_name = move || {
        ctx.state
            .with(|s| s.as_ref().map(|s| s.page.name.clone()).unwrap_or_default())
    };
    let role = move || role_name(ctx.role());
    let can_compose = move || decide::Abilities::of(ctx.role()).compose;
    let can_communicate = move || decide::Abilities::of(ctx.role()).communicate;
    let is_admin = move || ctx.role() == herald_shared::wire::Role::Admin;
    let current = move |want: &'static str| {
        move || {
            let on = match ctx.screen.get() {
                Screen::Overview => want == "overview",
                Screen::Compose(Mode::Open) => want == "open",
                Screen::Compose(_) => false,
                Screen::Schedule(false) => want == "maintenance",
                Screen::Schedule(true) => want == "notice",
                Screen::Templates => want == "templates",
                Screen::Scorecard => want == "scorecard",
                Screen::Notifications => want == "notifications",
                Screen::Evidence => want == "evidence",
                Screen::Keys => want == "keys",
                Screen::Subscribers => want == "subscribers",
            };
            on.then_some("page")
        }
    };
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="top">
            <p class="brand">"Herald" <span class="page-name">{page_name}</span></p>
            <p class="who">"Signed in as " <strong id="role">{role}</strong></p>
            <button type="button" id="signout" on:click=move |_| ctx.sign_out(None)>"Sign out"</button>
        </header>
        <nav aria-label="Screens" class="screens">
            <button type="button" id="nav-overview" aria-current=current("overview")
                on:click=move |_| ctx.go(Screen::Overview)>"Overview"</button>
            <Show when=can_compose>
                <button type="button" id="nav-open" aria-current=current("open")
                    on:click=move |_| ctx.go(Screen::Compose(Mode::Open))>"Open an incident"</button>
            </Show>
            <Show when=can_communicate>
                <button type="button" id="nav-maintenance" aria-current=current("maintenance")
                    on:click=move |_| ctx.go(Screen::Schedule(false))>"Schedule maintenance"</button>
                <button type="button" id="nav-notice" aria-current=current("notice")
                    on:click=move |_| ctx.go(Screen::Schedule(true))>"Publish a notice"</button>
                <button type="button" id="nav-templates" aria-current=current("templates")
                    on:click=move |_| ctx.go(Screen::Templates)>"Templates"</button>
            </Show>
            <button type="button" id="nav-notifications" aria-current=current("notifications")
                on:click=move |_| ctx.go(Screen::Notifications)>"Notifications"</button>
            <button type="button" id="nav-scorecard" aria-current=current("scorecard")
                on:click=move |_| ctx.go(Screen::Scorecard)>"Scorecard"</button>
            <button type="button" id="nav-evidence" aria-current=current("evidence")
                on:click=move |_| ctx.go(Screen::Evidence)>"Evidence"</button>
            <button type="button" id="nav-subscribers" aria-current=current("subscribers")
                on:click=move |_| ctx.go(Screen::Subscribers)>"Subscribers"</button>
            <Show when=is_admin>
                <button type="button" id="nav-keys" aria-current=current("keys")
                    on:click=move |_| ctx.go(Screen::Keys)>"Keys and roles"</button>
            </Show>
        </nav>
        <p class="flash" role="status">{move || ctx.flash.get()}</p>
        <main id="main" tabindex="-1">
            {move || match ctx.screen.get() {
                // Built untracked: a screen's setup reads the state once; its own closures follow it.
                Screen::Overview => untrack(|| overview::overview(ctx)).into_any(),
                Screen::Compose(mode) => untrack(|| compose::compose(ctx, mode)).into_any(),
                Screen::Schedule(notice) => untrack(|| schedule::schedule(ctx, notice)).into_any(),
                Screen::Templates => untrack(|| templates::templates(ctx)).into_any(),
                Screen::Scorecard => untrack(|| scorecard::scorecard(ctx)).into_any(),
                Screen::Notifications => untrack(|| notifications::notifications(ctx)).into_any(),
                Screen::Evidence => untrack(|| evidence::evidence(ctx)).into_any(),
                Screen::Keys => untrack(|| keys::keys(ctx)).into_any(),
                Screen::Subscribers => untrack(|| subscribers::subscribers(ctx)).into_any(),
            }}
        </main>
    }
}
