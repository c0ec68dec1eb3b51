//! Cross-cutting HTTP behaviour, applied to every route by [`crate::app::router`].

pub mod limits;
pub mod observe;
pub mod path;
pub mod request_id;
