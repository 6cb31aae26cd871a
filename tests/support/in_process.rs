//! A yakt controller started inside the test process ([`Node::start`]), formatted as
//! `yakt quickstart` formats it, with the admin listener on an ephemeral port.

use std::fs;
use std::path::Path;

use yakt::commands::quickstart::{prepare, QuickstartOptions};
use yakt::config::ControllerConfig;
use yakt::node::Node;

use super::free_port;

/// Starts node 1, the single voter of a new quorum formatted under `dir`, with
/// `yakt.admin.listener=127.0.0.1:0` added to its `controller-1.properties`; returns the node
/// and the cluster id.
pub async fn start_in_process_controller(dir: &Path) -> (Node, String) {
    let prepared = prepare(&QuickstartOptions {
        dir: dir.to_path_buf(),
        controllers: 1,
        base_port: free_port(),
        host: "127.0.0.1".into(),
    })
    .expect("prepare a one-controller quorum");
    let controller = &prepared.controllers[0];
    assert_eq!(controller.config.node_id, 1);
    let path = &controller.properties_path;
    let mut properties = fs::read_to_string(path).expect("read the controller's properties");
    properties.push_str("\nyakt.admin.listener=127.0.0.1:0\n");
    fs::write(path, properties).expect("write the controller's properties");
    let config = ControllerConfig::load(path).expect("load the controller's properties");
    let node = Node::start(&config).await.expect("start the controller");
    (node, prepared.cluster_id)
}
