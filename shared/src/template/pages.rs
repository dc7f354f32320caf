//! The words of the pages a subscriber reads in a browser: the answers to the subscribe form, to the
//! links in messages (confirm, unsubscribe, receipt) and the manage page. The edge lays them out as
//! HTML and escapes them; nothing here is markup.

/// A page with one message: a heading and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub text: String,
}

impl Notice {
    fn new(title: &str, text: impl Into<String>) -> Self {
        Self {
            title: title.to_owned(),
            text: text.into(),
        }
    }
}

/// The sentence shown when an answer brings no detail of its own.
pub const FALLBACK_DETAIL: &str = "Something went wrong; please try again later.";

/// A subscription by text message waits for its confirmation.
pub fn check_phone() -> Notice {
    Notice::new(
        "Check your phone",
        "We sent you a text message with a link to confirm your subscription. Nothing else will be sent until you confirm.",
    )
}

/// A subscription by email waits for its confirmation.
pub fn check_inbox() -> Notice {
    Notice::new(
        "Check your inbox",
        "We sent you an email with a link to confirm your subscription. Nothing else will be sent until you confirm.",
    )
}

/// A webhook waits for its challenge; its signing secret is shown here once, when there is one.
pub fn webhook_pending(signing_secret: Option<&str>) -> Notice {
    let text = "Your webhook will receive a challenge; it is confirmed when it answers with the challenge value.";
    Notice::new(
        "Webhook pending",
        match signing_secret {
            Some(s) => format!("{text} Its signing secret, shown only this once: {s}"),
            None => text.to_owned(),
        },
    )
}

/// The subscribe form was refused; `detail` says why.
pub fn not_accepted(detail: &str) -> Notice {
    Notice::new("Subscription not accepted", detail)
}

/// A confirm or unsubscribe link that is unknown, tampered with or expired.
pub fn link_not_valid() -> Notice {
    Notice::new("Link not valid", "This link is not valid or has expired.")
}

pub fn confirmed(page_name: &str) -> Notice {
    Notice::new(
        "Subscription confirmed",
        format!("You will now receive status updates from {page_name}. Every message has a link to unsubscribe."),
    )
}

pub fn unsubscribed(page_name: &str) -> Notice {
    Notice::new(
        "Unsubscribed",
        format!("You will receive no more status updates from {page_name}."),
    )
}

/// A receipt link that is unknown, or whose message needs no acknowledgement any more.
pub fn receipt_not_valid() -> Notice {
    Notice::new(
        "Link not valid",
        "This receipt link is not valid, or the message no longer needs acknowledging.",
    )
}

pub fn receipt_recorded(page_name: &str) -> Notice {
    Notice::new(
        "Thank you",
        format!("Your acknowledgement of this message from {page_name} is recorded. You can close this page."),
    )
}

/// The page a link in a message opens: what the button does, and the button. Opening a link
/// changes nothing (mail scanners open every link); only the button, a POST, does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub text: String,
    pub button: String,
}

impl Action {
    fn new(title: &str, text: &str, button: &str) -> Self {
        Self {
            title: title.to_owned(),
            text: text.to_owned(),
            button: button.to_owned(),
        }
    }
}

pub fn confirm_prompt() -> Action {
    Action::new(
        "Confirm your subscription",
        "Press the button to start receiving status updates. If you did not ask for them, close this page and nothing will be sent.",
        "Confirm subscription",
    )
}

pub fn unsubscribe_prompt() -> Action {
    Action::new(
        "Unsubscribe",
        "Press the button to stop receiving status updates.",
        "Unsubscribe",
    )
}

pub fn receipt_prompt() -> Action {
    Action::new(
        "Acknowledge this message",
        "Press the button to confirm that you have read this message.",
        "I have read it",
    )
}

/// A manage link whose subscription is gone (or never was).
pub fn subscription_not_found() -> Notice {
    Notice::new(
        "Link not valid",
        "This link is not valid, or the subscription no longer exists.",
    )
}

pub fn form_too_large() -> Notice {
    Notice::new("Too large", "The form was too large.")
}

/// The manage page's choice of components was refused; `detail` says why.
pub fn not_saved(detail: &str) -> Notice {
    Notice::new("Not saved", detail)
}

/// A move was refused; `detail` says why.
pub fn not_changed(detail: &str) -> Notice {
    Notice::new("Not changed", detail)
}

/// Webhooks are added by the page's team, so a subscription cannot move to one.
pub fn webhooks_do_not_move() -> Notice {
    not_changed(
        "Subscriptions move to an email address or a phone number; webhooks are added by the page's team.",
    )
}

/// A move waits for the new address to confirm; until then nothing changes for the old one.
pub fn move_pending(by_text: bool) -> Notice {
    let (title, what) = if by_text {
        ("Check your phone", "a text message")
    } else {
        ("Check your inbox", "an email")
    };
    Notice::new(
        title,
        format!("We sent {what} with a link to confirm the new address. Until you confirm it, updates keep going where they go now."),
    )
}

/// Every word of the manage page, for one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manage {
    pub title: String,
    /// Where messages go now: the masked address and its channel.
    pub destination: String,
    pub saved: &'static str,
    pub components_legend: &'static str,
    pub save: &'static str,
    pub move_heading: &'static str,
    pub move_email: &'static str,
    pub move_phone: &'static str,
    pub move_submit: &'static str,
    pub move_note: &'static str,
}

/// The manage page of a subscription to `page_name` whose messages go to `address` (already masked)
/// on `channel`.
pub fn manage(page_name: &str, address: &str, channel: &str) -> Manage {
    Manage {
        title: format!("Your {page_name} updates"),
        destination: format!("Messages go to {address} ({channel})."),
        saved: "Saved.",
        components_legend: "Tell me about (none ticked: everything)",
        save: "Save",
        move_heading: "Move these updates",
        move_email: "A new email address",
        move_phone: "or a mobile number, in international format (+44…)",
        move_submit: "Send a confirmation there",
        move_note: "Your choices come along; until the new address is confirmed, messages keep going to this one. To stop everything, use the unsubscribe link in any message.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every one-message page, as a person would meet it.
    fn all(page: &str) -> Vec<Notice> {
        vec![
            check_phone(),
            check_inbox(),
            webhook_pending(None),
            webhook_pending(Some("whsec_x")),
            not_accepted("Not a valid email address."),
            link_not_valid(),
            confirmed(page),
            unsubscribed(page),
            receipt_not_valid(),
            receipt_recorded(page),
            subscription_not_found(),
            form_too_large(),
            not_saved(FALLBACK_DETAIL),
            not_changed(FALLBACK_DETAIL),
            webhooks_do_not_move(),
            move_pending(true),
            move_pending(false),
        ]
    }

    #[test]
    fn every_notice_has_a_title_and_a_full_sentence() {
        for n in all("Acme") {
            assert!(!n.title.is_empty(), "{n:?}");
            assert!(!n.title.ends_with('.'), "a heading, not a sentence: {n:?}");
            assert!(
                n.text.ends_with('.') || n.text.ends_with("whsec_x"),
                "{n:?}"
            );
            assert!(n.text.starts_with(char::is_uppercase), "{n:?}");
        }
    }

    #[test]
    fn the_page_name_is_said_where_it_matters() {
        for n in [
            confirmed("Acme"),
            unsubscribed("Acme"),
            receipt_recorded("Acme"),
        ] {
            assert!(n.text.contains(" from Acme"), "{n:?}");
        }
        assert_eq!(
            manage("Acme", "a•••@example.com", "email").title,
            "Your Acme updates"
        );
    }

    #[test]
    fn the_signing_secret_is_shown_only_when_there_is_one() {
        assert!(webhook_pending(Some("whsec_abc"))
            .text
            .ends_with(": whsec_abc"));
        assert!(!webhook_pending(None).text.contains("secret"));
    }

    #[test]
    fn a_move_names_the_channel_it_waits_on() {
        assert_eq!(move_pending(true).title, "Check your phone");
        assert!(move_pending(true).text.contains("a text message"));
        assert_eq!(move_pending(false).title, "Check your inbox");
        assert!(move_pending(false).text.contains("an email"));
    }

    #[test]
    fn the_destination_names_address_and_channel() {
        assert_eq!(
            manage("Acme", "+49•••78", "sms").destination,
            "Messages go to +49•••78 (sms)."
        );
    }
}
