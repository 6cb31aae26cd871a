//! `/v1/status`: this node in the quorum (role, epoch, leader, offsets) and whether it is
//! the active controller.

use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;

use super::stream::OpenStreams;
use super::{ApiError, ApiResult};
use crate::server::admin::AdminState;

/// The answer of `/v1/status`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    node_id: i32,
    cluster_id: String,
    role: &'static str,
    leader_id: Option<i32>,
    epoch: i32,
    high_watermark: Option<i64>,
    log_end_offset: i64,
    /// The offset of the last record in the committed image (null before any).
    committed_offset: Option<i64>,
    active_controller: bool,
    /// `/v1/stream` responses being served.
    open_streams: usize,
}

pub(crate) async fn status(
    State(state): State<Arc<AdminState>>,
    Extension(streams): Extension<OpenStreams>,
) -> ApiResult<Status> {
    let committed_offset = state
        .controller
        .query(|_, offset| offset)
        .await
        .map_err(ApiError::unavailable)?;
    let raft = state.raft.status();
    Ok(Json(Status {
        node_id: state.node_id,
        cluster_id: state.cluster_id.clone(),
        role: raft.role.name(),
        leader_id: raft.leader_id,
        epoch: raft.epoch,
        high_watermark: raft.high_watermark,
        log_end_offset: raft.log_end_offset,
        committed_offset: (committed_offset >= 0).then_some(committed_offset),
        active_controller: state.controller.is_active(),
        open_streams: streams.count(),
    }))
}
