//! Figures of the process from Linux's `/proc`: resident memory (`/proc/self/statm` times the
//! page size), and the start time (`/proc/self/stat`'s start in clock ticks after boot, plus
//! the boot time from `/proc/stat`). The page size and the clock tick come from the auxiliary
//! vector the kernel gave the process (`/proc/self/auxv`), so no C library call is needed.
//! Elsewhere, or when a file cannot be read, a figure is `None` and is left out of a scrape.

use std::sync::OnceLock;

/// `AT_PAGESZ`: the auxiliary vector's page size entry.
const AT_PAGESZ: u64 = 6;
/// `AT_CLKTCK`: the auxiliary vector's clock ticks per second entry.
const AT_CLKTCK: u64 = 17;

/// The resident set size in bytes.
pub fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages = resident_pages(&statm)?;
    pages.checked_mul(auxv_entry(AT_PAGESZ)?)
}

/// When the process started, in seconds since the Unix epoch.
pub fn start_time_seconds() -> Option<f64> {
    static START: OnceLock<Option<f64>> = OnceLock::new();
    *START.get_or_init(|| {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks_per_second = auxv_entry(AT_CLKTCK).filter(|t| *t > 0)?;
        Some(boot_time(&boot)? as f64 + start_ticks(&stat)? as f64 / ticks_per_second as f64)
    })
}

/// The second field of `/proc/self/statm`: resident pages.
pub fn resident_pages(statm: &str) -> Option<u64> {
    statm.split_whitespace().nth(1)?.parse().ok()
}

/// Field 22 of `/proc/self/stat`, `starttime`: clock ticks from boot to the process start.
/// The command name (field 2) is in parentheses and may hold spaces and parentheses, so
/// fields are counted from the last `)`.
pub fn start_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name come field 3 (state) onwards: field 22 is the 20th.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// The `btime` line of `/proc/stat`: the boot time in seconds since the Unix epoch.
pub fn boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn auxv_entry(key: u64) -> Option<u64> {
    let auxv = std::fs::read("/proc/self/auxv").ok()?;
    auxv_value(&auxv, key)
}

/// The value of `key` in an auxiliary vector: native-endian (key, value) pairs of machine
/// words, ended by a zero key.
pub fn auxv_value(auxv: &[u8], key: u64) -> Option<u64> {
    const WORD: usize = std::mem::size_of::<usize>();
    let word = |bytes: &[u8]| -> u64 {
        let mut buf = [0u8; WORD];
        buf.copy_from_slice(bytes);
        usize::from_ne_bytes(buf) as u64
    };
    auxv.chunks_exact(2 * WORD)
        .map(|pair| (word(&pair[..WORD]), word(&pair[WORD..])))
        .take_while(|(k, _)| *k != 0)
        .find(|(k, _)| *k == key)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statm_resident_is_the_second_field() {
        assert_eq!(resident_pages("10443 2271 1542 1 0 1090 0\n"), Some(2271));
        assert_eq!(resident_pages("10443"), None);
    }

    #[test]
    fn start_ticks_count_from_after_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (we (ir) d) S 1 4242 4242 0 -1 4194560 170 0 0 0 1 0 0 0 20 0 1 0 \
                    987654 10694656 2271 18446744073709551615";
        assert_eq!(start_ticks(stat), Some(987_654));
        assert_eq!(start_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn boot_time_is_the_btime_line() {
        let stat = "cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n";
        assert_eq!(boot_time(stat), Some(1_700_000_000));
        assert_eq!(boot_time("cpu 1\n"), None);
    }

    #[test]
    fn auxv_pairs_are_read_until_the_zero_key() {
        let mut auxv = Vec::new();
        for (k, v) in [(3usize, 7usize), (6, 4096), (0, 0), (17, 100)] {
            auxv.extend_from_slice(&k.to_ne_bytes());
            auxv.extend_from_slice(&v.to_ne_bytes());
        }
        assert_eq!(auxv_value(&auxv, AT_PAGESZ), Some(4096));
        assert_eq!(auxv_value(&auxv, AT_CLKTCK), None, "past the end marker");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_resident_size_and_a_start_time() {
        let rss = resident_memory_bytes().unwrap();
        assert!(rss > 1 << 20, "{rss}");
        let start = start_time_seconds().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            start <= now + 1.0 && start > now - 86_400.0,
            "{start} vs {now}"
        );
    }
}
