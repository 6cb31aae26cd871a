//! The JSON admin API and the stream of metadata changes.

use std::sync::Arc;

use axum::Router;

use super::AdminState;

/// The JSON routes.
pub fn routes() -> Router<Arc<AdminState>> {
    Router::new()
}
