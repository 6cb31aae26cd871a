//! What the raft engine tests share: the engine over in-memory storage and the helpers that
//! read its outputs.

#![allow(dead_code)]

use yakt::raft::{
    Event, MemLog, MemStore, NodeId, Output, RaftEngine, RaftLog, RaftRequest, RaftResponse,
    RequestId,
};

/// The engine the tests drive.
pub type Engine = RaftEngine<MemLog, MemStore>;

/// The requests `outputs` sends: destination, correlation id, request.
pub fn sends(outputs: &[Output]) -> Vec<(NodeId, u64, RaftRequest)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send {
                destination,
                correlation_id,
                request,
            } => Some((*destination, *correlation_id, request.clone())),
            _ => None,
        })
        .collect()
}

/// The response `outputs` gives to request `id`, if any.
pub fn response_to(outputs: &[Output], id: RequestId) -> Option<RaftResponse> {
    outputs.iter().find_map(|o| match o {
        Output::Respond {
            request_id,
            response,
        } if *request_id == id => Some(response.clone()),
        _ => None,
    })
}

/// Flushes the log and tells the engine; its outputs.
pub fn flush(engine: &mut Engine, now: u64) -> Vec<Output> {
    engine.log_mut().flush().unwrap();
    engine.step(now, Event::FlushCompleted).unwrap();
    engine.take_outputs()
}
