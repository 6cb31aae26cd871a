//! Prometheus metrics.

use std::sync::Arc;

use axum::Router;

use super::AdminState;

/// The metrics route.
pub fn routes() -> Router<Arc<AdminState>> {
    Router::new()
}
