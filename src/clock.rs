//! The wall clock, read in one place: milliseconds since the Unix epoch, as Kafka stamps
//! records, quorum timestamps and meta.properties. The sans-IO engine and state machine never
//! read it; their drivers pass it in.

/// Milliseconds since the Unix epoch (0 before it, `i64::MAX` past the representable range).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// [`now_ms`] as the raft engine takes it.
pub fn now_ms_unsigned() -> u64 {
    now_ms().max(0) as u64
}
