//! Building the widget's DOM without a framework: an element with its attributes, text and
//! children in one expression. Events are not wired here: the widget handles them once, at its
//! root (`app`), so building costs no listeners.

use wasm_bindgen::UnwrapThrowExt;
use web_sys::{Document, Element};

/// An element under construction.
pub struct E(pub Element);

impl E {
    /// `<tag class="class">`.
    pub fn new(doc: &Document, tag: &str, class: &str) -> E {
        let e = doc.create_element(tag).unwrap_throw();
        if !class.is_empty() {
            e.set_class_name(class);
        }
        E(e)
    }

    pub fn attr(self, name: &str, value: &str) -> E {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// `part="..."`, the name hosts style it by (`herald-widget::part(...)`).
    pub fn part(self, part: &str) -> E {
        self.attr("part", part)
    }

    pub fn text(self, text: &str) -> E {
        let _ = self.0.append_with_str_1(text);
        self
    }

    pub fn child(self, child: E) -> E {
        let _ = self.0.append_with_node_1(&child.0);
        self
    }

    pub fn child_el(self, child: &Element) -> E {
        let _ = self.0.append_with_node_1(child);
        self
    }

    pub fn maybe(self, child: Option<E>) -> E {
        match child {
            Some(c) => self.child(c),
            None => self,
        }
    }
}

/// A "×" button named `label` (dismissing the banner, closing the form).
pub fn close_button(doc: &Document, class: &str, part: &str, label: &str) -> E {
    E::new(doc, "button", class)
        .part(part)
        .attr("type", "button")
        .attr("aria-label", label)
        .attr("title", label)
        .text("×")
}

/// Replaces the text of `el`.
pub fn set_text(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

/// The first element under `within` matching `selector`.
pub fn find(within: &Element, selector: &str) -> Option<Element> {
    within.query_selector(selector).ok().flatten()
}
