//! Oracles for what the listener parses: a request frame (header and body of every API in
//! `yakt::server::api::APIS`) and a broker's Envelope (its principal, client address and inner
//! request). Any input gives a request, an immediate reply or an error, never a panic; a request
//! that parses re-encodes, and those bytes parse and re-encode identically. Shared by the
//! cargo-fuzz targets in `fuzz/` and the stable-Rust test `tests/fuzz_listener.rs`.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, EnvelopeRequest, RequestHeader, RequestKind, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use yakt::controller::context::{KafkaPrincipal, RequestContext};
use yakt::server::api::{ApiSpec, APIS, UNSUPPORTED_VERSION};
use yakt::server::connection::{parse_request, Parsed, ParsedRequest};

/// Bytes a parse may allocate per input byte and in all (the frame's buffers, an ApiVersions
/// reply listing every API). An array's count is checked against the bytes left before its
/// vector is reserved, so a reservation is at most the bytes left times the element's size, and
/// no request element is near 512 bytes.
pub const ALLOCATION_PER_INPUT_BYTE: usize = 512;
/// See [`ALLOCATION_PER_INPUT_BYTE`].
pub const ALLOCATION_FIXED: usize = 64 * 1024;

/// Parses `frame` as the listener does and checks the outcome; returns the request if it parsed.
pub fn check_frame(frame: &[u8]) -> Option<Box<ParsedRequest>> {
    let parsed = crate::counting_alloc::assert_bounded(
        frame.len(),
        ALLOCATION_PER_INPUT_BYTE,
        ALLOCATION_FIXED,
        || parse_request(BytesMut::from(frame)),
    );
    match parsed {
        Err(_) => None,
        Ok(Parsed::Reply(reply)) => {
            check_unsupported_version_reply(frame, reply);
            None
        }
        Ok(Parsed::Request(request)) => {
            check_request(&request);
            Some(request)
        }
    }
}

/// A request that parsed is one this node serves, and re-encodes stably.
fn check_request(request: &ParsedRequest) {
    let key = request.header.request_api_key;
    let version = request.header.request_api_version;
    assert_eq!(
        request.spec.key as i16, key,
        "dispatched by another API's row"
    );
    assert!(request.spec.supports(version), "v{version} is not served");
    let encoded = encode(&request.header, &request.body);
    let Ok(Parsed::Request(again)) = parse_request(BytesMut::from(&encoded[..])) else {
        panic!(
            "a re-encoded {:?} v{version} does not parse",
            request.spec.key
        );
    };
    assert_eq!(again.header, request.header);
    assert_eq!(
        encode(&again.header, &again.body),
        encoded,
        "{:?} v{version} re-encodes differently",
        request.spec.key
    );
}

/// ApiVersions at an unserved version: a v0 body with UNSUPPORTED_VERSION, under the request's
/// correlation id.
fn check_unsupported_version_reply(frame: &[u8], reply: Bytes) {
    assert_eq!(
        i16::from_be_bytes([frame[0], frame[1]]),
        ApiKey::ApiVersions as i16
    );
    let size = i32::from_be_bytes(reply[..4].try_into().expect("a size prefix"));
    assert_eq!(usize::try_from(size).ok(), Some(reply.len() - 4));
    let mut body = reply.slice(4..);
    let header = ResponseHeader::decode(&mut body, 0).expect("a v0 response header");
    assert_eq!(
        header.correlation_id,
        i32::from_be_bytes(frame[4..8].try_into().expect("a correlation id"))
    );
    let response = ApiVersionsResponse::decode(&mut body, 0).expect("a v0 ApiVersions body");
    assert_eq!(response.error_code, UNSUPPORTED_VERSION);
    assert_eq!(response.api_keys.len(), APIS.len());
}

/// The frame (without its size prefix) of `body` under `header`.
pub fn encode(header: &RequestHeader, body: &RequestKind) -> Vec<u8> {
    let key = ApiKey::try_from(header.request_api_key).expect("a known API key");
    let version = header.request_api_version;
    let mut out = BytesMut::new();
    header
        .encode(&mut out, key.request_header_version(version))
        .expect("a decoded header encodes");
    body.encode(&mut out, version)
        .unwrap_or_else(|e| panic!("a decoded {key:?} v{version} encodes: {e}"));
    out.to_vec()
}

/// A frame for the API at `APIS[api % len]`, at a served version picked by `version`, whose
/// body is `body`: the way fuzz input reaches every body decoder without guessing a header.
pub fn framed(api: u8, version: u8, client_id: Option<&str>, body: &[u8]) -> Vec<u8> {
    let spec: &ApiSpec = &APIS[usize::from(api) % APIS.len()];
    let span = (spec.max_version - spec.min_version + 1) as u8;
    let version = spec.min_version + i16::from(version % span);
    let header = RequestHeader::default()
        .with_request_api_key(spec.key as i16)
        .with_request_api_version(version)
        .with_correlation_id(7)
        .with_client_id(client_id.map(|id| StrBytes::from_string(id.to_owned())));
    let mut out = BytesMut::new();
    header
        .encode(&mut out, spec.key.request_header_version(version))
        .expect("a header encodes");
    out.extend_from_slice(body);
    out.to_vec()
}

/// Checks an Envelope as the listener's Envelope handler reads it: the principal decodes to a
/// `KafkaPrincipal` or is refused, a decoded principal round-trips, the client address is 4 or
/// 16 bytes or refused, and the inner request goes through [`check_frame`]. The same three
/// parts are also sent framed as a real Envelope request, which must parse back to them.
pub fn check_envelope(principal: &[u8], client_address: &[u8], inner: &[u8]) {
    let decoded = crate::counting_alloc::assert_bounded(
        principal.len(),
        ALLOCATION_PER_INPUT_BYTE,
        ALLOCATION_FIXED,
        || KafkaPrincipal::from_envelope(principal),
    );
    if let Some(decoded) = &decoded {
        let again = decoded.to_envelope().expect("a decoded principal encodes");
        assert_eq!(
            KafkaPrincipal::from_envelope(&again).as_ref(),
            Some(decoded)
        );
        let context = RequestContext::local().forwarded(decoded.clone(), client_address);
        assert_eq!(context.is_some(), matches!(client_address.len(), 4 | 16));
    }
    check_frame(inner);

    let envelope = EnvelopeRequest::default()
        .with_request_data(Bytes::copy_from_slice(inner))
        .with_request_principal(Some(Bytes::copy_from_slice(principal)))
        .with_client_host_address(Bytes::copy_from_slice(client_address));
    let mut body = BytesMut::new();
    envelope.encode(&mut body, 0).expect("an Envelope encodes");
    let envelope_api = APIS
        .iter()
        .position(|spec| spec.key == ApiKey::Envelope)
        .expect("Envelope is served") as u8;
    let frame = framed(envelope_api, 0, Some("broker-1"), &body);
    let request = check_frame(&frame).expect("a well-formed Envelope parses");
    let RequestKind::Envelope(parsed) = request.body else {
        panic!("an Envelope frame parsed as {:?}", request.spec.key);
    };
    assert_eq!(parsed, envelope);
}
