//! The HTTP server: application state, configuration, the error type, the
//! health and OpenAPI endpoints, and [`launch`].
//!
//! Domain routes live in their own modules ([`crate::pki`], [`crate::tsa`]);
//! each exposes `router() -> Router<AppState>` and [`app::router`] merges them.

pub mod app;
pub mod config;
pub mod error;
pub mod health;
pub mod json;
pub mod openapi;
pub mod openapi_more;
pub mod web;

pub use app::{AppState, Running, launch, prepare};
pub use config::{Config, Secret};
pub use error::ApiError;
pub use json::ApiJson;
