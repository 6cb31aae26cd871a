//! The broker config keys Kafka 4.3.1 knows, as its `KafkaConfig` (and the dynamic-only
//! keys of `DynamicConfig.Broker`) define them: type, default, whether a key is dynamic,
//! per-broker only or a security config updatable only per listener, and its documentation.
//! The table `broker_keys.tsv` is written by `tests/java/BrokerConfigsProbe.java` from
//! Kafka's own classes (`tests/controller_broker_configs.rs` checks it still matches). Also
//! Kafka's rules on those keys: synonyms (`DynamicBrokerConfig.brokerConfigSynonyms`), the
//! type of a listener-prefixed key, how a value is parsed and printed (`ConfigDef`), and
//! which dynamic configs a node applies (`DynamicBrokerConfig.fromPersistentProps`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A broker config's type (Kafka's `ConfigDef.Type`), with its `DescribeConfigs` id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerConfigType {
    /// BOOLEAN.
    Boolean,
    /// STRING.
    String,
    /// INT.
    Int,
    /// SHORT.
    Short,
    /// LONG.
    Long,
    /// DOUBLE.
    Double,
    /// LIST.
    List,
    /// CLASS.
    Class,
    /// PASSWORD: sensitive, never described.
    Password,
}

impl BrokerConfigType {
    fn from_name(name: &str) -> Option<BrokerConfigType> {
        Some(match name {
            "BOOLEAN" => BrokerConfigType::Boolean,
            "STRING" => BrokerConfigType::String,
            "INT" => BrokerConfigType::Int,
            "SHORT" => BrokerConfigType::Short,
            "LONG" => BrokerConfigType::Long,
            "DOUBLE" => BrokerConfigType::Double,
            "LIST" => BrokerConfigType::List,
            "CLASS" => BrokerConfigType::Class,
            "PASSWORD" => BrokerConfigType::Password,
            _ => return None,
        })
    }

    /// Kafka's name of the type (`INT`, `LIST`, ...).
    pub fn name(self) -> &'static str {
        match self {
            BrokerConfigType::Boolean => "BOOLEAN",
            BrokerConfigType::String => "STRING",
            BrokerConfigType::Int => "INT",
            BrokerConfigType::Short => "SHORT",
            BrokerConfigType::Long => "LONG",
            BrokerConfigType::Double => "DOUBLE",
            BrokerConfigType::List => "LIST",
            BrokerConfigType::Class => "CLASS",
            BrokerConfigType::Password => "PASSWORD",
        }
    }

    /// Kafka's `DescribeConfigsResponse.ConfigType` id.
    pub fn id(self) -> i8 {
        match self {
            BrokerConfigType::Boolean => 1,
            BrokerConfigType::String => 2,
            BrokerConfigType::Int => 3,
            BrokerConfigType::Short => 4,
            BrokerConfigType::Long => 5,
            BrokerConfigType::Double => 6,
            BrokerConfigType::List => 7,
            BrokerConfigType::Class => 8,
            BrokerConfigType::Password => 9,
        }
    }
}

/// One broker config key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfigKey {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub config_type: BrokerConfigType,
    /// Kafka's default as Kafka prints it; `None` when there is none or it is null.
    pub default: Option<String>,
    /// Whether it can be changed dynamically (`DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS`).
    pub dynamic: bool,
    /// Whether it can only be set per broker, not as a cluster-wide default.
    pub per_broker: bool,
    /// A security config that can be set dynamically only with a listener prefix.
    pub listener_only: bool,
    /// An internal key: never listed unless set.
    pub internal: bool,
    /// Defined only for dynamic updates (broker quotas), not by `KafkaConfig`.
    pub dynamic_only: bool,
    /// Kafka's documentation of the key.
    pub documentation: Option<String>,
}

impl BrokerConfigKey {
    /// Whether `KafkaConfig` lists the key among its values (`nonInternalValues`).
    pub fn listed(&self) -> bool {
        !self.internal && !self.dynamic_only
    }
}

/// Every broker config key of Kafka 4.3.1, by name.
pub fn broker_config_keys() -> &'static BTreeMap<&'static str, BrokerConfigKey> {
    static KEYS: OnceLock<BTreeMap<&'static str, BrokerConfigKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        include_str!("broker_keys.tsv")
            .lines()
            .filter_map(parse_line)
            .map(|key| (key.name, key))
            .collect()
    })
}

/// The key named exactly `name`.
pub fn broker_config_key(name: &str) -> Option<&'static BrokerConfigKey> {
    broker_config_keys().get(name)
}

/// One line of the table: name, type, default, flags, documentation.
fn parse_line(line: &'static str) -> Option<BrokerConfigKey> {
    let mut fields = line.split('\t');
    let name = fields.next()?;
    let config_type = BrokerConfigType::from_name(fields.next()?)?;
    let default = unescape(fields.next()?);
    let flags = fields.next()?;
    let documentation = unescape(fields.next().unwrap_or("\\N"));
    Some(BrokerConfigKey {
        name,
        config_type,
        default,
        dynamic: flags.contains('d'),
        per_broker: flags.contains('p'),
        listener_only: flags.contains('s'),
        internal: flags.contains('i'),
        dynamic_only: flags.contains('o'),
        documentation,
    })
}

/// Undoes the table's escapes (`\t`, `\n`, `\r`, `\\`); `\N` is null.
fn unescape(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    let mut text = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => text.push('\t'),
            Some('n') => text.push('\n'),
            Some('r') => text.push('\r'),
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
    }
    Some(text)
}

/// Keys of `listener.name.<listener>.<key>` for SASL mechanisms, whose base is the last
/// part (`listener.name.<listener>.<mechanism>.<key>`).
const LISTENER_MECHANISM_CONFIGS: [&str; 5] = [
    "sasl.jaas.config",
    "sasl.login.callback.handler.class",
    "sasl.login.class",
    "sasl.server.callback.handler.class",
    "connections.max.reauth.ms",
];

/// Listener configs that may be set per listener at the cluster-wide default.
const CLUSTER_LEVEL_LISTENER_CONFIGS: [&str; 3] = [
    "max.connections",
    "max.connection.creation.rate",
    "num.network.threads",
];

/// The base key of a listener override `listener.name.<listener>.<key>`.
fn listener_base(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("listener.name.")?;
    let (listener, base) = rest.split_once('.')?;
    (!listener.contains('.')).then_some(base)
}

/// The keys that set the same thing as `name`, strongest first
/// (`DynamicBrokerConfig.brokerConfigSynonyms`): `log.roll.ms` and `log.roll.hours`, the
/// retention units, `log.flush.interval.ms` before `log.flush.scheduler.interval.ms`, and
/// (with `match_listener_override`) a listener override before its base key.
pub fn broker_config_synonyms(name: &str, match_listener_override: bool) -> Vec<String> {
    const GROUPS: [&[&str]; 3] = [
        &["log.roll.ms", "log.roll.hours"],
        &["log.roll.jitter.ms", "log.roll.jitter.hours"],
        &[
            "log.retention.ms",
            "log.retention.minutes",
            "log.retention.hours",
        ],
    ];
    let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
    if let Some(group) = GROUPS.iter().find(|group| group.contains(&name)) {
        return owned(group);
    }
    if name == "log.flush.interval.ms" {
        return owned(&["log.flush.interval.ms", "log.flush.scheduler.interval.ms"]);
    }
    if match_listener_override {
        if let Some(base) = listener_base(name) {
            let base = LISTENER_MECHANISM_CONFIGS
                .iter()
                .find(|m| base.ends_with(*m))
                .copied()
                .unwrap_or(base);
            return vec![name.to_owned(), base.to_owned()];
        }
    }
    vec![name.to_owned()]
}

/// The type of `name` (`KafkaConfig.configType`): its own, else that of its first synonym
/// that has one (a listener override takes its base key's type).
pub fn broker_config_type(name: &str) -> Option<BrokerConfigType> {
    if let Some(key) = broker_config_key(name) {
        return Some(key.config_type);
    }
    broker_config_synonyms(name, true)
        .iter()
        .find_map(|synonym| broker_config_key(synonym).map(|k| k.config_type))
}

/// `value` parsed as `config_type` and printed back as Kafka prints it (`ConfigDef.parseType`
/// then `convertToString`); `None` if it does not parse.
pub fn normalize_value(config_type: BrokerConfigType, value: &str) -> Option<String> {
    let trimmed = value.trim();
    match config_type {
        BrokerConfigType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Some("true".to_owned()),
            "false" => Some("false".to_owned()),
            _ => None,
        },
        BrokerConfigType::Int => trimmed.parse::<i32>().ok().map(|n| n.to_string()),
        BrokerConfigType::Short => trimmed.parse::<i16>().ok().map(|n| n.to_string()),
        BrokerConfigType::Long => trimmed.parse::<i64>().ok().map(|n| n.to_string()),
        BrokerConfigType::Double => trimmed.parse::<f64>().ok().map(java_double),
        BrokerConfigType::List if trimmed.is_empty() => Some(String::new()),
        BrokerConfigType::List => {
            let items: Vec<&str> = trimmed.split(',').map(str::trim).collect();
            (!items.iter().any(|i| i.is_empty())).then(|| items.join(","))
        }
        BrokerConfigType::String | BrokerConfigType::Class | BrokerConfigType::Password => {
            Some(trimmed.to_owned())
        }
    }
}

/// A double as Java's `Double.toString` prints it: plain between 10^-3 and 10^7 (with at
/// least one decimal), else `d.dddE±n`.
fn java_double(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_owned()
        } else if value > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    let magnitude = value.abs();
    if value == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let text = format!("{value:?}");
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

/// Whether a dynamic `value` of `name` has the right type (`DynamicBrokerConfig
/// .validateConfigTypes`: a listener override is checked as its base key).
fn valid_dynamic_value(name: &str, value: &str) -> bool {
    let base = listener_base(name).unwrap_or(name);
    match broker_config_key(base) {
        Some(key) if key.dynamic => normalize_value(key.config_type, value).is_some(),
        _ => true,
    }
}

/// The dynamic configs of a resource that a node applies (`fromPersistentProps`): values
/// of the wrong type, non-dynamic keys and security keys without a listener prefix are
/// dropped, and at the cluster-wide default (`per_broker` false) so are per-broker keys.
pub fn applied_dynamic_configs(
    configs: &BTreeMap<String, String>,
    per_broker: bool,
) -> BTreeMap<String, String> {
    configs
        .iter()
        .filter(|(name, value)| valid_dynamic_value(name, value))
        .filter(|(name, _)| {
            let key = broker_config_key(name);
            let non_dynamic = key.is_some_and(|k| !k.dynamic && !k.dynamic_only);
            let listener_only = key.is_some_and(|k| k.listener_only);
            !non_dynamic && !listener_only && (per_broker || !is_per_broker_config(name))
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Whether `name` can only be set per broker (`DynamicBrokerConfig.perBrokerConfigs`):
/// a per-broker key, or a listener override of anything but the cluster-level listener
/// configs.
pub fn is_per_broker_config(name: &str) -> bool {
    if broker_config_key(name).is_some_and(|k| k.per_broker) {
        return true;
    }
    listener_base(name).is_some_and(|base| !CLUSTER_LEVEL_LISTENER_CONFIGS.contains(&base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_kafkas_keys() {
        let keys = broker_config_keys();
        assert!(keys.len() > 350, "{}", keys.len());
        let threads = broker_config_key("log.cleaner.threads").unwrap();
        assert_eq!(
            (
                threads.config_type,
                threads.default.as_deref(),
                threads.dynamic
            ),
            (BrokerConfigType::Int, Some("1"), true)
        );
        let password = broker_config_key("ssl.keystore.password").unwrap();
        assert!(password.per_broker && password.listener_only);
        assert_eq!(password.config_type, BrokerConfigType::Password);
        assert_eq!(broker_config_key("log.retention.ms").unwrap().default, None);
        assert!(broker_config_key("node.id")
            .unwrap()
            .documentation
            .is_some());
    }

    #[test]
    fn synonyms_are_kafkas() {
        assert_eq!(
            broker_config_synonyms("log.retention.hours", true),
            [
                "log.retention.ms",
                "log.retention.minutes",
                "log.retention.hours"
            ]
        );
        assert_eq!(
            broker_config_synonyms("listener.name.a.ssl.keystore.location", true),
            [
                "listener.name.a.ssl.keystore.location",
                "ssl.keystore.location"
            ]
        );
        assert_eq!(
            broker_config_synonyms("listener.name.a.plain.sasl.jaas.config", true),
            ["listener.name.a.plain.sasl.jaas.config", "sasl.jaas.config"]
        );
        assert_eq!(
            broker_config_synonyms("listener.name.a.ssl.keystore.location", false),
            ["listener.name.a.ssl.keystore.location"]
        );
        assert_eq!(
            broker_config_type("listener.name.a.ssl.key.password"),
            Some(BrokerConfigType::Password)
        );
        assert_eq!(broker_config_type("my.own.key"), None);
    }

    #[test]
    fn values_print_as_kafka_prints_them() {
        let cases = [
            (BrokerConfigType::Int, " 3 ", Some("3")),
            (BrokerConfigType::Boolean, "TRUE", Some("true")),
            (BrokerConfigType::List, "a, b ,c", Some("a,b,c")),
            (BrokerConfigType::List, "a,,b", None),
            (BrokerConfigType::Double, "0.90", Some("0.9")),
            (BrokerConfigType::Double, "2", Some("2.0")),
            (
                BrokerConfigType::Double,
                "1.7976931348623157E308",
                Some("1.7976931348623157E308"),
            ),
            (BrokerConfigType::Long, "x", None),
        ];
        for (config_type, raw, expected) in cases {
            assert_eq!(
                normalize_value(config_type, raw).as_deref(),
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn a_node_applies_only_dynamic_configs_of_the_right_type() {
        let configs: BTreeMap<String, String> = [
            ("log.cleaner.threads", "2"),
            ("background.threads", "abc"),
            ("log.retention.minutes", "5"),
            ("ssl.keystore.location", "/a"),
            ("listener.name.c.ssl.keystore.location", "/b"),
            ("listener.name.c.num.network.threads", "4"),
            ("my.own.key", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let names = |per_broker| {
            applied_dynamic_configs(&configs, per_broker)
                .into_keys()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(true),
            [
                "listener.name.c.num.network.threads",
                "listener.name.c.ssl.keystore.location",
                "log.cleaner.threads",
                "my.own.key"
            ]
        );
        assert_eq!(
            names(false),
            [
                "listener.name.c.num.network.threads",
                "log.cleaner.threads",
                "my.own.key"
            ]
        );
    }
}
