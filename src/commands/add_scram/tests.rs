//! The `--add-scram` syntax, every form and every refusal with Kafka's words; the keys
//! against values computed outside yakt (Python's `hashlib.pbkdf2_hmac` and `hmac`).

use super::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse(text: &str) -> ScramArgument {
    ScramArgument::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn refused(text: &str) -> String {
    match ScramArgument::parse(text).and_then(|argument| argument.to_record(Vec::new)) {
        Ok(record) => panic!("{text} was accepted: {record:?}"),
        Err(error) => error.to_string(),
    }
}

fn no_random_salt() -> Vec<u8> {
    panic!("the salt was given")
}

#[test]
fn a_password_with_salt_and_iterations_gives_pbkdf2_keys() {
    for (mechanism, stored, server) in [
        (
            "SCRAM-SHA-256",
            "fd2898bae04a676c506015464de9fa8d27ef8446427f0dadfc7b2259156d9536",
            "4a48c801c0debe74825a82b2b74a361017286484a7c525aaf3570b2c3d10d39d",
        ),
        (
            "SCRAM-SHA-512",
            "ce088f93b6709ab9e782f80701783b7fcb6d2c16c78f381e6fbb0446a546aa31\
             902e4865a2a667f4eaf60619ebdac9078794c0bc9d94025e3998b4cf998696c5",
            "6d4c787fee199c552c5d9cabcabdd19f3ca9664843edb0793b84a2b227a700eb\
             37587df539b2c746121761aeae271bf21cc1f505f5efc7f9046748a55fafc1b1",
        ),
    ] {
        let text = format!("{mechanism}=[name=alice,password=alice-secret,salt=\"N3E=\"]");
        let record = parse(&text).to_record(no_random_salt).unwrap();
        assert_eq!(record.name, "alice");
        assert_eq!(
            record.mechanism,
            ScramHash::from_mechanism_name(mechanism)
                .unwrap()
                .mechanism_type()
        );
        assert_eq!(&record.salt[..], b"7q");
        assert_eq!(record.iterations, 4096);
        assert_eq!(hex(&record.stored_key), stored, "{mechanism}");
        assert_eq!(hex(&record.server_key), server, "{mechanism}");
    }
}

#[test]
fn a_salted_password_is_used_as_given() {
    let record =
        parse("SCRAM-SHA-512=[name=alice,iterations=8192,salt=\"N3E=\",saltedpassword=\"YCE=\"]")
            .to_record(no_random_salt)
            .unwrap();
    assert_eq!(record.mechanism, 2);
    assert_eq!(record.iterations, 8192);
    assert_eq!(&record.salt[..], b"7q");
    assert_eq!(
        hex(&record.stored_key),
        "7176a349f91eb2e11d99e95730813516f2f64573dfc25ae618acaae9a8bfd66c\
         ba1a74019002d38837e3f1bcac880015b32b23775e71a56dac1226a9a4b3b1bd"
    );
    assert_eq!(
        hex(&record.server_key),
        "4c617c0eddee5ac6585f2fbf501b7ce95b470d6bf01f1b549c263c18a1b5406e\
         a6b85f48d3c7d9dcc43472ea70459dae63a28af4835a6478b83b11c20f060c07"
    );
}

#[test]
fn without_salt_and_iterations_a_random_salt_and_4096() {
    let argument = parse("SCRAM-SHA-256=[name=alice,password=alice-secret]");
    assert_eq!(argument.salt, None);
    assert_eq!(argument.iterations, None);
    let record = argument.to_record(|| b"fixed".to_vec()).unwrap();
    assert_eq!(&record.salt[..], b"fixed");
    assert_eq!(record.iterations, DEFAULT_ITERATIONS);
    let expected = ScramHash::Sha256.credential(b"alice-secret", b"fixed", 4096);
    assert_eq!(record.stored_key, expected.stored_key);
    assert_eq!(record.server_key, expected.server_key);

    let salt = random_salt();
    assert!(!salt.is_empty() && salt.len() <= 26, "{salt:?}");
    assert!(salt.iter().all(u8::is_ascii_alphanumeric), "{salt:?}");
    let frames = scram_records(&vec!["SCRAM-SHA-256=[name=a,password=p]".to_string(); 2]).unwrap();
    assert_ne!(frames[0], frames[1], "each argument draws its own salt");
}

#[test]
fn the_syntax_as_kafka_reads_it() {
    // Surrounding blanks go; quotes around a value go; the last of a repeated key wins;
    // a trailing comma is nothing; password wins over saltedpassword.
    let argument = parse("  SCRAM-SHA-256=[name=\"bob\",password=x,password=\"p=w\",] \n");
    assert_eq!(argument.mechanism, ScramHash::Sha256);
    assert_eq!(argument.name, "bob");
    assert_eq!(argument.secret, ScramSecret::Password("p=w".into()));
    let argument = parse("SCRAM-SHA-512=[name=b,password=p,saltedpassword=YCE=,salt=N3E]");
    assert_eq!(argument.secret, ScramSecret::Password("p".into()));
    assert_eq!(argument.salt.as_deref(), Some(&b"7q"[..]));
    // A lone quote stays; an empty name is a name; iterations take a sign.
    let argument = parse("SCRAM-SHA-256=[name=,password=\",iterations=+5000]");
    assert_eq!(argument.name, "");
    assert_eq!(argument.secret, ScramSecret::Password("\"".into()));
    assert_eq!(argument.iterations, Some(5000));
}

#[test]
fn every_refusal_in_kafkas_words() {
    let cases = [
        (
            " SCRAM-SHA-256 ",
            "Failed to find equals sign in SCRAM argument 'SCRAM-SHA-256'",
        ),
        (
            "scram-sha-256=[name=a,password=b]",
            "The add-scram mechanism scram-sha-256 is not supported.",
        ),
        (
            "SCRAM-SHA-1=[name=a,password=b]",
            "The add-scram mechanism SCRAM-SHA-1 is not supported.",
        ),
        (
            "SCRAM-SHA-256=name=a,password=b]",
            "Expected configuration string to start with [",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b",
            "Expected configuration string to end with ]",
        ),
        (
            "SCRAM-SHA-256=[]",
            "No equals sign found in SCRAM component: ",
        ),
        (
            "SCRAM-SHA-256=[name=a,,password=b]",
            "No equals sign found in SCRAM component: ",
        ),
        (
            "SCRAM-SHA-256=[name=a,password]",
            "No equals sign found in SCRAM component: password",
        ),
        ("SCRAM-SHA-256=[,]", "You must supply 'name' to add-scram"),
        (
            "SCRAM-SHA-256=[password=b]",
            "You must supply 'name' to add-scram",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,salt=N3E*]",
            "Failed to decode given salt: N3E*",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,salt=QQ=]",
            "Failed to decode given salt: QQ=",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,salt=QUI==]",
            "Failed to decode given salt: QUI==",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,salt=Q]",
            "Failed to decode given salt: Q",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,iterations=4k]",
            "Failed to parse iterations count: 4k",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,iterations=]",
            "Failed to parse iterations count: ",
        ),
        (
            "SCRAM-SHA-256=[name=a,iterations=4096]",
            "You must supply one of 'password' or 'saltedpassword' to add-scram",
        ),
        (
            "SCRAM-SHA-256=[name=a,saltedpassword=YCE=]",
            "You must supply 'salt' with 'saltedpassword' to add-scram",
        ),
        (
            "SCRAM-SHA-256=[name=a,salt=N3E=,saltedpassword=YC!]",
            "Failed to decode given saltedPassword: YC!",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,zeta=1,alpha=2]",
            "Unknown SCRAM configurations: alpha, zeta",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,Name=c]",
            "Unknown SCRAM configurations: Name",
        ),
        (
            "SCRAM-SHA-256=[name=a,password=b,iterations=4095]",
            "The 'iterations' value must be >= 4096 for add-scram using SCRAM_SHA_256",
        ),
        (
            "SCRAM-SHA-512=[name=a,password=b,iterations=16385]",
            "The 'iterations' value must be <= 16384 for add-scram using SCRAM_SHA_512",
        ),
        (
            "SCRAM-SHA-512=[name=a,password=b,iterations=-1]",
            "The 'iterations' value must be >= 4096 for add-scram using SCRAM_SHA_512",
        ),
        ("SCRAM-SHA-256=[name=a,password=]", "Empty key"),
        (
            "SCRAM-SHA-256=[name=a,salt=N3E=,saltedpassword=\"\"]",
            "Empty key",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(refused(text), message, "{text}");
    }
}

#[test]
fn base64_as_javas_decoder_reads_it() {
    for (text, bytes) in [
        ("", &b""[..]),
        ("QQ==", b"A"),
        ("QQ", b"A"),
        ("QUI=", b"AB"),
        ("QUI", b"AB"),
        ("QUJD", b"ABC"),
        // Java ignores the unused low bits of the last character.
        ("QR", b"A"),
    ] {
        assert_eq!(java_base64(text).as_deref(), Some(bytes), "{text}");
    }
    for text in ["QQ=", "QQ===", "Q", "====", "QQ==QQ", "QU I=", "QQ-_"] {
        assert_eq!(java_base64(text), None, "{text}");
    }
}

#[test]
fn records_are_version_0_frames_in_argument_order_and_stop_at_the_first_refusal() {
    let arguments = vec![
        "SCRAM-SHA-256=[name=alice,password=a,salt=N3E=]".to_string(),
        "SCRAM-SHA-512=[name=bob,password=b,salt=N3E=,iterations=8192]".to_string(),
    ];
    let frames = scram_records(&arguments).unwrap();
    let decoded: Vec<(String, i8, i32)> = frames
        .iter()
        .map(|frame| match yakt_wire::decode_frame(frame).unwrap() {
            (MetadataRecord::UserScramCredential(r), 0) => (r.name, r.mechanism, r.iterations),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        decoded,
        [("alice".into(), 1, 4096), ("bob".into(), 2, 8192)]
    );
    let mixed = vec![
        "SCRAM-SHA-256=[name=a,password=b,iterations=1]".to_string(),
        "nonsense".to_string(),
    ];
    assert_eq!(
        scram_records(&mixed).unwrap_err().to_string(),
        "The 'iterations' value must be >= 4096 for add-scram using SCRAM_SHA_256"
    );
}
