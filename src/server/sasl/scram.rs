//! SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's `ScramSaslServer` and
//! `ScramSaslClient` speak them: the four messages, the key derivations of Kafka's
//! `ScramFormatter`, and both sides' state machines, sans-IO (nonces are passed in).
//!
//! Kafka's rules: the GS2 header is `n,` with an optional `a=<authzid>` that must equal the
//! user; the only extension read is `tokenauth=true` (the user is then a delegation token id,
//! and the session belongs to the token's owner); stored credentials need at least 4096
//! iterations; the final message's nonce must be the server-first nonce.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::SaslFailure;

pub use crate::scram::{ScramHash, MIN_ITERATIONS};

impl ScramHash {
    /// The credential a password gives with this salt and iteration count.
    pub fn credential(self, password: &[u8], salt: &[u8], iterations: i32) -> ScramCredential {
        let salted = self.salted_password(password, salt, iterations);
        let (stored_key, server_key) = self.keys(&salted);
        ScramCredential {
            salt: salt.to_vec(),
            stored_key,
            server_key,
            iterations,
        }
    }
}

/// What the server keeps of a password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredential {
    /// The salt.
    pub salt: Vec<u8>,
    /// H(HMAC(SaltedPassword, "Client Key")).
    pub stored_key: Vec<u8>,
    /// HMAC(SaltedPassword, "Server Key").
    pub server_key: Vec<u8>,
    /// The iteration count.
    pub iterations: i32,
}

impl std::fmt::Debug for ScramCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScramCredential(iterations={})", self.iterations)
    }
}

/// A SCRAM credential found for a user, or for a delegation token (then with its owner and
/// expiry).
#[derive(Debug, Clone)]
pub struct FoundCredential {
    /// The credential.
    pub credential: ScramCredential,
    /// For a token: the owner the session belongs to, and when the token expires.
    pub token: Option<(String, i64)>,
}

/// Where the server looks credentials up.
pub trait ScramLookup {
    /// The credential of `user` for `hash`.
    fn user(&self, user: &str, hash: ScramHash) -> Option<ScramCredential>;
    /// The credential of delegation token `token_id` for `hash`, with its owner and expiry.
    fn token(&self, token_id: &str, hash: ScramHash) -> Option<(ScramCredential, String, i64)>;
}

/// Who a finished exchange authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramOutcome {
    /// The principal's name (the token's owner for a token).
    pub user: String,
    /// Whether a delegation token authenticated it, and its expiry.
    pub token_expiry_ms: Option<i64>,
}

/// RFC 5802 `saslname` decoding: `=2C` is `,` and `=3D` is `=`.
fn username(sasl_name: &str) -> String {
    sasl_name.replace("=2C", ",").replace("=3D", "=")
}

/// The parts of a client-first message.
#[derive(Debug)]
struct ClientFirst {
    authzid: String,
    bare: String,
    user: String,
    nonce: String,
    token_auth: bool,
}

fn invalid(what: &str) -> SaslFailure {
    tracing::debug!(what, "invalid SCRAM message");
    SaslFailure::Generic
}

fn parse_client_first(message: &str) -> Result<ClientFirst, SaslFailure> {
    let rest = message
        .strip_prefix("n,")
        .ok_or_else(|| invalid("GS2 header"))?;
    let (authz, bare) = rest.split_once(',').ok_or_else(|| invalid("GS2 header"))?;
    let authzid = match authz {
        "" => String::new(),
        a => a
            .strip_prefix("a=")
            .map(username)
            .ok_or_else(|| invalid("authzid"))?,
    };
    let mut fields = bare.split(',');
    let sasl_name = fields
        .next()
        .and_then(|f| f.strip_prefix("n="))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("n="))?;
    let nonce = fields
        .next()
        .and_then(|f| f.strip_prefix("r="))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        .ok_or_else(|| invalid("r="))?;
    let mut token_auth = false;
    for extension in fields {
        let (key, value) = extension
            .split_once('=')
            .ok_or_else(|| invalid("extension"))?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic()) || value.is_empty() {
            return Err(invalid("extension"));
        }
        if key == "tokenauth" {
            token_auth = value.eq_ignore_ascii_case("true");
        }
    }
    Ok(ClientFirst {
        authzid,
        bare: bare.to_owned(),
        user: username(sasl_name),
        nonce: nonce.to_owned(),
        token_auth,
    })
}

/// The server side of one exchange.
#[derive(Debug)]
pub struct ScramServer {
    hash: ScramHash,
    server_nonce: String,
    state: ServerState,
}

#[derive(Debug)]
enum ServerState {
    First,
    Final {
        auth_prefix: String,
        nonce: String,
        credential: ScramCredential,
        outcome: ScramOutcome,
    },
    Done,
}

impl ScramServer {
    /// A server for one exchange; `server_nonce` is a fresh random printable string.
    pub fn new(hash: ScramHash, server_nonce: String) -> Self {
        ScramServer {
            hash,
            server_nonce,
            state: ServerState::First,
        }
    }

    /// Evaluates the client's next message: the server-first message, or (after the client's
    /// final message) the server-final message and who authenticated.
    pub fn evaluate(
        &mut self,
        message: &[u8],
        lookup: &dyn ScramLookup,
    ) -> Result<(Vec<u8>, Option<ScramOutcome>), SaslFailure> {
        let state = std::mem::replace(&mut self.state, ServerState::Done);
        let text = std::str::from_utf8(message).map_err(|_| invalid("UTF-8"))?;
        match state {
            ServerState::First => self.first(text, lookup).map(|reply| (reply, None)),
            ServerState::Final {
                auth_prefix,
                nonce,
                credential,
                outcome,
            } => {
                let reply = self.last(text, &auth_prefix, &nonce, &credential)?;
                Ok((reply, Some(outcome)))
            }
            ServerState::Done => Err(invalid("a message after the exchange ended")),
        }
    }

    fn first(&mut self, text: &str, lookup: &dyn ScramLookup) -> Result<Vec<u8>, SaslFailure> {
        let first = parse_client_first(text)?;
        let (credential, outcome) = if first.token_auth {
            let (credential, owner, expiry) = lookup
                .token(&first.user, self.hash)
                .ok_or_else(|| invalid("unknown token"))?;
            let outcome = ScramOutcome {
                user: owner,
                token_expiry_ms: Some(expiry),
            };
            (credential, outcome)
        } else {
            let credential = lookup
                .user(&first.user, self.hash)
                .ok_or_else(|| invalid("unknown user"))?;
            let outcome = ScramOutcome {
                user: first.user.clone(),
                token_expiry_ms: None,
            };
            (credential, outcome)
        };
        if !first.authzid.is_empty() && first.authzid != first.user {
            return Err(SaslFailure::Message(
                "Authentication failed: Client requested an authorization id that is different \
                 from username"
                    .into(),
            ));
        }
        if credential.iterations < MIN_ITERATIONS {
            return Err(invalid("too few iterations"));
        }
        let nonce = format!("{}{}", first.nonce, self.server_nonce);
        let server_first = format!(
            "r={nonce},s={},i={}",
            BASE64.encode(&credential.salt),
            credential.iterations
        );
        self.state = ServerState::Final {
            auth_prefix: format!("{},{server_first}", first.bare),
            nonce,
            credential,
            outcome,
        };
        Ok(server_first.into_bytes())
    }

    fn last(
        &self,
        text: &str,
        auth_prefix: &str,
        nonce: &str,
        credential: &ScramCredential,
    ) -> Result<Vec<u8>, SaslFailure> {
        let (without_proof, proof) = text.rsplit_once(",p=").ok_or_else(|| invalid("p="))?;
        let mut fields = without_proof.split(',');
        let channel = fields
            .next()
            .and_then(|f| f.strip_prefix("c="))
            .ok_or_else(|| invalid("c="))?;
        let client_nonce = fields
            .next()
            .and_then(|f| f.strip_prefix("r="))
            .ok_or_else(|| invalid("r="))?;
        if client_nonce != nonce {
            return Err(invalid("Invalid client nonce in the final client message."));
        }
        let proof = BASE64.decode(proof).map_err(|_| invalid("proof"))?;
        let auth_message = format!("{auth_prefix},c={channel},r={client_nonce}");
        let signature = self
            .hash
            .hmac(&credential.stored_key, auth_message.as_bytes());
        if proof.len() != signature.len() {
            return Err(invalid("proof length"));
        }
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        let computed = self.hash.digest(&client_key);
        if !constant_time_eq(&computed, &credential.stored_key) {
            return Err(invalid("Invalid client credentials"));
        }
        let server_signature = self
            .hash
            .hmac(&credential.server_key, auth_message.as_bytes());
        Ok(format!("v={}", BASE64.encode(server_signature)).into_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client side of one exchange.
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    username: String,
    password: String,
    nonce: String,
    token_auth: bool,
    client_first_bare: String,
    server_signature: Vec<u8>,
}

impl ScramClient {
    /// A client for `username` with `password`; `nonce` is a fresh random printable string.
    pub fn new(
        hash: ScramHash,
        username: &str,
        password: &str,
        nonce: String,
        token_auth: bool,
    ) -> Self {
        let sasl_name = username.replace('=', "=3D").replace(',', "=2C");
        let extensions = if token_auth { ",tokenauth=true" } else { "" };
        ScramClient {
            hash,
            username: username.to_owned(),
            password: password.to_owned(),
            client_first_bare: format!("n={sasl_name},r={nonce}{extensions}"),
            nonce,
            token_auth,
            server_signature: Vec::new(),
        }
    }

    /// The client-first message.
    pub fn first_message(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// The client-final message answering the server-first message.
    pub fn final_message(&mut self, server_first: &[u8]) -> Result<Vec<u8>, String> {
        let server_first =
            std::str::from_utf8(server_first).map_err(|_| "server-first is not UTF-8")?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for field in server_first.split(',') {
            match field.split_once('=') {
                Some(("r", v)) => nonce = Some(v),
                Some(("s", v)) => salt = BASE64.decode(v).ok(),
                Some(("i", v)) => iterations = v.parse::<i32>().ok(),
                Some(("e", v)) => return Err(format!("server error: {v}")),
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(format!("invalid server-first message {server_first:?}"));
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err("the server's nonce does not extend ours".into());
        }
        if iterations < MIN_ITERATIONS {
            return Err(format!("{iterations} iterations is below {MIN_ITERATIONS}"));
        }
        let salted = self
            .hash
            .salted_password(self.password.as_bytes(), &salt, iterations);
        let client_key = self.hash.hmac(&salted, b"Client Key");
        let stored_key = self.hash.digest(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = self.hash.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = self.hash.hmac(&salted, b"Server Key");
        self.server_signature = self.hash.hmac(&server_key, auth_message.as_bytes());
        Ok(format!("{without_proof},p={}", BASE64.encode(proof)).into_bytes())
    }

    /// Checks the server-final message's signature.
    pub fn verify_final(&self, server_final: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(server_final).map_err(|_| "server-final is not UTF-8")?;
        if let Some(error) = text.strip_prefix("e=") {
            return Err(format!("server error: {error}"));
        }
        let signature = text
            .strip_prefix("v=")
            .and_then(|v| BASE64.decode(v).ok())
            .ok_or_else(|| format!("invalid server-final message {text:?}"))?;
        if !constant_time_eq(&signature, &self.server_signature) {
            return Err("invalid server signature".into());
        }
        Ok(())
    }

    /// The user this client logs in as.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Whether it logs in with a delegation token.
    pub fn token_auth(&self) -> bool {
        self.token_auth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7677 section 3: user "user", password "pencil".
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_FIRST: &str = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    struct Users(ScramCredential);

    impl ScramLookup for Users {
        fn user(&self, user: &str, hash: ScramHash) -> Option<ScramCredential> {
            (user == "user" && hash == ScramHash::Sha256).then(|| self.0.clone())
        }
        fn token(&self, id: &str, _: ScramHash) -> Option<(ScramCredential, String, i64)> {
            (id == "token1").then(|| (self.0.clone(), "alice".into(), 99))
        }
    }

    fn rfc_credential() -> ScramCredential {
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        ScramHash::Sha256.credential(b"pencil", &salt, 4096)
    }

    #[test]
    fn server_answers_rfc7677_vectors() {
        let lookup = Users(rfc_credential());
        let mut server =
            ScramServer::new(ScramHash::Sha256, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0".into());
        let (first, done) = server.evaluate(CLIENT_FIRST.as_bytes(), &lookup).unwrap();
        assert_eq!(String::from_utf8(first).unwrap(), SERVER_FIRST);
        assert!(done.is_none());
        let (last, done) = server.evaluate(CLIENT_FINAL.as_bytes(), &lookup).unwrap();
        assert_eq!(String::from_utf8(last).unwrap(), SERVER_FINAL);
        assert_eq!(done.unwrap().user, "user");
    }

    #[test]
    fn client_produces_rfc7677_vectors() {
        let mut client = ScramClient::new(
            ScramHash::Sha256,
            "user",
            "pencil",
            "rOprNGfwEbeRWgbNEkqO".into(),
            false,
        );
        assert_eq!(client.first_message(), CLIENT_FIRST.as_bytes());
        let last = client.final_message(SERVER_FIRST.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(last).unwrap(), CLIENT_FINAL);
        client.verify_final(SERVER_FINAL.as_bytes()).unwrap();
        assert!(client.verify_final(b"v=AAAA").is_err());
    }

    #[test]
    fn wrong_password_and_bad_nonce_fail_generically() {
        let lookup = Users(rfc_credential());
        let run = |password: &str, tamper_nonce: bool| {
            let mut server = ScramServer::new(ScramHash::Sha256, "srv".into());
            let mut client =
                ScramClient::new(ScramHash::Sha256, "user", password, "cli".into(), false);
            let (first, _) = server.evaluate(&client.first_message(), &lookup)?;
            let mut last = String::from_utf8(client.final_message(&first).unwrap()).unwrap();
            if tamper_nonce {
                last = last.replace("r=clisrv", "r=clisrX");
            }
            server.evaluate(last.as_bytes(), &lookup)
        };
        assert!(run("pencil", false).is_ok());
        assert_eq!(run("pen", false).unwrap_err(), SaslFailure::Generic);
        assert_eq!(run("pencil", true).unwrap_err(), SaslFailure::Generic);
    }

    #[test]
    fn unknown_users_authzid_and_tokens() {
        let lookup = Users(rfc_credential());
        let mut server = ScramServer::new(ScramHash::Sha256, "s".into());
        assert_eq!(
            server.evaluate(b"n,,n=bob,r=x", &lookup).unwrap_err(),
            SaslFailure::Generic
        );
        let mut server = ScramServer::new(ScramHash::Sha256, "s".into());
        assert!(matches!(
            server.evaluate(b"n,a=bob,n=user,r=x", &lookup).unwrap_err(),
            SaslFailure::Message(m) if m.contains("authorization id that is different")
        ));
        let mut server = ScramServer::new(ScramHash::Sha512, "s".into());
        assert_eq!(
            server.evaluate(b"n,,n=user,r=x", &lookup).unwrap_err(),
            SaslFailure::Generic
        );
        let mut server = ScramServer::new(ScramHash::Sha256, "s".into());
        for bad in ["y,,n=user,r=x", "n,,r=x", "n,,n=user", "n,,n=user,r=x,bad"] {
            let mut server = ScramServer::new(ScramHash::Sha256, "s".into());
            assert!(server.evaluate(bad.as_bytes(), &lookup).is_err(), "{bad}");
        }
        let mut client = ScramClient::new(ScramHash::Sha256, "token1", "pencil", "c".into(), true);
        let (first, _) = server.evaluate(&client.first_message(), &lookup).unwrap();
        let last = client.final_message(&first).unwrap();
        let (_, outcome) = server.evaluate(&last, &lookup).unwrap();
        assert_eq!(
            outcome.unwrap(),
            ScramOutcome {
                user: "alice".into(),
                token_expiry_ms: Some(99)
            }
        );
    }

    #[test]
    fn sha512_round_trip() {
        let credential = ScramHash::Sha512.credential(b"secret", b"salt", 4096);
        struct One(ScramCredential);
        impl ScramLookup for One {
            fn user(&self, _: &str, _: ScramHash) -> Option<ScramCredential> {
                Some(self.0.clone())
            }
            fn token(&self, _: &str, _: ScramHash) -> Option<(ScramCredential, String, i64)> {
                None
            }
        }
        let lookup = One(credential);
        let mut server = ScramServer::new(ScramHash::Sha512, "srv".into());
        let mut client = ScramClient::new(ScramHash::Sha512, "a,b=c", "secret", "n1".into(), false);
        assert_eq!(client.first_message(), b"n,,n=a=2Cb=3Dc,r=n1");
        let (first, _) = server.evaluate(&client.first_message(), &lookup).unwrap();
        let last = client.final_message(&first).unwrap();
        let (final_message, outcome) = server.evaluate(&last, &lookup).unwrap();
        client.verify_final(&final_message).unwrap();
        assert_eq!(outcome.unwrap().user, "a,b=c");
    }
}
