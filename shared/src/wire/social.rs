//! Social accounts' JSON: the admin request that sets them (secrets in, never out), the secrets
//! as the page object keeps them, and the bodies Mastodon's and Bluesky's APIs read and answer.
//! Every type holding a secret prints without it (`Debug` says `..`).

use serde::{Deserialize, Serialize};

use crate::model::SocialEvent;
use crate::social::Post;

/// `PUT /v1/admin/pages/{page}/social`: the page's accounts as they should be. An account left
/// out is removed; a secret left out keeps the one stored (it is never shown again).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialRequest {
    #[serde(default)]
    pub mastodon: Option<MastodonInput>,
    #[serde(default)]
    pub bluesky: Option<BlueskyInput>,
    /// What is posted; every kind when left out.
    #[serde(default)]
    pub events: Option<Vec<SocialEvent>>,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonInput {
    /// The server's base URL (`https://mastodon.social`).
    pub server: String,
    /// An access token with the `write:statuses` scope.
    #[serde(default)]
    pub access_token: Option<String>,
    /// The server's character limit per status; 500 when left out.
    #[serde(default)]
    pub max_chars: Option<u32>,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueskyInput {
    /// The account's handle (`acme.bsky.social`) or DID.
    #[serde(default)]
    pub handle: Option<String>,
    /// An app password (Settings, App passwords), never the account's own.
    #[serde(default)]
    pub app_password: Option<String>,
}

/// Mastodon's secret as the page object keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastodonSecret {
    pub access_token: String,
}

/// Bluesky's secrets as the page object keeps them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlueskySecret {
    pub identifier: String,
    pub app_password: String,
}

/// A Bluesky session (`createSession`'s and `refreshSession`'s answer), kept by the page object.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlueskySession {
    pub access_jwt: String,
    pub refresh_jwt: String,
    pub did: String,
}

/// What the queue consumer needs to post for a page's account: only between the page object and
/// the consumer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "snake_case")]
pub enum SocialDue {
    Mastodon {
        server: String,
        access_token: String,
        max_chars: u32,
    },
    Bluesky {
        identifier: String,
        app_password: String,
        #[serde(default)]
        session: Option<BlueskySession>,
    },
}

macro_rules! hidden {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(..)"))
            }
        }
    )*};
}
hidden!(
    SocialRequest,
    MastodonInput,
    BlueskyInput,
    MastodonSecret,
    BlueskySecret,
    BlueskySession,
    SocialDue
);

/// `POST {server}/api/v1/statuses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastodonStatus {
    pub status: String,
    pub visibility: String,
    /// ISO 639 language of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The part of Mastodon's answer (a `Status`) Herald keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastodonCreated {
    pub id: String,
}

/// `com.atproto.server.createSession`'s input.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSession {
    pub identifier: String,
    pub password: String,
}
hidden!(CreateSession);

/// `com.atproto.repo.createRecord`'s input, for a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRecord {
    /// The account's DID.
    pub repo: String,
    pub collection: String,
    pub record: FeedPost,
}

/// An `app.bsky.feed.post` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedPost {
    #[serde(rename = "$type")]
    pub kind: String,
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facets: Vec<Facet>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub langs: Vec<String>,
}

/// A rich-text facet: a span of the text in UTF-8 bytes, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    pub index: ByteSlice,
    pub features: Vec<FacetFeature>,
}

/// `text.as_bytes()[byte_start..byte_end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteSlice {
    pub byte_start: usize,
    pub byte_end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetFeature {
    #[serde(rename = "$type")]
    pub kind: String,
    pub uri: String,
}

/// The part of `createRecord`'s answer Herald keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedRecord {
    pub uri: String,
}

/// An XRPC error answer (`{"error": "ExpiredToken", "message": ...}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct XrpcError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub message: Option<String>,
}

/// The collection of posts.
pub const FEED_POST: &str = "app.bsky.feed.post";
/// A link facet's feature type.
pub const LINK_FEATURE: &str = "app.bsky.richtext.facet#link";

impl CreateRecord {
    /// The `createRecord` input posting `post` to `did`'s repository at `created_at` (RFC 3339),
    /// its link a facet over the link's UTF-8 bytes.
    pub fn post(did: &str, post: &Post, created_at: &str, lang: &str) -> CreateRecord {
        CreateRecord {
            repo: did.to_owned(),
            collection: FEED_POST.into(),
            record: FeedPost {
                kind: FEED_POST.into(),
                text: post.text.clone(),
                created_at: created_at.to_owned(),
                facets: vec![Facet {
                    index: ByteSlice {
                        byte_start: post.link.byte_start,
                        byte_end: post.link.byte_end,
                    },
                    features: vec![FacetFeature {
                        kind: LINK_FEATURE.into(),
                        uri: post.link.uri.clone(),
                    }],
                }],
                langs: vec![lang.to_owned()],
            },
        }
    }
}
