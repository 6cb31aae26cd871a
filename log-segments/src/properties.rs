//! Java `.properties` files, read as `java.util.Properties.load` reads them.
//!
//! This module owns the syntax only: natural lines, comments, line continuations, the
//! key/value split and escapes. It knows nothing of Kafka's keys; yakt's `ControllerConfig`
//! gives them meaning. The rules follow `java.util.Properties.load0` and its `LineReader`:
//!
//! - a natural line ends at `\n`, `\r` or `\r\n`; leading whitespace (space, `\t`, `\f`) is
//!   skipped, and a line that is then empty is skipped;
//! - a line whose first non-whitespace character is `#` or `!` is a comment (a comment never
//!   continues onto the next line);
//! - a line ending in an odd number of backslashes continues on the next line: the last
//!   backslash and the line break are dropped, and so is the next line's leading whitespace;
//! - the key ends at the first unescaped `=`, `:` or whitespace; whitespace around the
//!   separator, and one `=` or `:` after whitespace, are skipped; the rest is the value
//!   (trailing whitespace kept);
//! - escapes in keys and values: `\t \n \r \f`, `\uXXXX` (UTF-16 code units, surrogate pairs
//!   combined), and `\X` for any other `X` stands for `X` itself;
//! - a later definition of a key overrides an earlier one.
//!
//! Files are decoded as ISO-8859-1, as `Properties.load(InputStream)` does (Kafka loads its
//! config file that way): non-ASCII text must be written as `\uXXXX`.

use std::path::Path;

use thiserror::Error;

/// A properties text that does not follow the syntax.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PropertiesError {
    /// A `\u` escape not followed by four hexadecimal digits (Java: "Malformed \uxxxx encoding").
    #[error("line {line}: malformed \\uXXXX escape: expected four hexadecimal digits after \\u")]
    MalformedUnicodeEscape {
        /// The 1-based line on which the logical line holding the escape starts.
        line: usize,
    },
    /// A `\uXXXX` escape naming half of a UTF-16 surrogate pair without its other half.
    /// Java would keep the lone code unit; a Rust string cannot hold one.
    #[error(
        "line {line}: \\u{unit:04X} is half of a UTF-16 surrogate pair without its other half"
    )]
    UnpairedSurrogate {
        /// The 1-based line on which the logical line holding the escape starts.
        line: usize,
        /// The lone code unit.
        unit: u16,
    },
}

/// One key and its value, with the line that (last) defined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The key, escapes resolved.
    pub key: String,
    /// The value, escapes resolved.
    pub value: String,
    /// The 1-based line on which the latest definition of the key starts.
    pub line: usize,
}

/// The keys and values of a properties file, in the order keys were first defined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<Property>,
}

impl Properties {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses properties text (as `Properties.load(Reader)`: the text is already characters).
    pub fn parse(text: &str) -> Result<Self, PropertiesError> {
        let chars: Vec<char> = text.chars().collect();
        let mut properties = Properties::new();
        for line in LogicalLines::new(&chars) {
            let (key, value) = split_key_value(&line.chars);
            let key = unescape(key, line.number)?;
            let value = unescape(value, line.number)?;
            properties.insert_at(key, value, line.number);
        }
        Ok(properties)
    }

    /// Parses the bytes of a properties file, decoded as ISO-8859-1 like
    /// `Properties.load(InputStream)`.
    pub fn parse_latin1(bytes: &[u8]) -> Result<Self, PropertiesError> {
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        Self::parse(&text)
    }

    /// Reads and parses a properties file (ISO-8859-1, as Kafka reads its config file).
    pub fn load(path: &Path) -> std::io::Result<Result<Self, PropertiesError>> {
        Ok(Self::parse_latin1(&std::fs::read(path)?))
    }

    /// Sets `key` to `value`; a key already present keeps its place and takes the new value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.insert_at(key.into(), value.into(), 0);
    }

    fn insert_at(&mut self, key: String, value: String, line: usize) {
        match self.entries.iter_mut().find(|entry| entry.key == key) {
            Some(entry) => {
                entry.value = value;
                entry.line = line;
            }
            None => self.entries.push(Property { key, value, line }),
        }
    }

    /// The value of `key`, if defined.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|entry| entry.value.as_str())
    }

    /// The definition of `key`, if any.
    pub fn entry(&self, key: &str) -> Option<&Property> {
        self.entries.iter().find(|entry| entry.key == key)
    }

    /// Whether `key` is defined.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The properties in the order their keys were first defined.
    pub fn iter(&self) -> impl Iterator<Item = &Property> {
        self.entries.iter()
    }

    /// How many distinct keys are defined.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is defined.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The properties as text that `Properties.load` (and [`Properties::parse`]) reads back
    /// to the same keys and values, in this order: Java's `Properties.store` escaping, with
    /// every character outside printable ASCII written as `\uXXXX`.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for entry in &self.entries {
            escape_into(&mut text, &entry.key, true);
            text.push('=');
            escape_into(&mut text, &entry.value, false);
            text.push('\n');
        }
        text
    }
}

/// Escapes a key (every space escaped) or a value (a leading space escaped), as Java's
/// `Properties.saveConvert`.
fn escape_into(out: &mut String, text: &str, is_key: bool) {
    for (index, c) in text.chars().enumerate() {
        match c {
            ' ' if is_key || index == 0 => out.push_str("\\ "),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut buffer = [0u16; 2];
                for unit in c.encode_utf16(&mut buffer) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
}

/// A logical line: natural lines joined by continuations, without comments and blank lines.
struct LogicalLine {
    /// The 1-based number of the natural line it starts on.
    number: usize,
    /// Its characters, continuation backslashes and line breaks removed, escapes still raw.
    chars: Vec<char>,
}

/// Splits text into logical lines, as Java's `Properties.LineReader` does.
struct LogicalLines<'a> {
    chars: &'a [char],
    position: usize,
    /// The 1-based number of the natural line at `position`.
    line_number: usize,
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r')
}

impl<'a> LogicalLines<'a> {
    fn new(chars: &'a [char]) -> Self {
        LogicalLines {
            chars,
            position: 0,
            line_number: 1,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    /// Consumes one line break (`\n`, `\r` or `\r\n`) at the current position, if any.
    fn consume_line_break(&mut self) -> bool {
        match self.peek() {
            Some('\r') => {
                self.position += 1;
                if self.peek() == Some('\n') {
                    self.position += 1;
                }
            }
            Some('\n') => self.position += 1,
            _ => return false,
        }
        self.line_number += 1;
        true
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.position += 1;
        }
    }

    /// Skips the rest of a comment line, its line break included.
    fn skip_comment(&mut self) {
        while self.peek().is_some_and(|c| !is_line_break(c)) {
            self.position += 1;
        }
        self.consume_line_break();
    }

    /// Reads the body of a logical line that starts at the current (non-blank) position.
    fn read_body(&mut self) -> Vec<char> {
        let mut chars = Vec::new();
        loop {
            let start = self.position;
            while self.peek().is_some_and(|c| !is_line_break(c)) {
                self.position += 1;
            }
            chars.extend_from_slice(&self.chars[start..self.position]);
            let trailing_backslashes = chars.iter().rev().take_while(|&&c| c == '\\').count();
            if trailing_backslashes % 2 == 0 {
                self.consume_line_break();
                return chars;
            }
            // A continuation: drop the backslash; at the end of the text there is nothing
            // to continue with (Java drops the backslash there too).
            chars.pop();
            if !self.consume_line_break() {
                return chars;
            }
            // The continued line's leading whitespace is dropped, but not a line break: an
            // empty continued line ends the logical line.
            self.skip_whitespace();
        }
    }
}

impl Iterator for LogicalLines<'_> {
    type Item = LogicalLine;

    fn next(&mut self) -> Option<LogicalLine> {
        loop {
            self.skip_whitespace();
            let first = self.peek()?;
            if is_line_break(first) {
                self.consume_line_break();
                continue;
            }
            if first == '#' || first == '!' {
                self.skip_comment();
                continue;
            }
            let number = self.line_number;
            let chars = self.read_body();
            return Some(LogicalLine { number, chars });
        }
    }
}

/// Splits a logical line into its raw key and raw value (escapes unresolved), as
/// `Properties.load0` does.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let mut key_end = 0;
    let mut value_start = line.len();
    let mut has_separator = false;
    let mut preceding_backslash = false;
    while key_end < line.len() {
        let c = line[key_end];
        if !preceding_backslash && (c == '=' || c == ':') {
            value_start = key_end + 1;
            has_separator = true;
            break;
        }
        if !preceding_backslash && is_whitespace(c) {
            value_start = key_end + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_end += 1;
    }
    while value_start < line.len() {
        let c = line[value_start];
        if !is_whitespace(c) {
            if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_end], &line[value_start..])
}

/// Resolves the escapes of a raw key or value (`Properties.loadConvert`).
fn unescape(raw: &[char], line: usize) -> Result<String, PropertiesError> {
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c != '\\' {
            let mut buffer = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buffer));
            continue;
        }
        let Some(&escaped) = raw.get(i) else {
            break; // A lone backslash at the very end stands for nothing.
        };
        i += 1;
        let resolved = match escaped {
            'u' => {
                let unit = raw
                    .get(i..i + 4)
                    .and_then(hex_unit)
                    .ok_or(PropertiesError::MalformedUnicodeEscape { line })?;
                i += 4;
                units.push(unit);
                continue;
            }
            't' => '\t',
            'r' => '\r',
            'n' => '\n',
            'f' => '\u{c}',
            other => other,
        };
        let mut buffer = [0u16; 2];
        units.extend_from_slice(resolved.encode_utf16(&mut buffer));
    }
    char::decode_utf16(units.iter().copied())
        .map(|decoded| {
            decoded.map_err(|error| PropertiesError::UnpairedSurrogate {
                line,
                unit: error.unpaired_surrogate(),
            })
        })
        .collect()
}

/// Four hexadecimal digits (either case) as one UTF-16 code unit.
fn hex_unit(hex: &[char]) -> Option<u16> {
    hex.iter()
        .try_fold(0u16, |unit, c| Some(unit * 16 + c.to_digit(16)? as u16))
}

/// Renders `entries` as Java's `Properties.store(writer, "")` does, dated `now_ms` (UTC): an
/// empty comment line, the date comment line, then `key=value` lines with Java's escapes.
pub fn store(entries: &[(String, String)], now_ms: i64) -> String {
    let mut props = Properties::new();
    for (key, value) in entries {
        props.insert(key.clone(), value.clone());
    }
    format!("#\n#{}\n{}", java_date(now_ms), props.to_text())
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

    fn pairs(text: &str) -> Vec<(String, String)> {
        Properties::parse(text)
            .unwrap()
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect()
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn separators_and_whitespace() {
        assert_eq!(pairs("a=1"), vec![pair("a", "1")]);
        assert_eq!(pairs("a:1"), vec![pair("a", "1")]);
        assert_eq!(pairs("a 1"), vec![pair("a", "1")]);
        assert_eq!(pairs("  a \t = : 1 "), vec![pair("a", ": 1 ")]);
        assert_eq!(pairs("a"), vec![pair("a", "")]);
        assert_eq!(pairs("a="), vec![pair("a", "")]);
        assert_eq!(pairs("=1"), vec![pair("", "1")]);
    }

    #[test]
    fn continuation_at_end_of_text_drops_the_backslash() {
        assert_eq!(pairs("a=1\\"), vec![pair("a", "1")]);
    }

    #[test]
    fn empty_continued_line_ends_the_logical_line() {
        assert_eq!(pairs("a=1\\\n\nb=2"), vec![pair("a", "1"), pair("b", "2")]);
    }

    #[test]
    fn line_numbers_count_natural_lines() {
        let properties = Properties::parse("# c\r\n\r\na=1\\\r\n 2\nb=\\u12").unwrap_err();
        assert_eq!(
            properties,
            PropertiesError::MalformedUnicodeEscape { line: 5 }
        );
        let properties = Properties::parse("# c\r\n\r\na=1\\\r\n 2\nb=3").unwrap();
        assert_eq!(properties.entry("a").unwrap().line, 3);
        assert_eq!(properties.entry("b").unwrap().line, 5);
    }

    #[test]
    fn dates_render_like_java() {
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(java_date(1_795_248_463_000), "Sat Nov 21 08:07:43 UTC 2026");
        assert_eq!(java_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
    }

    #[test]
    fn store_is_dated_and_reads_back() {
        let entries = vec![
            ("cluster.id".to_owned(), "a=b:c#d é".to_owned()),
            ("node.id".to_owned(), " 1".to_owned()),
        ];
        let text = store(&entries, 0);
        assert!(
            text.starts_with("#\n#Thu Jan 01 00:00:00 UTC 1970\n"),
            "{text}"
        );
        assert!(
            text.contains("cluster.id=a\\=b\\:c\\#d \\u00E9\n"),
            "{text}"
        );
        let loaded = Properties::parse(&text).unwrap();
        assert_eq!(loaded.get("cluster.id"), Some("a=b:c#d é"));
        assert_eq!(loaded.get("node.id"), Some(" 1"));
    }
}
