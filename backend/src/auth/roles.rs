//! Role checks for handlers: every route states which roles may call it.

use super::SessionUser;
use crate::server::ApiError;

/// Refuses with 403 `forbidden` unless `user`'s role is one of `allowed`;
/// the message names what was attempted and who may do it.
pub fn require(user: &SessionUser, allowed: &[&str], action: &str) -> Result<(), ApiError> {
    if allowed.contains(&user.role.as_str()) {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "only {} may {action}; you are logged in as {}",
        allowed.join(" or "),
        user.role
    )))
}

/// Extractors that admit only one role, checked before the request body is
/// read, so a caller without the role gets 403 whatever it sent.
macro_rules! role_extractor {
    ($name:ident, $role:literal, $who:literal) => {
        #[doc = concat!("A logged-in ", $who, ": 401 without a session, 403 `forbidden` for any other role.")]
        #[derive(Debug, Clone)]
        pub struct $name(pub super::CurrentUser);

        impl axum::extract::FromRequestParts<crate::server::AppState> for $name {
            type Rejection = super::AuthError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                s: &crate::server::AppState,
            ) -> Result<Self, Self::Rejection> {
                let current = super::CurrentUser::from_request_parts(parts, s).await?;
                let action = format!("{} {}", parts.method, parts.uri.path());
                require(&current.user, &[$role], &action).map_err(super::AuthError::Api)?;
                Ok($name(current))
            }
        }
    };
}

role_extractor!(CentreUser, "centre", "procurement-centre user");
role_extractor!(BidderUser, "bidder", "bidder");
role_extractor!(OperatorUser, "operator", "CA operator");
