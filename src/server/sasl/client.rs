//! The client side of a SASL exchange, sans-IO: the tokens this controller sends to another
//! controller with `sasl.mechanism.controller.protocol` and its JAAS login, as Kafka's
//! `SaslClientAuthenticator` does (the framing lives in [`crate::server::client`]).

use super::plain;
use super::random_nonce;
use super::scram::{ScramClient, ScramHash};
use crate::config::{SaslClientSettings, SaslMechanism};

/// One client exchange.
#[derive(Debug)]
pub struct SaslClientSession {
    mechanism: SaslMechanism,
    state: ClientState,
}

#[derive(Debug)]
enum ClientState {
    PlainSent,
    ScramFirstSent(ScramClient),
    ScramFinalSent(ScramClient),
    Done,
}

impl SaslClientSession {
    /// Starts an exchange; returns it and the first token to send.
    pub fn start(settings: &SaslClientSettings) -> (Self, Vec<u8>) {
        let password = settings.password.value();
        let (state, token) = match settings.mechanism {
            SaslMechanism::Plain => (
                ClientState::PlainSent,
                plain::client_message(&settings.username, password),
            ),
            scram => {
                let hash = if scram == SaslMechanism::ScramSha256 {
                    ScramHash::Sha256
                } else {
                    ScramHash::Sha512
                };
                let client = ScramClient::new(
                    hash,
                    &settings.username,
                    password,
                    random_nonce(),
                    settings.token_auth,
                );
                let first = client.first_message();
                (ClientState::ScramFirstSent(client), first)
            }
        };
        let session = SaslClientSession {
            mechanism: settings.mechanism,
            state,
        };
        (session, token)
    }

    /// The mechanism's name, for SaslHandshake.
    pub fn mechanism(&self) -> SaslMechanism {
        self.mechanism
    }

    /// Reads the server's answer to the last token: the next token to send, or `None` when
    /// the exchange is complete.
    pub fn on_answer(&mut self, answer: &[u8]) -> Result<Option<Vec<u8>>, String> {
        match std::mem::replace(&mut self.state, ClientState::Done) {
            ClientState::PlainSent => Ok(None),
            ClientState::ScramFirstSent(mut client) => {
                let last = client.final_message(answer)?;
                self.state = ClientState::ScramFinalSent(client);
                Ok(Some(last))
            }
            ClientState::ScramFinalSent(client) => client.verify_final(answer).map(|()| None),
            ClientState::Done => Err("the SASL exchange already ended".into()),
        }
    }
}
