//! Prometheus' text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines, then one
//! `name{label="value"} number` line per sample. Owns the escaping rules (backslash and
//! newline in help text; backslash, double quote and newline in label values) and how numbers
//! print (integers without a fraction, `+Inf`, `-Inf`, `NaN`). Writes a `String`; nothing here
//! knows what is measured.

use std::fmt::Write;

/// The media type of this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Goes up and down.
    Gauge,
    /// Only goes up (from the process start).
    Counter,
    /// `_bucket`, `_sum` and `_count` samples.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        }
    }
}

/// A histogram as scraped: cumulative counts per upper bound (the last bound `+Inf`), the sum
/// of observations and their count.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSample {
    /// `(upper bound, observations at or below it)`, bounds ascending, ending with infinity.
    pub buckets: Vec<(f64, u64)>,
    /// The sum of every observation.
    pub sum: f64,
    /// How many observations (the `+Inf` bucket's count).
    pub count: u64,
}

/// A scrape being written.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// An empty scrape.
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines. Its samples follow.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample line.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        write_labels(&mut self.out, labels, None);
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// A gauge family with one unlabelled sample.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, Kind::Gauge, help);
        self.sample(name, &[], value);
    }

    /// A histogram's samples under `labels`: `name_bucket{...,le="..."}` per bound, then
    /// `name_sum` and `name_count`.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], histogram: &HistogramSample) {
        for (bound, count) in &histogram.buckets {
            let le = number(*bound);
            let _ = write!(self.out, "{name}_bucket");
            write_labels(&mut self.out, labels, Some(&le));
            let _ = writeln!(self.out, " {count}");
        }
        let _ = write!(self.out, "{name}_sum");
        write_labels(&mut self.out, labels, None);
        let _ = writeln!(self.out, " {}", number(histogram.sum));
        let _ = write!(self.out, "{name}_count");
        write_labels(&mut self.out, labels, None);
        let _ = writeln!(self.out, " {}", histogram.count);
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

fn write_labels(out: &mut String, labels: &[(&str, &str)], le: Option<&str>) {
    if labels.is_empty() && le.is_none() {
        return;
    }
    out.push('{');
    let le = le.map(|le| ("le", le));
    for (i, (name, value)) in labels.iter().copied().chain(le).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"{}\"", escape_label_value(value));
    }
    out.push('}');
}

/// Help text: `\` and newline escaped.
pub fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A label value: `\`, `"` and newline escaped.
pub fn escape_label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as the format spells it: whole numbers without a fraction, `+Inf`, `-Inf`,
/// `NaN`, other numbers as Rust prints them (shortest round-trip form).
pub fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_escapes_backslash_and_newline_only() {
        assert_eq!(escape_help("a\\b\n\"c\""), "a\\\\b\\n\"c\"");
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let mut out = Exposition::new();
        out.sample("x", &[("path", "C:\\dir \"q\"\nnext"), ("b", "")], 1.0);
        assert_eq!(
            out.finish(),
            "x{path=\"C:\\\\dir \\\"q\\\"\\nnext\",b=\"\"} 1\n"
        );
    }

    #[test]
    fn numbers_print_as_the_format_spells_them() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-1.0), "-1");
        assert_eq!(number(0.0025), "0.0025");
        assert_eq!(number(1.5e20), "150000000000000000000");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn a_family_has_help_then_type_then_samples() {
        let mut out = Exposition::new();
        out.gauge("kafka_controller_active_controller_count", "one\nline", 1.0);
        assert_eq!(
            out.finish(),
            "# HELP kafka_controller_active_controller_count one\\nline\n\
             # TYPE kafka_controller_active_controller_count gauge\n\
             kafka_controller_active_controller_count 1\n"
        );
    }

    #[test]
    fn a_histogram_writes_cumulative_buckets_with_le_then_sum_and_count() {
        let mut out = Exposition::new();
        out.family("t_seconds", Kind::Histogram, "h");
        let histogram = HistogramSample {
            buckets: vec![(0.005, 1), (0.5, 3), (f64::INFINITY, 4)],
            sum: 2.25,
            count: 4,
        };
        out.histogram("t_seconds", &[("request", "Fetch")], &histogram);
        assert_eq!(
            out.finish(),
            "# HELP t_seconds h\n\
             # TYPE t_seconds histogram\n\
             t_seconds_bucket{request=\"Fetch\",le=\"0.005\"} 1\n\
             t_seconds_bucket{request=\"Fetch\",le=\"0.5\"} 3\n\
             t_seconds_bucket{request=\"Fetch\",le=\"+Inf\"} 4\n\
             t_seconds_sum{request=\"Fetch\"} 2.25\n\
             t_seconds_count{request=\"Fetch\"} 4\n"
        );
    }
}
