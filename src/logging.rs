//! Runtime log levels: the process's tracing filter seen as named loggers, which the
//! `BROKER_LOGGER` config resource describes and changes as Kafka's controllers do for their
//! log4j loggers (`kafka-configs --bootstrap-controller ... --entity-type broker-loggers`).
//!
//! A logger is a tracing target prefix written with dots as Kafka's logger names are
//! (`yakt.raft` for the targets under `yakt::raft`; Kafka's `kafka-configs` refuses `:` in a
//! key), or `root`, the level of every target no other logger covers. Levels are Kafka's names: TRACE, DEBUG, INFO, WARN,
//! ERROR, FATAL (logged as ERROR) and OFF. The loggers are process-wide, as log4j's are: the
//! binary installs them as its tracing filter ([`install`]); a process that did not (an
//! embedding test) still answers for them, and changes only reach its own filter if it has one.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use tracing_subscriber::filter::{LevelFilter, Targets};

/// The logger every target falls back to.
pub const ROOT: &str = "root";

/// Kafka's log levels (`LogLevelConfig.VALID_LOG_LEVELS`), sorted as its error message lists them.
pub const VALID_LEVELS: [&str; 7] = ["DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN"];

/// The loggers that exist whether or not a level was set on them: yakt's crates and the
/// modules of its library. Any target under one of them exists too.
pub const KNOWN_LOGGERS: [&str; 13] = [
    "yakt",
    "yakt.commands",
    "yakt.config",
    "yakt.controller",
    "yakt.node",
    "yakt.raft",
    "yakt.server",
    "yakt.server.connection",
    "yakt.server.controller_driver",
    "yakt.server.raft_driver",
    "yakt.sim",
    "yakt_log",
    "yakt_wire",
];

/// The level of `root` and of each logger given one, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLevels {
    root: String,
    levels: BTreeMap<String, String>,
}

impl Default for LogLevels {
    fn default() -> Self {
        LogLevels {
            root: "INFO".to_owned(),
            levels: BTreeMap::new(),
        }
    }
}

impl LogLevels {
    /// Reads directives as `YAKT_LOG` and `RUST_LOG` give them: comma-separated, each a level
    /// (root's) or `target=level` (`yakt::raft=debug`, or with dots); levels in any case.
    /// `None` if one is not of that form.
    pub fn parse(directives: &str) -> Option<LogLevels> {
        let mut parsed = LogLevels::default();
        for directive in directives
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            let (target, level) = match directive.split_once('=') {
                Some((target, level)) => (Some(target.trim()), level),
                None => (None, directive),
            };
            let level = level.trim().to_ascii_uppercase();
            let level = if level == "WARNING" {
                "WARN".to_owned()
            } else {
                level
            };
            if !VALID_LEVELS.contains(&level.as_str()) {
                return None;
            }
            match target {
                None => parsed.root = level,
                Some(target) if is_logger_name(&target.replace("::", ".")) => {
                    parsed.levels.insert(target.replace("::", "."), level);
                }
                Some(_) => return None,
            }
        }
        Some(parsed)
    }

    /// Whether logger `name` exists: root, a known logger or one under it, or one given a level.
    pub fn exists(&self, name: &str) -> bool {
        name == ROOT
            || self.levels.contains_key(name)
            || KNOWN_LOGGERS
                .iter()
                .any(|known| name == *known || name.starts_with(&format!("{known}.")))
    }

    /// The level logger `name` logs at: its own, else that of the longest logger it falls
    /// under (a target prefix, as tracing matches them), else root's.
    pub fn effective(&self, name: &str) -> &str {
        if name == ROOT {
            return &self.root;
        }
        self.levels
            .iter()
            .filter(|(target, _)| name.starts_with(target.as_str()))
            .max_by_key(|(target, _)| target.len())
            .map_or(&self.root, |(_, level)| level)
    }

    /// Every logger (root, the known ones, those given a level) with its effective level,
    /// as Kafka lists log4j's loggers.
    pub fn loggers(&self) -> BTreeMap<String, String> {
        std::iter::once(ROOT)
            .chain(KNOWN_LOGGERS)
            .chain(self.levels.keys().map(String::as_str))
            .map(|name| (name.to_owned(), self.effective(name).to_owned()))
            .collect()
    }

    /// Sets the level of an existing logger (`level` one of [`VALID_LEVELS`]).
    pub fn set(&mut self, name: &str, level: &str) {
        if name == ROOT {
            self.root = level.to_owned();
        } else {
            self.levels.insert(name.to_owned(), level.to_owned());
        }
    }

    /// Removes a logger's own level: it falls back to the logger it falls under.
    pub fn unset(&mut self, name: &str) {
        self.levels.remove(name);
    }

    /// The tracing filter these levels stand for.
    pub fn filter(&self) -> Targets {
        Targets::new()
            .with_default(level_filter(&self.root))
            .with_targets(
                self.levels
                    .iter()
                    .map(|(name, level)| (name.replace('.', "::"), level_filter(level))),
            )
    }
}

/// A logger name: dot-separated identifiers.
fn is_logger_name(name: &str) -> bool {
    name.split('.')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn level_filter(level: &str) -> LevelFilter {
    match level {
        "TRACE" => LevelFilter::TRACE,
        "DEBUG" => LevelFilter::DEBUG,
        "INFO" => LevelFilter::INFO,
        "WARN" => LevelFilter::WARN,
        "ERROR" | "FATAL" => LevelFilter::ERROR,
        _ => LevelFilter::OFF,
    }
}

type Reload = Box<dyn Fn(Targets) + Send + Sync>;

/// The process's loggers.
pub struct Loggers {
    levels: Mutex<LogLevels>,
    reload: OnceLock<Reload>,
}

impl Loggers {
    /// The current levels.
    pub fn levels(&self) -> LogLevels {
        self.lock().clone()
    }

    /// Changes the levels with `change` and hands the new filter to the installed subscriber.
    pub fn update(&self, change: impl FnOnce(&mut LogLevels)) {
        let mut levels = self.lock();
        change(&mut levels);
        if let Some(reload) = self.reload.get() {
            reload(levels.filter());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogLevels> {
        // The levels are plain data: one left by a panicking holder is still whole.
        self.levels.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The process's loggers (INFO everywhere until [`install`] reads the environment).
pub fn loggers() -> &'static Loggers {
    static LOGGERS: OnceLock<Loggers> = OnceLock::new();
    LOGGERS.get_or_init(|| Loggers {
        levels: Mutex::new(LogLevels::default()),
        reload: OnceLock::new(),
    })
}

/// Installs the process's tracing subscriber: logs to stderr (`ansi` for colors), filtered by
/// the loggers, starting from `directives` (see [`LogLevels::parse`]; INFO if they do not
/// parse, with a warning). Later changes to the loggers take effect at once.
pub fn install(directives: Option<&str>, ansi: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let parsed = directives.map(|d| (d, LogLevels::parse(d)));
    let levels = match &parsed {
        Some((_, Some(levels))) => levels.clone(),
        _ => LogLevels::default(),
    };
    let (filter, handle) = tracing_subscriber::reload::Layer::new(levels.filter());
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init()
        .is_err()
    {
        return;
    }
    let loggers = loggers();
    let _ = loggers.reload.set(Box::new(move |targets| {
        let _ = handle.reload(targets);
    }));
    loggers.update(|current| *current = levels);
    if let Some((directives, None)) = parsed {
        tracing::warn!(
            "log directives {directives:?} are not LEVEL or TARGET=LEVEL: logging at INFO"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_set_root_and_targets() {
        let levels = LogLevels::parse("warn, yakt::raft=debug,yakt_log=Trace").unwrap();
        assert_eq!(levels.effective(ROOT), "WARN");
        assert_eq!(levels.effective("yakt.raft"), "DEBUG");
        assert_eq!(levels.effective("yakt.raft.engine"), "DEBUG");
        assert_eq!(levels.effective("yakt.server"), "WARN");
        assert_eq!(levels.effective("yakt_log"), "TRACE");
        assert_eq!(LogLevels::parse("").unwrap(), LogLevels::default());
        assert_eq!(LogLevels::parse("loud"), None);
        assert_eq!(
            LogLevels::parse("yakt.raft=debug"),
            LogLevels::parse("yakt::raft=DEBUG")
        );
        assert_eq!(LogLevels::parse("yakt[span]=debug"), None);
    }

    #[test]
    fn loggers_list_root_known_and_set_ones_with_effective_levels() {
        let mut levels = LogLevels::default();
        levels.set("yakt.raft.engine", "TRACE");
        levels.set("yakt", "DEBUG");
        let loggers = levels.loggers();
        assert_eq!(loggers[ROOT], "INFO");
        assert_eq!(loggers["yakt.raft"], "DEBUG", "inherits from yakt");
        assert_eq!(loggers["yakt.raft.engine"], "TRACE");
        assert_eq!(
            loggers["yakt_wire"], "DEBUG",
            "tracing matches targets by prefix"
        );
        assert_eq!(loggers.len(), 1 + KNOWN_LOGGERS.len() + 1);

        levels.unset("yakt");
        assert_eq!(levels.effective("yakt.raft"), "INFO");
        levels.set(ROOT, "ERROR");
        assert_eq!(levels.effective("yakt.raft"), "ERROR");
    }

    #[test]
    fn loggers_exist_under_known_names_only() {
        let levels = LogLevels::parse("other_crate=debug").unwrap();
        assert!(levels.exists(ROOT));
        assert!(levels.exists("yakt.raft"));
        assert!(levels.exists("yakt.raft.engine.membership"));
        assert!(
            !levels.exists("yakt::raft"),
            "Kafka's tools refuse ':' in names"
        );
        assert!(levels.exists("other_crate"));
        assert!(!levels.exists("kafka.controller"));
        assert!(!levels.exists("yakt_other"));
        assert!(!levels.exists(""));
    }

    #[test]
    fn the_filter_follows_the_levels() {
        use tracing::Level;
        let mut levels = LogLevels::parse("info,yakt::raft=debug").unwrap();
        levels.set("yakt.server", "OFF");
        let filter = levels.filter();
        assert!(filter.would_enable("yakt::raft::engine", &Level::DEBUG));
        assert!(!filter.would_enable("yakt::raft::engine", &Level::TRACE));
        assert!(!filter.would_enable("yakt::server::api", &Level::ERROR));
        assert!(filter.would_enable("yakt::controller", &Level::INFO));
        assert!(!filter.would_enable("yakt::controller", &Level::DEBUG));
    }
}
