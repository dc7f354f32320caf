//! The widget's place in the host page: a host element with an open shadow root, styles adopted
//! through a constructable stylesheet (a `<style>` element where that is unsupported), and an inner
//! root that sets its own font, colour, theme, language and direction so host rules on inherited
//! properties do not bleed in. Where the host element goes depends on the mode.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::i18n;
use crate::Config;

/// The widget's stylesheet, scoped by the shadow root; its comments and indentation stay out of
/// the wasm (`compact`).
pub const CSS: &str = match std::str::from_utf8(&CSS_BYTES) {
    Ok(css) => css,
    Err(_) => panic!("widget.css is UTF-8"),
};
const CSS_SOURCE: &[u8] = include_str!("widget.css").as_bytes();
const CSS_BYTES: [u8; compact(CSS_SOURCE, &mut [])] = {
    let mut out = [0; compact(CSS_SOURCE, &mut [])];
    compact(CSS_SOURCE, &mut out);
    out
};

/// Writes `css` without `/* comments */`, with each run of whitespace as one space (the stylesheet
/// has no string with two spaces in a row) and none next to punctuation, into `out` if it is long
/// enough, and answers the length; at compile time.
const fn compact(css: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut n, mut space, mut last) = (0, 0, false, 0u8);
    while i < css.len() {
        if css[i] == b'/' && i + 1 < css.len() && css[i + 1] == b'*' {
            i += 2;
            while i + 1 < css.len() && !(css[i] == b'*' && css[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            space = true;
            continue;
        }
        if css[i].is_ascii_whitespace() {
            space = true;
        } else {
            // A space next to punctuation says nothing (`a { b: c; }` is `a{b:c;}`); one before
            // a colon may (`.a :focus`), and one inside `calc()` does.
            if space && n > 0 && !punct(last, b"{};:,") && !punct(css[i], b"{};,") {
                if n < out.len() {
                    out[n] = b' ';
                }
                n += 1;
            }
            space = false;
            if n < out.len() {
                out[n] = css[i];
            }
            last = css[i];
            n += 1;
        }
        i += 1;
    }
    n
}

/// Whether `byte` is one of `set`.
const fn punct(byte: u8, set: &[u8]) -> bool {
    let mut k = 0;
    while k < set.len() {
        if byte == set[k] {
            return true;
        }
        k += 1;
    }
    false
}

/// Id of the host element; one widget per page.
pub const HOST_ID: &str = "herald-widget";

/// Removes the widget from the page, if it is there.
pub fn remove() {
    if let Some(old) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(HOST_ID))
    {
        old.remove();
    }
}

/// Creates the host element and returns it and the element the app mounts into.
pub fn create(config: &Config) -> Result<(HtmlElement, HtmlElement), String> {
    let err = |e: JsValue| format!("{e:?}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    remove();
    let mode = match config.mode.as_str() {
        m @ ("bottom" | "toast" | "inline" | "badge") => m,
        _ => "top",
    };
    let target = match &config.target {
        Some(selector) => Some(
            document
                .query_selector(selector)
                .ok()
                .flatten()
                .ok_or_else(|| format!("no element matches `{selector}`"))?,
        ),
        None if mode == "inline" => return Err("inline mode needs a target selector".into()),
        None => None,
    };
    let host: HtmlElement = document
        .create_element("herald-widget")
        .map_err(err)?
        .unchecked_into();
    host.set_id(HOST_ID);
    host.set_attribute("data-mode", mode).map_err(err)?;
    let z = config.z_index.unwrap_or(2_147_483_000);
    // The host element itself must not inherit layout from the host page's rules.
    let place = match (mode, &target) {
        ("inline", _) | ("badge", Some(_)) => "display:block".to_owned(),
        ("bottom", _) => format!("display:block;position:fixed;left:0;right:0;bottom:0;z-index:{z}"),
        ("toast", _) => format!("display:block;position:fixed;inset-inline-end:16px;bottom:16px;max-width:calc(100vw - 32px);z-index:{z}"),
        ("badge", None) => format!("display:block;position:fixed;inset-inline-start:16px;bottom:16px;z-index:{z}"),
        _ => format!("display:block;position:sticky;top:0;z-index:{z}"),
    };
    // Set through the CSSOM, which a strict `style-src` allows (a style attribute it blocks), and
    // as important, so that host rules such as `herald-widget { display: none !important }` lose.
    let style = host.style();
    for decl in format!("all:initial;{place}").split(';') {
        if let Some((k, v)) = decl.split_once(':') {
            style
                .set_property_with_priority(k, v, "important")
                .map_err(err)?;
        }
    }
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(err)?;
    let adopted = CssStyleSheet::new().and_then(|sheet| {
        sheet.replace_sync(CSS)?;
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        Ok(())
    });
    if adopted.is_err() {
        let style = document.create_element("style").map_err(err)?;
        style.set_text_content(Some(CSS));
        shadow.append_child(&style).map_err(err)?;
    }
    let root: HtmlElement = document
        .create_element("div")
        .map_err(err)?
        .unchecked_into();
    root.set_class_name("root");
    let (tag, words) = i18n::resolve(config.locale.as_deref());
    let theme = match config.theme.as_str() {
        t @ ("light" | "dark") => t,
        _ => "auto",
    };
    for (k, v) in [
        ("data-mode", mode),
        ("data-theme", theme),
        ("lang", tag.as_str()),
        ("dir", if words.rtl { "rtl" } else { "ltr" }),
    ] {
        root.set_attribute(k, v).map_err(err)?;
    }
    if mode == "inline" || target.is_some() {
        // In the host's layout rather than fixed or sticky: the subscribe form opens in flow.
        root.set_attribute("data-flow", "").map_err(err)?;
    }
    shadow.append_child(&root).map_err(err)?;
    match (mode, target) {
        (_, Some(t)) => t.append_child(&host).map(drop).map_err(err)?,
        ("top", None) => body.prepend_with_node_1(&host).map_err(err)?,
        _ => body.append_child(&host).map(drop).map_err(err)?,
    }
    Ok((host, root))
}
