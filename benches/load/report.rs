//! The results of one run as `key<TAB>value` lines, and the comparison of a yakt run with a
//! Kafka run as a markdown table.

use std::fmt::Write;
use std::time::Duration;

/// Named figures, in the order they were set.
#[derive(Debug, Default)]
pub struct Report {
    figures: Vec<(String, f64)>,
}

impl Report {
    /// Sets figure `key`.
    pub fn set(&mut self, key: &str, value: f64) {
        match self.figures.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.figures.push((key.to_string(), value)),
        }
    }

    /// Figure `key`, if it was measured.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.figures.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// One `key<TAB>value` line per figure.
    pub fn to_lines(&self) -> String {
        self.figures
            .iter()
            .map(|(k, v)| format!("{k}\t{v}\n"))
            .collect()
    }

    /// Reads what [`Report::to_lines`] wrote; other lines are ignored.
    pub fn from_lines(text: &str) -> Report {
        let mut report = Report::default();
        for line in text.lines() {
            if let Some((key, value)) = line.split_once('\t') {
                if let Ok(value) = value.trim().parse() {
                    report.set(key, value);
                }
            }
        }
        report
    }
}

/// The `per_mille`th per-mille of sorted, non-empty `times`.
pub fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    sorted[(sorted.len() * per_mille / 1000).min(sorted.len() - 1)]
}

/// `time` in microseconds.
pub fn micros(time: Duration) -> f64 {
    time.as_micros() as f64
}

/// The rows of the comparison: label, key, unit.
const ROWS: &[(&str, &str, Unit)] = &[
    ("RSS at start", "rss_start_mib", Unit::MiB),
    (
        "idle connections opened (ApiVersions each)",
        "connections",
        Unit::Count,
    ),
    ("… time to open them all", "idle_open_ms", Unit::Ms),
    ("… failed to open", "idle_open_failed", Unit::Count),
    ("… still answering at the end", "idle_held", Unit::Count),
    ("RSS with the idle connections", "rss_idle_mib", Unit::MiB),
    (
        "ApiVersions round trip p50, before",
        "probe_base_p50_us",
        Unit::Us,
    ),
    (
        "ApiVersions round trip p99, before",
        "probe_base_p99_us",
        Unit::Us,
    ),
    (
        "ApiVersions round trip p50, idle connections held",
        "probe_idle_p50_us",
        Unit::Us,
    ),
    (
        "ApiVersions round trip p99, idle connections held",
        "probe_idle_p99_us",
        Unit::Us,
    ),
    (
        "brokers registered (own connection each)",
        "brokers",
        Unit::Count,
    ),
    ("… time to register them all", "register_ms", Unit::Ms),
    ("… failed to register", "register_failed", Unit::Count),
    ("heartbeats/s answered", "hb_rate", Unit::Count),
    ("heartbeat p50", "hb_p50_us", Unit::Us),
    ("heartbeat p99", "hb_p99_us", Unit::Us),
    ("heartbeat p99.9", "hb_p999_us", Unit::Us),
    ("heartbeat max", "hb_max_us", Unit::Us),
    ("heartbeat errors", "hb_errors", Unit::Count),
    ("heartbeats answered fenced", "hb_fenced", Unit::Count),
    ("RSS under heartbeat load", "rss_load_mib", Unit::MiB),
    (
        "ApiVersions p99 under heartbeat load",
        "probe_clean_p99_us",
        Unit::Us,
    ),
    (
        "slow clients (never read), all blocked",
        "slow_alive",
        Unit::Count,
    ),
    (
        "… requests they wrote before blocking",
        "slow_requests_written",
        Unit::Count,
    ),
    (
        "heartbeats/s answered, slow clients on",
        "slow_hb_rate",
        Unit::Count,
    ),
    ("heartbeat p50, slow clients on", "slow_hb_p50_us", Unit::Us),
    ("heartbeat p99, slow clients on", "slow_hb_p99_us", Unit::Us),
    (
        "heartbeat p99.9, slow clients on",
        "slow_hb_p999_us",
        Unit::Us,
    ),
    ("heartbeat max, slow clients on", "slow_hb_max_us", Unit::Us),
    (
        "heartbeat errors, slow clients on",
        "slow_hb_errors",
        Unit::Count,
    ),
    (
        "ApiVersions p99, slow clients on",
        "probe_slow_p99_us",
        Unit::Us,
    ),
    ("RSS with slow clients", "rss_slow_mib", Unit::MiB),
];

#[derive(Clone, Copy)]
enum Unit {
    Count,
    Ms,
    Us,
    MiB,
}

impl Unit {
    fn show(self, value: f64) -> String {
        match self {
            Unit::Count => format!("{value:.0}"),
            Unit::Ms => format!("{value:.0} ms"),
            Unit::Us if value >= 10_000.0 => format!("{:.1} ms", value / 1000.0),
            Unit::Us => format!("{value:.0} µs"),
            Unit::MiB => format!("{value:.0} MiB"),
        }
    }
}

/// A markdown table: each figure for yakt and Kafka, and Kafka's ÷ yakt's for times and
/// memory (how many times more Kafka takes).
pub fn compare(yakt: &Report, kafka: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| measurement | yakt | Kafka | Kafka ÷ yakt |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (label, key, unit) in ROWS {
        let (y, k) = (yakt.get(key), kafka.get(key));
        let shown = |v: Option<f64>| v.map_or("—".to_string(), |v| unit.show(v));
        let ratio = match (unit, y, k) {
            (Unit::Count, _, _) => String::new(),
            (_, Some(y), Some(k)) if y > 0.0 => format!("{:.1}×", k / y),
            _ => "—".to_string(),
        };
        let _ = writeln!(out, "| {label} | {} | {} | {ratio} |", shown(y), shown(k));
    }
    out
}
