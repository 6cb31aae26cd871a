//! Java's `java.time.Duration.parse` of an ISO-8601 duration (`PnDTnHnMn.nS`), which Kafka
//! uses for `share.auto.offset.reset=by_duration:<duration>`: what it accepts, and the sign of
//! what it yields (Kafka refuses a negative duration).

/// The duration's whole seconds (rounded towards negative infinity, as Java's `Duration`
/// keeps them), or `None` where Java throws (bad text or overflow).
pub fn parse_seconds(text: &str) -> Option<i64> {
    let (negate, rest) = sign(text);
    let rest = rest.strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let mut parts = Parts::default();
    if !date.is_empty() {
        let days = date.strip_suffix(['D', 'd'])?;
        parts.days = Some(signed_digits(days)?);
    }
    if let Some(time) = time {
        parse_time(time, &mut parts)?;
        if parts.hours.is_none() && parts.minutes.is_none() && parts.seconds.is_none() {
            return None;
        }
    }
    if parts.days.is_none() && time.is_none() {
        return None;
    }
    total(negate, &parts)
}

#[derive(Default)]
struct Parts<'a> {
    days: Option<&'a str>,
    hours: Option<&'a str>,
    minutes: Option<&'a str>,
    seconds: Option<&'a str>,
    fraction: Option<&'a str>,
}

fn sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// `[-+]?[0-9]+`.
fn signed_digits(text: &str) -> Option<&str> {
    let (_, digits) = sign(text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// `(?:nH)?(?:nM)?(?:n(?:[.,]f{0,9})?S)?` after the `T`.
fn parse_time<'a>(mut time: &'a str, parts: &mut Parts<'a>) -> Option<()> {
    for (unit, slot) in [('H', 0), ('M', 1)] {
        if let Some(at) = time.find([unit, unit.to_ascii_lowercase()]) {
            let number = signed_digits(&time[..at]);
            if let Some(number) = number {
                if slot == 0 {
                    parts.hours = Some(number);
                } else {
                    parts.minutes = Some(number);
                }
                time = &time[at + 1..];
            }
        }
    }
    if time.is_empty() {
        return Some(());
    }
    let seconds = time.strip_suffix(['S', 's'])?;
    let (whole, fraction) = match seconds.find(['.', ',']) {
        Some(at) => (&seconds[..at], Some(&seconds[at + 1..])),
        None => (seconds, None),
    };
    parts.seconds = Some(signed_digits(whole)?);
    if let Some(fraction) = fraction {
        if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        parts.fraction = Some(fraction);
    }
    Some(())
}

/// Java's `Long.parseLong(n) * unit` with overflow checks.
fn seconds_of(number: Option<&str>, unit: i64) -> Option<i64> {
    match number {
        None => Some(0),
        Some(text) => text.parse::<i64>().ok()?.checked_mul(unit),
    }
}

fn total(negate: bool, parts: &Parts<'_>) -> Option<i64> {
    let days = seconds_of(parts.days, 86_400)?;
    let hours = seconds_of(parts.hours, 3_600)?;
    let minutes = seconds_of(parts.minutes, 60)?;
    let seconds = seconds_of(parts.seconds, 1)?;
    let negative_seconds = parts.seconds.is_some_and(|s| s.starts_with('-'));
    let mut nanos: i64 = match parts.fraction {
        Some(f) if !f.is_empty() => format!("{f:0<9}").parse().ok()?,
        _ => 0,
    };
    if negative_seconds {
        nanos = -nanos;
    }
    let sum = days.checked_add(hours.checked_add(minutes.checked_add(seconds)?)?)?;
    let sum = sum.checked_add(nanos.div_euclid(1_000_000_000))?;
    let nanos = i128::from(nanos.rem_euclid(1_000_000_000));
    let mut total_nanos = i128::from(sum) * 1_000_000_000 + nanos;
    if negate {
        total_nanos = -total_nanos;
    }
    i64::try_from(total_nanos.div_euclid(1_000_000_000)).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn accepts_what_java_accepts() {
        assert_eq!(parse_seconds("PT1H"), Some(3_600));
        assert_eq!(parse_seconds("P1DT2M"), Some(86_520));
        assert_eq!(parse_seconds("pt0.5s"), Some(0));
        assert_eq!(parse_seconds("PT-0.5S"), Some(-1));
        assert_eq!(parse_seconds("-PT1S"), Some(-1));
        assert_eq!(parse_seconds("P-1D"), Some(-86_400));
        assert_eq!(parse_seconds("PT1,S"), Some(1));
    }

    #[test]
    fn refuses_what_java_refuses() {
        for text in [
            "",
            "P",
            "PT",
            "1H",
            "P1H",
            "PT1D",
            "PT1M1H",
            "PT0.1234567891S",
            "P1",
            "PTS",
        ] {
            assert_eq!(parse_seconds(text), None, "{text}");
        }
        assert_eq!(parse_seconds("P9999999999999999D"), None);
        assert_eq!(parse_seconds("PT9223372036854775808S"), None);
    }
}
