//! `yakt simulate`: a clean range of seeds passes with a summary; a planted bug fails its seed,
//! prints the command that replays it, and that command fails the same way.

use std::process::{Command, Output};

fn yakt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yakt"))
        .args(args)
        .output()
        .expect("yakt runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8")
}

#[test]
fn twenty_seeds_pass_with_a_summary() {
    let output = yakt(&["simulate", "--seeds", "20"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("20 seeds from 0: 0 failed;"),
        "no summary in: {text}"
    );
    assert!(text.contains("max time to a stable leader after healing"));
    assert!(!text.contains("FAILED"), "{text}");
}

/// The `replay:` command a failing run printed, as arguments after `yakt`.
fn replay_args(text: &str) -> Vec<String> {
    let line = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .unwrap_or_else(|| panic!("no replay command in: {text}"));
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("yakt"), "{line}");
    words.map(str::to_owned).collect()
}

/// The violation line of a failing seed.
fn failure_line(text: &str) -> &str {
    text.lines()
        .find(|line| line.contains("FAILED:"))
        .unwrap_or_else(|| panic!("no failure in: {text}"))
}

#[test]
fn a_planted_bug_fails_its_seed_and_the_printed_command_replays_it() {
    // Seed 1 (three voters, disk-backed) catches a high watermark advanced without a majority.
    let output = yakt(&[
        "simulate",
        "--seed",
        "1",
        "--planted-bug",
        "hwm-without-majority",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let failure = failure_line(&text).to_owned();
    assert!(failure.starts_with("seed 1: FAILED:"), "{failure}");
    assert!(
        failure.contains("voters hold the committed prefix")
            || failure.contains("leader completeness")
            || failure.contains("log matching"),
        "{failure}"
    );
    let args = replay_args(&text);
    assert_eq!(
        args,
        [
            "simulate",
            "--seed",
            "1",
            "--planted-bug",
            "hwm-without-majority"
        ],
        "{text}"
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let again = yakt(&args);
    let again_text = stdout(&again);
    assert_eq!(again.status.code(), Some(1), "{again_text}");
    assert_eq!(again_text, text, "the replay ran differently");
    let clean = yakt(&["simulate", "--seed", "1"]);
    assert!(clean.status.success(), "{}", stdout(&clean));
}

#[test]
fn unknown_planted_bugs_are_refused() {
    let output = yakt(&["simulate", "--seed", "1", "--planted-bug", "no-such-bug"]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("hwm-without-majority"), "{error}");
}
