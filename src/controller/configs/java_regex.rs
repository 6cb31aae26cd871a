//! Whether Java's `Pattern.compile` accepts a regular expression, which Kafka requires of each
//! client metrics `match` pattern. This checks Java's syntax (groups and their kinds, character
//! classes and ranges, escapes Java defines, quantifiers and what they may follow, counted
//! repetitions); it does not resolve `\p{...}` property names or bound look-behind lengths.

/// Whether Java compiles `pattern`.
pub fn is_valid_java_regex(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut parser = Parser {
        chars,
        at: 0,
        names: Vec::new(),
    };
    parser.alternation().is_some() && parser.at == parser.chars.len()
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    /// The named groups opened so far (`\k<name>` may name only these).
    names: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    /// `seq ('|' seq)*`, stopping before `)` or the end.
    fn alternation(&mut self) -> Option<()> {
        loop {
            self.sequence()?;
            if !self.eat('|') {
                return Some(());
            }
        }
    }

    fn sequence(&mut self) -> Option<()> {
        while let Some(c) = self.peek() {
            match c {
                '|' | ')' => return Some(()),
                '*' | '+' | '?' => return None,
                _ => {
                    self.atom()?;
                    self.quantifier()?;
                }
            }
        }
        Some(())
    }

    fn atom(&mut self) -> Option<()> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            '(' => self.group(),
            '[' => self.class(),
            '\\' => self.escape(false).map(|_| ()),
            // An empty atom: the `{` is read as a repetition of nothing.
            '{' => {
                self.at -= 1;
                Some(())
            }
            _ => Some(()),
        }
    }

    /// `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`, each maybe followed by `?` or `+`.
    fn quantifier(&mut self) -> Option<()> {
        match self.peek() {
            Some('*' | '+' | '?') => self.at += 1,
            Some('{') => {
                self.at += 1;
                let min = self.number()?;
                let max = if self.eat(',') {
                    if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        Some(self.number()?)
                    } else {
                        None
                    }
                } else {
                    Some(min)
                };
                if !self.eat('}') || max.is_some_and(|max| max < min) {
                    return None;
                }
            }
            _ => return Some(()),
        }
        if !self.eat('?') {
            self.eat('+');
        }
        Some(())
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits.parse().ok()
    }

    /// After `(`: the group's kind, its body and the closing `)`.
    fn group(&mut self) -> Option<()> {
        if self.eat('?') {
            match self.peek()? {
                ':' | '=' | '!' | '>' => self.at += 1,
                '<' => {
                    self.at += 1;
                    if !self.eat('=') && !self.eat('!') {
                        self.group_name()?;
                    }
                }
                _ => {
                    while self.peek().is_some_and(|c| "idmsuxUc-".contains(c)) {
                        self.at += 1;
                    }
                    if self.eat(')') {
                        return Some(());
                    }
                    if !self.eat(':') {
                        return None;
                    }
                }
            }
        }
        self.alternation()?;
        self.eat(')').then_some(())
    }

    fn group_name(&mut self) -> Option<()> {
        if !self.peek()?.is_ascii_alphabetic() {
            return None;
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if self.names.contains(&name) || !self.eat('>') {
            return None;
        }
        self.names.push(name);
        Some(())
    }

    /// After `[`: a class up to its `]` (a `]` first is a literal).
    fn class(&mut self) -> Option<()> {
        self.eat('^');
        let mut first = true;
        let mut previous: Option<char> = None;
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                ']' if !first => return Some(()),
                '[' => {
                    self.class()?;
                    previous = None;
                }
                '\\' => {
                    previous = self.class_escape()?;
                }
                '-' if previous.is_some() && self.peek().is_some_and(|n| n != ']' && n != '[') => {
                    let end = match self.peek()? {
                        '\\' => {
                            self.at += 1;
                            self.class_escape()?
                        }
                        other => {
                            self.at += 1;
                            Some(other)
                        }
                    };
                    if end.is_some_and(|end| Some(end) < previous) {
                        return None;
                    }
                    previous = None;
                }
                other => previous = Some(other),
            }
            first = false;
        }
    }

    /// An escape inside a class: the character it stands for, if a single one.
    fn class_escape(&mut self) -> Option<Option<char>> {
        self.escape(true)
    }

    /// After `\`: the character the escape stands for, if a single one.
    fn escape(&mut self, in_class: bool) -> Option<Option<char>> {
        let c = self.peek()?;
        let start = self.at + 1;
        self.at += 1;
        let hex = |p: &Parser, n: usize| {
            p.chars.len() >= p.at + n && p.chars[p.at..p.at + n].iter().all(char::is_ascii_hexdigit)
        };
        match c {
            '0' => {
                if !self.peek().is_some_and(|d| ('0'..='7').contains(&d)) {
                    return None;
                }
                self.at += 1;
            }
            '1'..='9' if in_class => return None,
            'x' if self.eat('{') => {
                let start = self.at;
                while self.peek().is_some_and(|d| d.is_ascii_hexdigit()) {
                    self.at += 1;
                }
                if self.at == start || !self.eat('}') {
                    return None;
                }
            }
            'x' | 'u' => {
                let n = if c == 'x' { 2 } else { 4 };
                if !hex(self, n) {
                    return None;
                }
                self.at += n;
            }
            'c' => self.at += 1,
            'k' => {
                self.braced(c)?;
                let name: String = self.chars[start + 1..self.at - 1].iter().collect();
                if !self.names.contains(&name) {
                    return None;
                }
            }
            'p' | 'P' | 'N' => self.braced(c)?,
            'Q' => self.quote(),
            'b' | 'B' | 'A' | 'G' | 'Z' | 'z' | 'R' | 'X' if in_class => return None,
            'A'
            | 'B'
            | 'D'
            | 'G'
            | 'H'
            | 'R'
            | 'S'
            | 'V'
            | 'W'
            | 'X'
            | 'Z'
            | 'a'
            | 'b'
            | 'd'
            | 'e'
            | 'f'
            | 'h'
            | 'n'
            | 'r'
            | 's'
            | 't'
            | 'v'
            | 'w'
            | 'z'
            | '1'..='9' => {}
            other if other.is_ascii_alphabetic() => return None,
            _ => {}
        }
        if self.at > self.chars.len() {
            return None;
        }
        Some(self.single_char(c, start))
    }

    /// The character an escape from `start` (after its letter) to here stands for.
    fn single_char(&self, c: char, start: usize) -> Option<char> {
        let body: String = self.chars[start..self.at].iter().collect();
        let code = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
        match c {
            'x' => code(body.trim_start_matches('{').trim_end_matches('}'), 16),
            'u' => code(&body, 16),
            '0' => code(&body, 8),
            't' => Some(9),
            'n' => Some(10),
            'f' => Some(12),
            'r' => Some(13),
            'a' => Some(7),
            'e' => Some(27),
            other if !other.is_ascii_alphanumeric() => Some(u32::from(other)),
            _ => None,
        }
        .and_then(char::from_u32)
    }

    /// `\p{..}`, `\N{..}`, `\k<..>` and `\pL`.
    fn braced(&mut self, kind: char) -> Option<()> {
        let (open, close) = if kind == 'k' { ('<', '>') } else { ('{', '}') };
        if !self.eat(open) {
            return (matches!(kind, 'p' | 'P')
                && self.peek().is_some_and(|c| c.is_ascii_alphabetic()))
            .then(|| self.at += 1);
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c != close) {
            self.at += 1;
        }
        (self.at > start && self.eat(close)).then_some(())
    }

    /// After `\Q`: literal up to `\E` or the end.
    fn quote(&mut self) {
        while self.at < self.chars.len() {
            if self.chars[self.at] == '\\' && self.chars.get(self.at + 1) == Some(&'E') {
                self.at += 2;
                return;
            }
            self.at += 1;
        }
    }
}
