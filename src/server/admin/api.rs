//! The JSON admin API (`/v1/...`) and the live stream of metadata changes (`/v1/stream`).
//! Every answer is read from the committed image inside the controller loop
//! ([`ControllerHandle::query`](crate::server::controller_driver::ControllerHandle::query)) or
//! from raft's published status; nothing here changes metadata. Keys are lowerCamelCase as in
//! Kafka's JSON; an error is `{"error": "..."}` with a fitting status.

mod cluster;
mod control_json;
mod status;
mod stream;
mod topics;

use std::sync::Arc;

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

use super::AdminState;
use stream::OpenStreams;

/// The JSON routes.
pub fn routes() -> Router<Arc<AdminState>> {
    Router::new()
        .route("/v1/status", get(status::status))
        .route("/v1/brokers", get(cluster::brokers))
        .route("/v1/controllers", get(cluster::controllers))
        .route("/v1/features", get(cluster::features))
        .route("/v1/topics", get(topics::list))
        .route("/v1/topics/{name}", get(topics::describe))
        .route("/v1/stream", get(stream::stream))
        .layer(Extension(OpenStreams::default()))
        .fallback(unknown_path)
}

/// Any other path: 404 in the API's error form.
async fn unknown_path(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// A refused or failed request: its status and message, answered as `{"error": "..."}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn not_found(message: String) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message,
        }
    }

    /// The controller loop is gone (the node is stopping).
    fn unavailable(error: anyhow::Error) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: error.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// What a handler answers.
type ApiResult<T> = Result<Json<T>, ApiError>;
