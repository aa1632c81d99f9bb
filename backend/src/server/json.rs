//! [`ApiJson`]: axum's `Json` extractor with rejections turned into
//! [`ApiError`]s, so malformed input is answered in the API's error format.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::ApiError;

/// A JSON request body of type `T`; a body that is not JSON, not `T`, too
/// large or not labelled `application/json` is a 4xx naming the problem.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}
