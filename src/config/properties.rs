//! Java `.properties` files: the parser lives in yakt-log (which also writes
//! `meta.properties`), re-exported here for the configuration reader.

pub use yakt_log::properties::{Properties, PropertiesError, Property};
