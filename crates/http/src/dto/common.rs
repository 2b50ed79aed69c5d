//! Pieces shared by several DTOs.

use serde::{Deserialize, Deserializer};

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`), so a PATCH
/// can clear a value.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Declares a page of items: `{ "items": [...], "next_cursor": "..." | null }`.
#[macro_export]
macro_rules! page_of {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(page: hamkke_persistence::repo::page::Page<T>) -> Self
            where
                $item: From<T>,
            {
                Self {
                    next_cursor: page.next_after.map($crate::extract::encode_cursor),
                    items: page.items.into_iter().map(Into::into).collect(),
                }
            }
        }
    };
}

/// A name holds no invisible formatting: bidirectional controls or zero-width characters
/// (answered 400 `invalid_characters`).
pub fn plain_name(name: &str) -> Result<(), validator::ValidationError> {
    if hamkke_domain::text::is_unfit_name(name) {
        return Err(
            validator::ValidationError::new("invalid_characters").with_message(
                "may not contain bidirectional controls or zero-width characters".into(),
            ),
        );
    }
    Ok(())
}
