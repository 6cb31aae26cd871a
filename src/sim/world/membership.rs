//! Voter changes under faults (KIP-853): now and then the simulator asks the leader to add an
//! observer (or a removed voter) as a voter, or to remove a voter, as `kafka-metadata-quorum
//! add-controller / remove-controller` would, and it keeps the checker's idea of who votes in
//! step with the committed voter set.

use kafka_protocol::messages::{
    add_raft_voter_request, AddRaftVoterRequest, RemoveRaftVoterRequest,
};
use kafka_protocol::protocol::StrBytes;

use crate::raft::types::error_code;
use crate::raft::{Event, NodeId, RaftRequest, RaftResponse, RequestId, RoleKind};

use super::{World, CLUSTER_ID};

/// Most voters the simulator grows a quorum to.
const MAX_VOTERS: usize = 5;

/// The directory id every simulated node has at kraft.version 1.
pub(super) fn directory(id: NodeId) -> yakt_wire::Uuid {
    yakt_wire::Uuid::new(1_000 + id as u64, 0x5eed)
}

impl World {
    /// Asks a leader to add or remove one voter.
    pub(super) fn reconfigure(&mut self) -> Result<(), String> {
        let leaders = self.leaders();
        if leaders.is_empty() {
            return Ok(());
        }
        let index = leaders[self.rng.below(leaders.len() as u64) as usize];
        let Some(engine) = self.nodes[index].engine.as_ref() else {
            return Ok(());
        };
        let voters: Vec<NodeId> = engine.voter_set().ids().collect();
        let others: Vec<NodeId> = self
            .nodes
            .iter()
            .map(|n| n.id)
            .filter(|id| !voters.contains(id))
            .collect();
        let add = !others.is_empty()
            && (voters.len() == 1 || (voters.len() < MAX_VOTERS && self.rng.chance(500_000)));
        let request = if add {
            let id = others[self.rng.below(others.len() as u64) as usize];
            RaftRequest::AddRaftVoter(
                AddRaftVoterRequest::default()
                    .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER_ID)))
                    .with_timeout_ms(self.scenario.fetch_timeout_ms as i32)
                    .with_voter_id(id)
                    .with_voter_directory_id(directory(id).into())
                    .with_listeners(vec![add_raft_voter_request::Listener::default()
                        .with_name(StrBytes::from_static_str("CONTROLLER"))
                        .with_host(StrBytes::from_string(format!("node{id}.sim")))
                        .with_port(9093)]),
            )
        } else {
            let leader = self.nodes[index].id;
            // A leader that removes itself from two voters and then fails before the removal
            // commits leaves the other voter needing its vote, which its longer log refuses
            // (KIP-853 shares this): not asked of the simulated cluster.
            let removable: Vec<NodeId> = voters
                .iter()
                .copied()
                .filter(|id| voters.len() != 2 || *id != leader)
                .collect();
            let id = removable[self.rng.below(removable.len() as u64) as usize];
            RaftRequest::RemoveRaftVoter(
                RemoveRaftVoterRequest::default()
                    .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER_ID)))
                    .with_voter_id(id)
                    .with_voter_directory_id(directory(id).into()),
            )
        };
        self.next_request_id += 1;
        let request_id = RequestId(self.next_request_id);
        self.client_requests.insert((index, request_id.0));
        self.trace.add(&[19, index as u64, u64::from(add)]);
        let leader = self.nodes[index].id;
        self.note(|| format!("node {leader}: asked to {:?}", request.api_key()));
        self.step(index, |engine, now| {
            engine.step(
                now,
                Event::Request {
                    request_id,
                    api_version: 0,
                    request,
                },
            )
        })
    }

    /// The answer to a voter change the simulator asked for, if `request_id` was one.
    pub(super) fn client_answer(
        &mut self,
        index: usize,
        request_id: u64,
        response: &RaftResponse,
    ) -> bool {
        if !self.client_requests.remove(&(index, request_id)) {
            return false;
        }
        let code = match response {
            RaftResponse::AddRaftVoter(r) => r.error_code,
            RaftResponse::RemoveRaftVoter(r) => r.error_code,
            _ => error_code::UNKNOWN_SERVER_ERROR,
        };
        if code == error_code::NONE {
            self.stats.voter_changes += 1;
        }
        let id = self.nodes[index].id;
        self.note(|| format!("node {id}: voter change answered with error {code}"));
        true
    }

    /// A leader moved its high watermark to `offset`, counting in its latest voter set: the
    /// highest such move names the set the committed prefix was counted in.
    pub(super) fn note_leader_high_watermark(&mut self, index: usize, offset: i64) {
        let Some(engine) = self.nodes[index].engine.as_ref() else {
            return;
        };
        if engine.role().kind() != RoleKind::Leader {
            return;
        }
        if self
            .leader_high_watermark
            .as_ref()
            .is_none_or(|(at, _)| offset > *at)
        {
            let set = engine.voter_set().ids().collect();
            self.leader_high_watermark = Some((offset, set));
        }
    }

    /// Marks as voters the nodes of the committed voter set (the set in force below the
    /// highest high watermark any node reported; logs agree below it, so it only moves on),
    /// and gives the checker that set and each running leader's latest one.
    pub(super) fn update_voters(&mut self) {
        let running = || self.nodes.iter().filter_map(|n| n.engine.as_ref());
        let highest = running()
            .filter_map(|e| e.high_watermark().map(|hwm| (hwm, e)))
            .max_by_key(|(hwm, _)| *hwm);
        if let Some((hwm, engine)) = highest {
            if self
                .committed_voters
                .as_ref()
                .is_none_or(|(at, _)| hwm > *at)
            {
                let set = engine.voter_set_at(hwm - 1).ids().collect();
                self.committed_voters = Some((hwm, set));
            }
        }
        let Some((_, committed)) = self.committed_voters.clone() else {
            return;
        };
        let mut sets = vec![committed.clone()];
        if let Some((_, set)) = &self.leader_high_watermark {
            sets.push(set.clone());
        }
        for engine in running().filter(|e| e.role().kind() == RoleKind::Leader) {
            sets.push(engine.voter_set().ids().collect());
        }
        self.checker.set_voter_sets(sets);
        for node in &mut self.nodes {
            node.is_voter = committed.contains(&node.id);
        }
    }
}
