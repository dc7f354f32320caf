//! The signed-in key and page, kept in `sessionStorage` (this tab only, gone when it closes), never
//! in `localStorage`; signing out removes them.

const KEY: &str = "herald.console.key";
const PAGE: &str = "herald.console.page";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The page and key of this tab's session, if it signed in.
pub fn load() -> Option<(String, String)> {
    let s = storage()?;
    let page = s.get_item(PAGE).ok().flatten()?;
    let key = s.get_item(KEY).ok().flatten()?;
    (!page.is_empty() && !key.is_empty()).then_some((page, key))
}

pub fn save(page: &str, key: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(PAGE, page);
        let _ = s.set_item(KEY, key);
    }
}

/// Forgets the key (the page name is forgotten too; it is typed again with the key).
pub fn forget() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
        let _ = s.remove_item(PAGE);
    }
}
