//! The widget's place in the host page: a host element with an open shadow root, styles adopted
//! through a constructable stylesheet (a `<style>` element where that is unsupported), and an inner
//! root that sets its own font and colour so host rules on inherited properties do not bleed in.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRootInit, ShadowRootMode};

/// The widget's stylesheet, scoped by the shadow root.
pub const CSS: &str = include_str!("widget.css");

/// Id of the host element; one widget per page.
pub const HOST_ID: &str = "herald-widget";

/// Creates the host element and returns the element the app mounts into.
pub fn create(position: Option<&str>) -> Result<HtmlElement, String> {
    let err = |e: JsValue| format!("{e:?}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    if let Some(old) = document.get_element_by_id(HOST_ID) {
        old.remove();
    }
    let host: HtmlElement = document
        .create_element("herald-widget")
        .map_err(err)?
        .unchecked_into();
    host.set_id(HOST_ID);
    let bottom = position == Some("bottom");
    host.set_attribute("data-position", if bottom { "bottom" } else { "top" })
        .map_err(err)?;
    // The host element itself must not inherit layout from the host page's rules.
    host.set_attribute(
        "style",
        if bottom {
            "all:initial;display:block;position:fixed;left:0;right:0;bottom:0;z-index:2147483000"
        } else {
            "all:initial;display:block;position:sticky;top:0;z-index:2147483000"
        },
    )
    .map_err(err)?;
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
    shadow.append_child(&root).map_err(err)?;
    if bottom {
        body.append_child(&host).map_err(err)?;
    } else {
        body.prepend_with_node_1(&host).map_err(err)?;
    }
    Ok(root)
}
