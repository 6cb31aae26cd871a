//! Broker and controller lifecycle requests: BrokerRegistration, BrokerHeartbeat (with
//! Kafka's unfencing rule and controlled shutdown), session-timeout fencing,
//! UnregisterBroker and ControllerRegistration.

pub mod controllers;
pub mod heartbeat;
pub mod registration;
pub mod transitions;
