//! TLS for SSL and SASL_SSL listeners and peers (rustls): key and trust stores opened from
//! Kafka's settings, the server and client configurations, and the SSL principal.
//!
//! Stores: PKCS12 files (also under Kafka's default type JKS, as Java reads them; a real JKS
//! file is refused with the key to change) and PEM (a file, or the inline
//! `ssl.keystore.certificate.chain`/`ssl.keystore.key`/`ssl.truststore.certificates`; an
//! encrypted PEM key is refused). The principal of an SSL connection is `User:` followed by the
//! client certificate's subject in Java's RFC 2253 form (`X500Principal.getName()`), as Kafka's
//! DEFAULT mapping rule gives it, or `User:ANONYMOUS` without a client certificate.

use std::sync::Arc;

use anyhow::{bail, Context as _};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::tls::{ClientAuth, StoreSettings, StoreType, TlsSettings, TlsVersion};

/// The first bytes of a JKS file.
const JKS_MAGIC: [u8; 4] = [0xFE, 0xED, 0xFE, 0xED];

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn versions(settings: &TlsSettings) -> Vec<&'static rustls::SupportedProtocolVersion> {
    settings
        .enabled_protocols
        .iter()
        .map(|v| match v {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        })
        .collect()
}

/// The rustls server configuration of a TLS listener.
pub fn server_config(
    listener: &str,
    settings: &TlsSettings,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let keystore = settings
        .keystore
        .as_ref()
        .with_context(|| format!("listener {listener} has no keystore"))?;
    let (chain, key) =
        load_identity(keystore).with_context(|| format!("the keystore of listener {listener}"))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions(settings))?;
    let builder = match (settings.client_auth, &settings.truststore) {
        (ClientAuth::None, _) => builder.with_no_client_auth(),
        (auth, Some(truststore)) => {
            let roots = Arc::new(load_roots(truststore)?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider());
            let verifier = if auth == ClientAuth::Requested {
                verifier.allow_unauthenticated().build()?
            } else {
                verifier.build()?
            };
            builder.with_client_cert_verifier(verifier)
        }
        (_, None) => bail!("listener {listener} checks client certificates but has no truststore"),
    };
    let config = builder.with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// The rustls client configuration for connections to other controllers.
pub fn client_config(settings: &TlsSettings) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let truststore = settings
        .truststore
        .as_ref()
        .context("TLS to other controllers needs a truststore")?;
    let roots = Arc::new(load_roots(truststore)?);
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions(settings))?;
    let builder = if settings.endpoint_identification {
        builder.with_root_certificates(roots)
    } else {
        let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider())
            .build()?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyHostName(inner)))
    };
    let config = match &settings.keystore {
        Some(keystore) => {
            let (chain, key) =
                load_identity(keystore).context("the controller client's keystore")?;
            builder.with_client_auth_cert(chain, key)?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// `ssl.endpoint.identification.algorithm=` (empty): the chain is checked, the host name not.
#[derive(Debug)]
struct AnyHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn read_store_file(store: &StoreSettings) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(path) = &store.location else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(&JKS_MAGIC) {
        bail!(
            "{}: {} is a JKS file, which yakt does not read; convert it with \
             `keytool -importkeystore -deststoretype PKCS12` and set {}=PKCS12",
            store.type_key,
            path.display(),
            store.type_key
        );
    }
    Ok(Some(bytes))
}

fn pkcs12(store: &StoreSettings, bytes: &[u8]) -> anyhow::Result<p12_keystore::KeyStore> {
    let password = store.password.as_ref().map_or("", |p| p.value());
    p12_keystore::KeyStore::from_pkcs12(bytes, password).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot open {} as PKCS12 (wrong password, or not a PKCS12 file): {e}",
            store.type_key,
            store
                .location
                .as_deref()
                .map_or("".into(), |p| p.display().to_string())
        )
    })
}

fn pem_certificates(text: &[u8]) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .context("unreadable PEM certificate")?;
    anyhow::ensure!(!certificates.is_empty(), "no PEM certificate found");
    Ok(certificates)
}

fn pem_key(text: &[u8]) -> anyhow::Result<PrivateKeyDer<'static>> {
    if String::from_utf8_lossy(text).contains("ENCRYPTED PRIVATE KEY") {
        bail!(
            "the PEM private key is encrypted (ssl.key.password); yakt reads unencrypted PEM \
             keys only: decrypt it (openssl pkcs8 -nocrypt) or use a PKCS12 keystore"
        );
    }
    PrivateKeyDer::from_pem_slice(text).context("no PEM private key found")
}

/// The certificate chain and private key of a keystore.
pub fn load_identity(
    store: &StoreSettings,
) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    if let (Some(chain), Some(key)) = (&store.certificates, &store.key) {
        anyhow::ensure!(
            store.store_type == StoreType::Pem,
            "{}: inline ssl.keystore.certificate.chain and ssl.keystore.key need type PEM",
            store.type_key
        );
        return Ok((
            pem_certificates(chain.value().as_bytes())?,
            pem_key(key.value().as_bytes())?,
        ));
    }
    let bytes = read_store_file(store)?.context("no ssl.keystore.location")?;
    if store.store_type == StoreType::Pem {
        return Ok((pem_certificates(&bytes)?, pem_key(&bytes)?));
    }
    let keystore = pkcs12(store, &bytes)?;
    let (_, entry) = keystore
        .private_key_chain()
        .context("the PKCS12 keystore holds no private key")?;
    let chain = entry
        .chain()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(entry.key().to_vec()));
    Ok((chain, key))
}

/// The trusted certificates of a truststore.
pub fn load_roots(store: &StoreSettings) -> anyhow::Result<RootCertStore> {
    let certificates = if let Some(inline) = &store.certificates {
        pem_certificates(inline.value().as_bytes())?
    } else {
        let bytes = read_store_file(store)?.context("no ssl.truststore.location")?;
        if store.store_type == StoreType::Pem {
            pem_certificates(&bytes)?
        } else {
            let keystore = pkcs12(store, &bytes)?;
            let mut certificates = Vec::new();
            for (_, entry) in keystore.entries() {
                match entry {
                    p12_keystore::KeyStoreEntry::Certificate(c) => {
                        certificates.push(CertificateDer::from(c.as_der().to_vec()))
                    }
                    p12_keystore::KeyStoreEntry::PrivateKeyChain(k) => certificates.extend(
                        k.chain()
                            .iter()
                            .map(|c| CertificateDer::from(c.as_der().to_vec())),
                    ),
                    p12_keystore::KeyStoreEntry::Secret(_) => {}
                }
            }
            certificates
        }
    };
    let mut roots = RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .context("a truststore certificate is not a valid CA certificate")?;
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "{}: the truststore holds no certificate",
        store.type_key
    );
    Ok(roots)
}

/// The principal name Kafka's DEFAULT rule gives a client certificate: its subject in Java's
/// RFC 2253 form.
pub fn principal_name(certificate: &[u8]) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).ok()?;
    Some(rfc2253(parsed.subject()))
}

/// A distinguished name as Java's `X500Principal.getName()` writes it: the last RDN first,
/// multi-valued RDNs joined with `+`, RFC 2253 keywords (CN, C, L, ST, O, OU, STREET, DC,
/// UID) with escaped string values, any other attribute as its OID and `#` hex DER.
pub fn rfc2253(name: &x509_parser::x509::X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| attribute(atv.attr_type().to_id_string(), atv.attr_value()))
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

fn attribute(oid: String, value: &x509_parser::der_parser::asn1_rs::Any<'_>) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let data = value.data;
    let text = match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_owned),
        Tag::T61String => Some(data.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    };
    match (keyword(&oid), text) {
        (Some(keyword), Some(text)) => format!("{keyword}={}", escape(&text)),
        (keyword, _) => {
            let mut der = vec![
                (value.class() as u8) << 6
                    | u8::from(value.header.is_constructed()) << 5
                    | (value.tag().0 as u8 & 0x1f),
            ];
            der.extend(der_length(data.len()));
            der.extend_from_slice(data);
            let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}=#{hex}", keyword.map_or(oid.clone(), str::to_owned))
        }
    }
}

fn der_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// RFC 2253 escaping as Java does it: `,=+<>#;"\` get a backslash, and so do a leading or
/// trailing space.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        if ",=+<>#;\"\\".contains(c) || (c == ' ' && (i == 0 || i == last)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The principal of a TLS connection: `User:<subject DN>` for a client certificate, `None`
/// (ANONYMOUS) without one.
pub fn connection_principal<S>(
    stream: &tokio_rustls::server::TlsStream<S>,
) -> Option<crate::controller::context::KafkaPrincipal> {
    let (_, connection) = stream.get_ref();
    let certificate = connection.peer_certificates()?.first()?;
    principal_name(certificate).map(|name| crate::controller::context::KafkaPrincipal::user(&name))
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    };

    use super::*;
    use crate::config::Password;

    fn subject(entries: &[(DnType, &str)]) -> DistinguishedName {
        let mut name = DistinguishedName::new();
        for (kind, value) in entries {
            name.push(kind.clone(), *value);
        }
        name
    }

    fn dn_of(entries: &[(DnType, &str)]) -> String {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = subject(entries);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        principal_name(cert.der()).unwrap()
    }

    #[test]
    fn subjects_print_as_java_rfc2253() {
        assert_eq!(
            dn_of(&[
                (DnType::CountryName, "US"),
                (DnType::OrganizationName, "yakt"),
                (DnType::OrganizationalUnitName, "controllers"),
                (DnType::CommonName, "node-1"),
            ]),
            "CN=node-1,OU=controllers,O=yakt,C=US"
        );
        assert_eq!(
            dn_of(&[(DnType::CommonName, "a,b+c=d\"e;<f>#g\\ ")]),
            "CN=a\\,b\\+c\\=d\\\"e\\;\\<f\\>\\#g\\\\\\ "
        );
        assert_eq!(
            dn_of(&[
                (DnType::StateOrProvinceName, "Bavaria"),
                (DnType::LocalityName, "Munich"),
                (
                    DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
                    "a@b"
                ),
            ]),
            "1.2.840.113549.1.9.1=#0c03614062,L=Munich,ST=Bavaria"
        );
    }

    struct Pki {
        ca_pem: String,
        server: (String, String),
        client: (String, String),
    }

    fn pki() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name = subject(&[(DnType::CommonName, "test-ca")]);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf = |names: Vec<String>, dn: &[(DnType, &str)]| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(names).unwrap();
            params.distinguished_name = subject(dn);
            let cert = params.signed_by(&key, &issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        Pki {
            ca_pem: ca_cert.pem(),
            server: leaf(
                vec!["localhost".into()],
                &[(DnType::CommonName, "localhost")],
            ),
            client: leaf(
                vec![],
                &[
                    (DnType::OrganizationName, "yakt"),
                    (DnType::CommonName, "broker"),
                ],
            ),
        }
    }

    fn pem_store(certificates: &str, key: Option<&str>) -> StoreSettings {
        StoreSettings {
            store_type: StoreType::Pem,
            type_key: "ssl.keystore.type".into(),
            location: None,
            password: None,
            key_password: None,
            certificates: Some(Password::new(certificates)),
            key: key.map(Password::new),
        }
    }

    fn settings(identity: &(String, String), ca: &str, client_auth: ClientAuth) -> TlsSettings {
        TlsSettings {
            keystore: Some(pem_store(&identity.0, Some(&identity.1))),
            truststore: Some(pem_store(ca, None)),
            client_auth,
            enabled_protocols: vec![TlsVersion::Tls12, TlsVersion::Tls13],
            endpoint_identification: true,
        }
    }

    async fn handshake(
        server: Arc<rustls::ServerConfig>,
        client: Arc<rustls::ClientConfig>,
        host: &str,
    ) -> Result<Option<String>, String> {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let name = ServerName::try_from(host.to_owned()).unwrap();
        let connect = tokio_rustls::TlsConnector::from(client).connect(name, a);
        let accept = tokio_rustls::TlsAcceptor::from(server).accept(b);
        let (connected, accepted) = tokio::join!(connect, accept);
        connected.map_err(|e| e.to_string())?;
        let accepted = accepted.map_err(|e| e.to_string())?;
        Ok(connection_principal(&accepted).map(|p| p.to_string()))
    }

    #[tokio::test]
    async fn a_client_certificate_becomes_the_principal() {
        let pki = pki();
        let server = server_config(
            "CONTROLLER",
            &settings(&pki.server, &pki.ca_pem, ClientAuth::Required),
        )
        .unwrap();
        let client = client_config(&settings(&pki.client, &pki.ca_pem, ClientAuth::None)).unwrap();
        let principal = handshake(server, client, "localhost").await.unwrap();
        assert_eq!(principal.as_deref(), Some("User:CN=broker,O=yakt"));
    }

    #[tokio::test]
    async fn client_auth_and_host_names_are_enforced() {
        let pki = pki();
        let required = server_config(
            "CONTROLLER",
            &settings(&pki.server, &pki.ca_pem, ClientAuth::Required),
        )
        .unwrap();
        let requested = server_config(
            "CONTROLLER",
            &settings(&pki.server, &pki.ca_pem, ClientAuth::Requested),
        )
        .unwrap();
        let mut anonymous = settings(&pki.client, &pki.ca_pem, ClientAuth::None);
        anonymous.keystore = None;
        let anonymous = client_config(&anonymous).unwrap();
        // Without a certificate: refused where required, ANONYMOUS where requested.
        assert!(
            handshake(Arc::clone(&required), Arc::clone(&anonymous), "localhost")
                .await
                .is_err()
        );
        assert_eq!(
            handshake(requested, Arc::clone(&anonymous), "localhost").await,
            Ok(None)
        );
        // The server's certificate does not name 127.0.0.2; without endpoint identification
        // the chain alone is checked.
        let client = client_config(&settings(&pki.client, &pki.ca_pem, ClientAuth::None)).unwrap();
        assert!(handshake(Arc::clone(&required), client, "127.0.0.2")
            .await
            .is_err());
        let mut lax = settings(&pki.client, &pki.ca_pem, ClientAuth::None);
        lax.endpoint_identification = false;
        let lax = client_config(&lax).unwrap();
        assert!(handshake(required, lax, "127.0.0.2").await.is_ok());
    }

    #[test]
    fn jks_files_and_encrypted_pem_keys_are_refused_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.jks");
        std::fs::write(&path, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]).unwrap();
        let store = StoreSettings {
            store_type: StoreType::Jks,
            type_key: "listener.name.controller.ssl.keystore.type".into(),
            location: Some(path),
            password: Some(Password::new("pw")),
            key_password: None,
            certificates: None,
            key: None,
        };
        let error = load_identity(&store).unwrap_err().to_string();
        assert!(
            error.contains("JKS") && error.contains("listener.name.controller.ssl.keystore.type"),
            "{error}"
        );
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let pki = pki();
        let error = load_identity(&pem_store(&pki.server.0, Some(encrypted)))
            .unwrap_err()
            .to_string();
        assert!(error.contains("ssl.key.password"), "{error}");
    }
}
