//! The order in which a Java `java.util.HashMap<String, _>` yields its keys, where Kafka's
//! answer depends on it: when several keys of a GROUP or CLIENT_METRICS config change are
//! unknown, Kafka names the first one its validator's hash map iterates. A `HashMap` walks its
//! buckets in index order (`hash ^ (hash >>> 16)` masked by the table size) and each bucket in
//! insertion order (a resize keeps that order); the table size follows from how the map was
//! filled. Buckets that turn into trees (more than eight keys in one bucket) are not modelled.

/// Java's `String.hashCode` (over UTF-16 code units).
pub fn string_hash(key: &str) -> i32 {
    key.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

fn bucket(key: &str, capacity: usize) -> usize {
    let h = string_hash(key) as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// `keys` (in insertion order) as a Java `HashMap` with table size `capacity` yields them.
pub fn iteration_order(mut keys: Vec<String>, capacity: usize) -> Vec<String> {
    keys.sort_by_key(|k| bucket(k, capacity));
    keys
}

/// Java's `HashMap.tableSizeFor`: the smallest power of two at least `wanted`.
fn table_size_for(wanted: usize) -> usize {
    wanted.max(1).next_power_of_two()
}

/// The table size after growing from `capacity` to hold `size` keys (load factor 0.75).
fn grown(mut capacity: usize, size: usize) -> usize {
    while size > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The table size of `new HashMap<>()` after `size` distinct keys were put one at a time.
pub fn capacity_after_puts(size: usize) -> usize {
    grown(16, size)
}

/// The table size of `new HashMap<>()` after `putAll` of a map of `first` keys and then
/// `size` distinct keys in all (`putAll` sizes the table for its map before inserting).
pub fn capacity_after_put_all(first: usize, size: usize) -> usize {
    if first == 0 {
        return capacity_after_puts(size);
    }
    // `(int) ((float) s / 0.75f + 1.0f)`, exact for the sizes a request can carry.
    let wanted = first * 4 / 3 + 1;
    grown(table_size_for(wanted), size)
}

/// The table size of `new HashMap<>()` after `putAll` of a map of `first` keys, then `putAll`
/// of a map of `second` keys, holding `size` distinct keys in all (the second `putAll` first
/// doubles the table while `second` is over its threshold).
pub fn capacity_after_two_put_alls(first: usize, second: usize, size: usize) -> usize {
    if first == 0 {
        return capacity_after_put_all(second, size);
    }
    let mut capacity = capacity_after_put_all(first, first);
    while second > capacity / 4 * 3 {
        capacity *= 2;
    }
    grown(capacity, size)
}

/// The keys of a resource's configs after a change, in the order Kafka's
/// `ConfigurationControlManager` builds its map (`new HashMap`, `putAll` of the current
/// configs, then each changed key), and then copies it into a new map key by key
/// (`ControllerConfigurationValidator` drops null values that way). `existing` are the
/// current keys (a `TimelineHashMap`'s order is approximated by name), `added` the keys set
/// by the change that were not there, `kept` the keys that remain.
pub fn validator_order(existing: &[String], added: &[String], kept: usize) -> Vec<String> {
    let request_map = iteration_order(added.to_vec(), capacity_after_puts(added.len()));
    let mut keys: Vec<String> = existing.to_vec();
    keys.extend(request_map);
    let all = keys.len();
    let change_map = iteration_order(keys, capacity_after_put_all(existing.len(), all));
    iteration_order(change_map, capacity_after_puts(kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_javas() {
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("metrics"), 955_826_371);
        // Overflow wraps as Java's int arithmetic does.
        assert_eq!(string_hash("consumer.session.timeout.ms"), -1_952_197_469);
    }

    #[test]
    fn capacities_follow_javas_resizing() {
        assert_eq!(capacity_after_puts(12), 16);
        assert_eq!(capacity_after_puts(13), 32);
        // putAll of 11 keys sizes the table for (int) (11 / 0.75 + 1) = 15 keys.
        assert_eq!(capacity_after_put_all(11, 11), 16);
        assert_eq!(capacity_after_put_all(11, 13), 32);
        // 12 keys: (int) (12 / 0.75 + 1) = 17, a table of 32.
        assert_eq!(capacity_after_put_all(12, 12), 32);
    }
}
