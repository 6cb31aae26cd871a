//! Java's `Properties` text format, as far as `meta.properties` needs it: `store` writes
//! `#\n#<Date.toString()>\n` then `key=value` lines with Java's escapes; `load` reads comments,
//! `=`/`:`/whitespace separators, backslash escapes and continuation lines.

use std::collections::BTreeMap;

/// Renders `entries` as `Properties.store(writer, "")` does, dated `now_ms` (UTC).
pub fn store(entries: &[(String, String)], now_ms: i64) -> String {
    let mut out = format!("#\n#{}\n", java_date(now_ms));
    for (key, value) in entries {
        out.push_str(&escape(key, true));
        out.push('=');
        out.push_str(&escape(value, false));
        out.push('\n');
    }
    out
}

fn escape(text: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            ' ' if is_key || i == 0 => out.push_str("\\ "),
            '\\' | '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out
}

/// Parses properties text; later keys win, as in Java.
pub fn load(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        let trailing = line.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            logical.push_str(&line[..line.len() - 1]);
            continue;
        }
        logical.push_str(line);
        let (key, value) = split_entry(&logical);
        props.insert(unescape(key), unescape(value));
        logical.clear();
    }
    if !logical.is_empty() {
        let (key, value) = split_entry(&logical);
        props.insert(unescape(key), unescape(value));
    }
    props
}

fn split_entry(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '=' | ':' | ' ' | '\t' | '\x0c') {
            key_end = i;
            break;
        }
    }
    let blanks = [' ', '\t', '\x0c'];
    let mut rest = line[key_end..].trim_start_matches(blanks);
    if let Some(after) = rest.strip_prefix(['=', ':']) {
        rest = after.trim_start_matches(blanks);
    }
    (&line[..key_end], rest)
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let Ok(unit) = u16::from_str_radix(&hex, 16) else {
                    continue;
                };
                let units: Vec<u16> = pending_high.take().into_iter().chain([unit]).collect();
                match String::from_utf16(&units) {
                    Ok(s) => out.push_str(&s),
                    Err(_) if (0xD800..0xDC00).contains(&unit) => pending_high = Some(unit),
                    Err(_) => out.push(char::REPLACEMENT_CHARACTER),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `java.util.Date.toString()` in UTC: `Sat Nov 21 08:07:43 UTC 2026`.
pub fn java_date(now_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = now_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        year
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_render_like_java() {
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(java_date(1_795_248_463_000), "Sat Nov 21 08:07:43 UTC 2026");
        assert_eq!(java_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
    }

    #[test]
    fn store_then_load_round_trips_escapes() {
        let entries = vec![
            ("cluster.id".to_owned(), "a=b:c#d é".to_owned()),
            ("node.id".to_owned(), " 1".to_owned()),
        ];
        let text = store(&entries, 0);
        assert!(text.starts_with("#\n#Thu Jan 01 00:00:00 UTC 1970\n"));
        assert!(
            text.contains("cluster.id=a\\=b\\:c\\#d \\u00E9\n"),
            "{text}"
        );
        let loaded = load(&text);
        assert_eq!(
            loaded.get("cluster.id").map(String::as_str),
            Some("a=b:c#d é")
        );
        assert_eq!(loaded.get("node.id").map(String::as_str), Some(" 1"));
    }

    #[test]
    fn load_accepts_java_separators_and_continuations() {
        let loaded = load("! comment\na : 1\nb 2\nc=x\\\n   y\n  d\t=4\n");
        let get = |k: &str| loaded.get(k).map(String::as_str);
        assert_eq!(
            (get("a"), get("b"), get("c"), get("d")),
            (Some("1"), Some("2"), Some("xy"), Some("4"))
        );
    }
}
