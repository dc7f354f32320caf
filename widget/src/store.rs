//! Dismissals remembered per page in localStorage. Storage may be missing or throw (private mode,
//! sandboxed frames): then dismissal lasts for the page view only.

fn key(page: &str) -> String {
    format!("herald:dismissed:{page}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The update id the viewer last dismissed on `page`.
pub fn dismissed(page: &str) -> Option<String> {
    storage()?.get_item(&key(page)).ok().flatten()
}

pub fn remember_dismissal(page: &str, update_id: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(page), update_id);
    }
}
