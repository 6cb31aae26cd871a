//! TLS settings of SSL and SASL_SSL listeners and of this controller's connections to other
//! controllers, from Kafka's `ssl.*` keys (listener-prefixed forms win, as for SASL).
//!
//! What is read here is what the keys say; the stores themselves (PKCS12 or PEM files, inline
//! PEM) are opened when the node starts (`server::tls`). Kafka's defaults: keystore and
//! truststore type JKS (yakt reads a PKCS12 file under that type, as Java does, and refuses a
//! real JKS file), `ssl.client.auth=none` (for SASL_SSL only the listener-prefixed key counts),
//! `ssl.enabled.protocols=TLSv1.2,TLSv1.3`, `ssl.endpoint.identification.algorithm=https`,
//! `ssl.principal.mapping.rules=DEFAULT` (the only rule yakt applies).

use std::fmt;
use std::path::PathBuf;

use super::delegation_tokens::Password;
use super::error::ConfigError;
use super::read::Reader;
use super::sasl::listener_value;
use super::security::SecurityProtocol;

/// The format of a key or trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreType {
    /// `JKS`, Kafka's default: read as PKCS12 when the file is one, refused when it is a JKS
    /// file.
    Jks,
    /// `PKCS12`.
    Pkcs12,
    /// `PEM`: a file, or inline certificates and key.
    Pem,
}

/// A keystore or truststore, as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// `ssl.*store.type` and the key that set it.
    pub store_type: StoreType,
    /// The key naming the type (for messages).
    pub type_key: String,
    /// `ssl.*store.location`.
    pub location: Option<PathBuf>,
    /// `ssl.*store.password`.
    pub password: Option<Password>,
    /// `ssl.key.password` (keystore only).
    pub key_password: Option<Password>,
    /// Inline PEM: `ssl.keystore.certificate.chain` or `ssl.truststore.certificates`.
    pub certificates: Option<Password>,
    /// Inline PEM `ssl.keystore.key`.
    pub key: Option<Password>,
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("store_type", &self.store_type)
            .field("location", &self.location)
            .field("inline", &self.certificates.is_some())
            .finish()
    }
}

/// `ssl.client.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificate asked.
    None,
    /// Asked for; connections without one are ANONYMOUS.
    Requested,
    /// Required.
    Required,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLSv1.2.
    Tls12,
    /// TLSv1.3.
    Tls13,
}

/// The TLS settings of one listener (server side) or of the controller connections (client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The keystore, if any (required on a listener).
    pub keystore: Option<StoreSettings>,
    /// The truststore, if any.
    pub truststore: Option<StoreSettings>,
    /// `ssl.client.auth` (server side).
    pub client_auth: ClientAuth,
    /// `ssl.enabled.protocols`.
    pub enabled_protocols: Vec<TlsVersion>,
    /// `ssl.endpoint.identification.algorithm` is `https` (client side: check the host name).
    pub endpoint_identification: bool,
}

fn value(reader: &mut Reader<'_>, listener: &str, key: &str) -> Option<(String, String)> {
    listener_value(reader, listener, key).map(|(key, value)| (key, value.trim().to_owned()))
}

fn secret(reader: &mut Reader<'_>, listener: &str, key: &str) -> Option<Password> {
    value(reader, listener, key)
        .filter(|(_, v)| !v.is_empty())
        .map(|(_, v)| Password::new(v))
}

fn store_type(
    reader: &mut Reader<'_>,
    listener: &str,
    key: &str,
) -> Result<(StoreType, String), ConfigError> {
    let Some((key, raw)) = value(reader, listener, key) else {
        return Ok((StoreType::Jks, key.to_owned()));
    };
    let store_type = match raw.to_uppercase().as_str() {
        "JKS" => StoreType::Jks,
        "PKCS12" => StoreType::Pkcs12,
        "PEM" => StoreType::Pem,
        _ => {
            return Err(ConfigError::invalid(
                &key,
                &raw,
                "a store type yakt reads: PKCS12 or PEM (JKS files are not read)",
            ))
        }
    };
    Ok((store_type, key))
}

fn keystore(reader: &mut Reader<'_>, listener: &str) -> Result<Option<StoreSettings>, ConfigError> {
    let (store_type, type_key) = store_type(reader, listener, "ssl.keystore.type")?;
    let location = value(reader, listener, "ssl.keystore.location")
        .filter(|(_, v)| !v.is_empty())
        .map(|(_, v)| PathBuf::from(v));
    let certificates = secret(reader, listener, "ssl.keystore.certificate.chain");
    let key = secret(reader, listener, "ssl.keystore.key");
    let store = StoreSettings {
        store_type,
        type_key,
        password: secret(reader, listener, "ssl.keystore.password"),
        key_password: secret(reader, listener, "ssl.key.password"),
        location,
        certificates,
        key,
    };
    Ok((store.location.is_some() || store.certificates.is_some()).then_some(store))
}

fn truststore(
    reader: &mut Reader<'_>,
    listener: &str,
) -> Result<Option<StoreSettings>, ConfigError> {
    let (store_type, type_key) = store_type(reader, listener, "ssl.truststore.type")?;
    let store = StoreSettings {
        store_type,
        type_key,
        location: value(reader, listener, "ssl.truststore.location")
            .filter(|(_, v)| !v.is_empty())
            .map(|(_, v)| PathBuf::from(v)),
        password: secret(reader, listener, "ssl.truststore.password"),
        key_password: None,
        certificates: secret(reader, listener, "ssl.truststore.certificates"),
        key: None,
    };
    Ok((store.location.is_some() || store.certificates.is_some()).then_some(store))
}

fn client_auth(
    reader: &mut Reader<'_>,
    listener: &str,
    protocol: SecurityProtocol,
) -> Result<ClientAuth, ConfigError> {
    let prefixed = format!("listener.name.{}.ssl.client.auth", listener.to_lowercase());
    let global = reader.raw_named("ssl.client.auth");
    let found = match reader.raw_named(&prefixed) {
        Some(raw) => Some((prefixed, raw)),
        // KIP-684: a SASL_SSL listener reads only its own prefixed key.
        None if protocol == SecurityProtocol::Ssl => {
            global.map(|raw| ("ssl.client.auth".to_owned(), raw))
        }
        None => None,
    };
    let Some((key, raw)) = found else {
        return Ok(ClientAuth::None);
    };
    match raw.trim().to_lowercase().as_str() {
        "none" => Ok(ClientAuth::None),
        "requested" => Ok(ClientAuth::Requested),
        "required" => Ok(ClientAuth::Required),
        _ => Err(ConfigError::invalid(
            &key,
            raw,
            "one of required, requested, none",
        )),
    }
}

fn protocols(reader: &mut Reader<'_>, listener: &str) -> Result<Vec<TlsVersion>, ConfigError> {
    let Some((key, raw)) = value(reader, listener, "ssl.enabled.protocols") else {
        return Ok(vec![TlsVersion::Tls12, TlsVersion::Tls13]);
    };
    let names = super::read::split_list(&raw)
        .ok_or_else(|| ConfigError::invalid(&key, &raw, "a comma-separated list"))?;
    let mut versions = Vec::new();
    for name in names {
        match name.as_str() {
            "TLSv1.2" => versions.push(TlsVersion::Tls12),
            "TLSv1.3" => versions.push(TlsVersion::Tls13),
            // Java still names these; yakt's TLS library refuses them, as modern JDKs do.
            "TLSv1" | "TLSv1.1" => {}
            _ => {
                return Err(ConfigError::invalid(
                    &key,
                    &raw,
                    "TLS versions (TLSv1.2, TLSv1.3)",
                ))
            }
        }
    }
    if versions.is_empty() {
        return Err(ConfigError::inconsistent(
            &key,
            "no protocol yakt speaks is enabled: yakt speaks TLSv1.2 and TLSv1.3",
        ));
    }
    Ok(versions)
}

/// Reads the TLS settings `listener`'s keys give.
pub(crate) fn read(
    reader: &mut Reader<'_>,
    listener: &str,
    protocol: SecurityProtocol,
) -> Result<TlsSettings, ConfigError> {
    if let Some((key, rules)) = value(reader, listener, "ssl.principal.mapping.rules") {
        if rules != "DEFAULT" {
            return Err(ConfigError::inconsistent(
                &key,
                "yakt applies only the DEFAULT rule: the principal is the certificate's \
                 distinguished name",
            ));
        }
    }
    let endpoint_identification = value(reader, listener, "ssl.endpoint.identification.algorithm")
        .is_none_or(|(_, v)| v.eq_ignore_ascii_case("https"));
    Ok(TlsSettings {
        keystore: keystore(reader, listener)?,
        truststore: truststore(reader, listener)?,
        client_auth: client_auth(reader, listener, protocol)?,
        enabled_protocols: protocols(reader, listener)?,
        endpoint_identification,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ControllerConfig;

    fn parse(protocol: &str, extra: &str) -> ControllerConfig {
        ControllerConfig::parse_str(&format!(
            "process.roles=controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\n\
             listeners=CONTROLLER://:9093\ncontroller.quorum.voters=1@localhost:9093\n\
             listener.security.protocol.map=CONTROLLER:{protocol}\n\
             ssl.truststore.location=/t.p12\nssl.truststore.type=PKCS12\n{extra}"
        ))
        .unwrap()
    }

    fn tls(config: &ControllerConfig) -> TlsSettings {
        config.check_security().unwrap();
        config.listener_security["CONTROLLER"].tls.clone().unwrap()
    }

    #[test]
    fn listener_keys_win_and_sasl_ssl_reads_only_its_own_client_auth() {
        let config = parse(
            "SSL",
            "ssl.keystore.location=/k.p12\nssl.client.auth=required\n\
             listener.name.controller.ssl.keystore.location=/mine.p12\n\
             ssl.enabled.protocols=TLSv1.3\nssl.endpoint.identification.algorithm=\n",
        );
        let settings = tls(&config);
        let keystore = settings.keystore.unwrap();
        assert_eq!(keystore.location.unwrap(), PathBuf::from("/mine.p12"));
        assert_eq!(keystore.store_type, StoreType::Jks);
        assert_eq!(settings.client_auth, ClientAuth::Required);
        assert_eq!(settings.enabled_protocols, [TlsVersion::Tls13]);
        assert!(!settings.endpoint_identification);
        assert!(
            config.unused_keys().is_empty(),
            "{:?}",
            config.unused_keys()
        );
        // KIP-684: ssl.client.auth without the listener prefix does not apply to SASL_SSL.
        let sasl_ssl = "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.controller.protocol=PLAIN\n\
             listener.name.controller.plain.sasl.jaas.config=\
             org.apache.kafka.common.security.plain.PlainLoginModule required \
             username=\"a\" password=\"b\" user_a=\"b\";\n\
             ssl.keystore.location=/k.p12\nssl.client.auth=required\n";
        assert_eq!(
            tls(&parse("SASL_SSL", sasl_ssl)).client_auth,
            ClientAuth::None
        );
    }

    #[test]
    fn what_yakt_cannot_do_is_refused_naming_the_key() {
        let key_of = |extra: &str| {
            parse("SSL", extra)
                .check_security()
                .unwrap_err()
                .key()
                .map(str::to_owned)
        };
        assert_eq!(
            key_of("").as_deref(),
            Some("listener.name.controller.ssl.keystore.location")
        );
        assert_eq!(
            key_of("ssl.keystore.location=/k\nssl.principal.mapping.rules=RULE:^CN=(.*)$/$1/")
                .as_deref(),
            Some("ssl.principal.mapping.rules")
        );
        assert_eq!(
            key_of("ssl.keystore.location=/k\nssl.keystore.type=BCFKS").as_deref(),
            Some("ssl.keystore.type")
        );
        assert_eq!(
            key_of("ssl.keystore.location=/k\nssl.enabled.protocols=TLSv1.1").as_deref(),
            Some("ssl.enabled.protocols")
        );
    }
}
