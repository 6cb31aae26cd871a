//! Kafka's inline JAAS syntax (`sasl.jaas.config`), as `org.apache.kafka.common.security.JaasConfig`
//! reads it: `<LoginModule class> <flag> [<option>=<value>]... ;`.
//!
//! The tokens are those of Java's `StreamTokenizer` as Kafka sets it up: words of letters,
//! digits, `.`, `-`, `_` and `$`; values quoted with `"` or `'` (backslash escapes); `//` and
//! `/* */` comments; a value that is a bare number is not a value. A Kafka config property holds
//! exactly one login module. Option values are secrets (passwords), so nothing here prints them.

use std::collections::BTreeMap;
use std::fmt;

/// A login module's control flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlFlag {
    /// `required`.
    Required,
    /// `requisite`.
    Requisite,
    /// `sufficient`.
    Sufficient,
    /// `optional`.
    Optional,
}

/// One login module entry.
#[derive(Clone, PartialEq, Eq)]
pub struct JaasEntry {
    /// The login module's class, e.g. `org.apache.kafka.common.security.plain.PlainLoginModule`.
    pub login_module: String,
    /// Its control flag.
    pub flag: ControlFlag,
    /// Its options (`username`, `password`, `user_<name>`, ...).
    pub options: BTreeMap<String, String>,
}

impl fmt::Debug for JaasEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JaasEntry")
            .field("login_module", &self.login_module)
            .field("flag", &self.flag)
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl JaasEntry {
    /// The simple class name of the login module (`PlainLoginModule`).
    pub fn module_simple_name(&self) -> &str {
        self.login_module
            .rsplit('.')
            .next()
            .unwrap_or(&self.login_module)
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Number,
    Char(char),
}

/// Parses a `sasl.jaas.config` value: exactly one login module. The error is Kafka's message.
pub fn parse_single(text: &str) -> Result<JaasEntry, String> {
    let mut entries = parse(text)?;
    if entries.len() != 1 {
        return Err(format!(
            "JAAS config property contains {} login modules, should be 1 module",
            entries.len()
        ));
    }
    Ok(entries.remove(0))
}

/// Parses every login module entry of a JAAS config text.
pub fn parse(text: &str) -> Result<Vec<JaasEntry>, String> {
    let tokens = tokenize(text)?;
    let mut tokens = tokens.into_iter().peekable();
    let mut entries = Vec::new();
    while let Some(first) = tokens.next() {
        let login_module = match first {
            Token::Word(word) | Token::Quoted(word) => word,
            _ => return Err("Login module not specified in JAAS config".into()),
        };
        let flag = match tokens.next() {
            None => return Err("Login module control flag not specified in JAAS config".into()),
            Some(Token::Word(flag)) => control_flag(&flag)?,
            Some(_) => return Err("Invalid login module control flag in JAAS config".into()),
        };
        let mut options = BTreeMap::new();
        loop {
            let key = match tokens.next() {
                None => return Err("JAAS config entry not terminated by semi-colon".into()),
                Some(Token::Char(';')) => break,
                Some(Token::Word(key)) | Some(Token::Quoted(key)) => key,
                Some(_) => return Err("Expected an option name in JAAS config".into()),
            };
            let value = match (tokens.next(), tokens.next()) {
                (Some(Token::Char('=')), Some(Token::Word(value) | Token::Quoted(value))) => value,
                _ => {
                    return Err(format!(
                        "Value not specified for key '{key}' in JAAS config"
                    ))
                }
            };
            options.insert(key, value);
        }
        entries.push(JaasEntry {
            login_module,
            flag,
            options,
        });
    }
    if entries.is_empty() {
        return Err("Login module not specified in JAAS config".into());
    }
    Ok(entries)
}

fn control_flag(flag: &str) -> Result<ControlFlag, String> {
    Ok(match flag.to_ascii_uppercase().as_str() {
        "REQUIRED" => ControlFlag::Required,
        "REQUISITE" => ControlFlag::Requisite,
        "SUFFICIENT" => ControlFlag::Sufficient,
        "OPTIONAL" => ControlFlag::Optional,
        _ => {
            return Err(format!(
                "Invalid login module control flag '{flag}' in JAAS config"
            ))
        }
    })
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '$') || (c as u32) >= 0xA0
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || (c as u32) <= 0x20 {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let (value, next) = quoted(&chars, i + 1, c);
            tokens.push(Token::Quoted(value));
            i = next;
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            // StreamTokenizer reads a token starting with a digit, '.' or '-' as a number.
            if c.is_ascii_digit() || c == '.' || c == '-' {
                tokens.push(Token::Number);
            } else {
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        } else {
            tokens.push(Token::Char(c));
            i += 1;
        }
    }
    Ok(tokens)
}

/// A quoted string from `start` (after the opening quote) to the closing quote or the end of
/// the line, with StreamTokenizer's escapes; returns it and the index after it.
fn quoted(chars: &[char], start: usize, quote: char) -> (String, usize) {
    let mut value = String::new();
    let mut i = start;
    while i < chars.len() && chars[i] != quote && chars[i] != '\n' {
        if chars[i] == '\\' && i + 1 < chars.len() {
            i += 1;
            value.push(match chars[i] {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'a' => '\u{7}',
                'v' => '\u{b}',
                other => other,
            });
        } else {
            value.push(chars[i]);
        }
        i += 1;
    }
    (value, i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_users_are_read() {
        let entry = parse_single(
            "org.apache.kafka.common.security.plain.PlainLoginModule required \
             username=\"admin\" password='admin-secret' user_admin=\"admin-secret\" \
             user_alice=\"a\\\"b\";",
        )
        .unwrap();
        assert_eq!(entry.module_simple_name(), "PlainLoginModule");
        assert_eq!(entry.flag, ControlFlag::Required);
        assert_eq!(entry.options["username"], "admin");
        assert_eq!(entry.options["password"], "admin-secret");
        assert_eq!(entry.options["user_alice"], "a\"b");
        assert!(!format!("{entry:?}").contains("admin-secret"));
    }

    #[test]
    fn unquoted_words_comments_and_flags() {
        let entry = parse_single(
            "/* c */ org.apache.kafka.common.security.scram.ScramLoginModule Optional // x\n \
             username=bob_1 tokenauth=true;",
        )
        .unwrap();
        assert_eq!(entry.flag, ControlFlag::Optional);
        assert_eq!(entry.options["username"], "bob_1");
        assert_eq!(entry.options["tokenauth"], "true");
    }

    #[test]
    fn kafkas_errors() {
        assert_eq!(
            parse_single("Module required a=\"1\"").unwrap_err(),
            "JAAS config entry not terminated by semi-colon"
        );
        assert_eq!(
            parse_single("Module").unwrap_err(),
            "Login module control flag not specified in JAAS config"
        );
        assert_eq!(
            parse_single("Module needed;").unwrap_err(),
            "Invalid login module control flag 'needed' in JAAS config"
        );
        assert_eq!(
            parse_single("Module required password=123;").unwrap_err(),
            "Value not specified for key 'password' in JAAS config"
        );
        assert_eq!(
            parse_single("A required; B required;").unwrap_err(),
            "JAAS config property contains 2 login modules, should be 1 module"
        );
        assert_eq!(
            parse_single("  ").unwrap_err(),
            "Login module not specified in JAAS config"
        );
    }
}
