//! The one way den parses PEP 508 dependency specifiers and environment markers
//! ("Dependency specifiers" in the PyPA specifications): [`parse_requirement`] and
//! [`parse_marker`].
//!
//! Both hand the text to `pep508_rs` 0.9.2 (the newest release), but only after checks of den's
//! own, because that parser panics or overflows the stack on some inputs, and a panic inside
//! its marker algebra also poisons the process-wide marker interner, so every marker operation
//! after it panics as well (catching the unwind would not make the process usable again). Each
//! check below names the `pep508_rs` bug it stands in front of and the input that triggers it.
//! The checks follow `pep508_rs`'s own scanning position by position (a small recognizer of
//! the same grammar, without building anything), so they reject only texts that `pep508_rs`
//! would also reject or crash on; what they reject gets den's message instead of the parser's.
//!
//! Errors are rendered by [`Pep508ParseError`] itself, never by `Pep508Error`'s `Display`,
//! which slices its input at byte offsets that can fall inside a multi-byte character.

use std::fmt;
use std::str::FromStr;

use pep508_rs::{MarkerTree, Pep508Error, Requirement};

use crate::escape::escaped_char;

/// How deeply parentheses may nest in a marker. `pep508_rs` 0.9.2 parses markers by recursive
/// descent, three stack frames a level, so `foo; ((((...` with a few thousand `(` overflows
/// the stack and aborts the process (on a 2 MiB thread, ~500 levels in an unoptimized build).
/// Real markers nest two or three levels.
pub const MAX_MARKER_DEPTH: usize = 100;

/// How many quoted values one marker may hold. `pep508_rs` 0.9.2 turns each distinct value
/// (`extra == 'a1' and extra == 'a2' and ...`) into a variable of a decision diagram whose
/// operations recurse once per variable: a few thousand distinct values overflow the stack,
/// and parsing time and memory grow faster than quadratically (1,000 `or`-ed extras take
/// seconds and half a gigabyte). Real markers hold a few dozen values at most.
pub const MAX_MARKER_VALUES: usize = 200;

/// The largest number a marker's quoted value may contain. `pep508_rs` 0.9.2 (and
/// `pep440_rs` 0.7.3, which it calls) add one to version segments while building a marker
/// (`python_version > '3.18446744073709551615'` becomes `python_full_version >= '3.<max + 1>'`),
/// which overflows `u64`: a panic in debug builds, and a panic with the marker interner locked
/// poisons it for the rest of the process. 2^63 - 1 leaves room for those additions.
pub const MAX_MARKER_NUMBER: u64 = (1 << 63) - 1;

/// A requirement or marker den does not accept: a PEP 508 syntax error (`pep508_rs`'s message)
/// or one of den's own checks (see the module docs). Carries the text that was parsed and the
/// byte span at fault (always on character boundaries within the text).
///
/// Displays as `pep508_rs` does, on three lines: the message, the text, and `^` under the
/// span; control characters in the message and the text are escaped (see
/// [`crate::escape_controls`]), and the `^` line accounts for the escapes and for wide
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pep508ParseError {
    message: String,
    input: String,
    start: usize,
    len: usize,
}

impl Pep508ParseError {
    /// An error about `input[start..start + len]`; the span is clamped to `input` and widened
    /// to character boundaries.
    fn new(message: impl Into<String>, input: &str, start: usize, len: usize) -> Self {
        let mut start = start.min(input.len());
        while !input.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = start.saturating_add(len).min(input.len());
        while !input.is_char_boundary(end) {
            end += 1;
        }
        Self {
            message: message.into(),
            input: input.to_string(),
            start,
            len: end - start,
        }
    }

    /// `pep508_rs`'s error, its message and span taken from its public fields.
    fn from_pep508(error: Pep508Error) -> Self {
        Self::new(
            error.message.to_string(),
            &error.input,
            error.start,
            error.len,
        )
    }

    /// What is wrong, without the text and the underline (not escaped).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The text that was parsed (not escaped).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for Pep508ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::with_capacity(self.input.len());
        let (mut offset, mut underline) = (0, 0);
        for (index, c) in self.input.char_indices() {
            let shown = escaped_char(c);
            let width: usize = shown
                .chars()
                .filter_map(unicode_width::UnicodeWidthChar::width)
                .sum();
            if index < self.start {
                offset += width;
            } else if index < self.start + self.len {
                underline += width;
            }
            line.push_str(&shown);
        }
        // As pep508_rs: a span at the end of the text is one `^` past it.
        if self.start == self.input.len() {
            underline = 1;
        }
        let mut message = String::with_capacity(self.message.len());
        for c in self.message.chars() {
            message.push_str(&escaped_char(c));
        }
        write!(
            f,
            "{message}\n{line}\n{}{}",
            " ".repeat(offset),
            "^".repeat(underline)
        )
    }
}

impl std::error::Error for Pep508ParseError {}

/// Parses a PEP 508 dependency specifier: `name[extras] (versionspec | @ url) ; marker`,
/// e.g. `requests[security] >=2.8.1, ==2.8.* ; python_version < "3.9"`. URLs are kept as
/// written (`${VAR}` expanded, as `pep508_rs` does); relative paths are refused.
///
/// Errors: the syntax errors of `pep508_rs`, and den's checks in front of it (module docs):
/// a project or extra name that ends in `-`, `_` or `.` before more text, non-ASCII
/// characters in the name or where a marker expects `and`, `or` or `)`, parentheses nested
/// deeper than [`MAX_MARKER_DEPTH`], more than [`MAX_MARKER_VALUES`] quoted values in the
/// marker, a number above [`MAX_MARKER_NUMBER`] in one, `'...' ~= <string keyword>`, and
/// `${PROJECT_ROOT}` when neither that variable nor the current directory is available.
/// Never panics, never recurses without bound.
pub fn parse_requirement(text: &str) -> Result<Requirement, Pep508ParseError> {
    check_requirement(text)?;
    Requirement::from_str(text).map_err(Pep508ParseError::from_pep508)
}

/// Parses a PEP 508 environment marker (what follows `;` in a specifier), e.g.
/// `python_version < "3.9" and (sys_platform == "win32" or extra == "test")`. An empty text
/// or one of only ignored comparisons is [`MarkerTree::TRUE`], as in `pep508_rs`.
///
/// Errors: the syntax errors of `pep508_rs`, and den's marker checks in front of it (see
/// [`parse_requirement`]). Never panics.
pub fn parse_marker(text: &str) -> Result<MarkerTree, Pep508ParseError> {
    MarkerScan::new(text, 0).check()?;
    MarkerTree::from_str(text).map_err(Pep508ParseError::from_pep508)
}

/// A character cursor over `text` that moves exactly as `pep508_rs`'s `Cursor` does
/// (`char::is_whitespace` for whitespace, byte positions).
#[derive(Clone)]
struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<(usize, char)> {
        self.text[self.pos..].chars().next().map(|c| (self.pos, c))
    }

    fn peek_char(&self) -> Option<char> {
        self.peek().map(|(_, c)| c)
    }

    fn next(&mut self) -> Option<(usize, char)> {
        let (pos, c) = self.peek()?;
        self.pos += c.len_utf8();
        Some((pos, c))
    }

    fn eat_whitespace(&mut self) {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.next();
        }
    }

    /// Consumes characters while `condition` holds; returns the consumed text.
    fn take_while(&mut self, condition: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek_char().is_some_and(&condition) {
            self.next();
        }
        &self.text[start..self.pos]
    }
}

/// Whether `c` may continue a project or extra name in `pep508_rs`'s scanner.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Whether `text` needs no check after this point: `pep508_rs` stops with an ordinary error
/// before it (`false`) or gets there and goes on (`true`).
type Reached = Result<bool, Pep508ParseError>;

/// den's checks in front of `Requirement::from_str`; see the module docs. Follows
/// `parse_pep508_requirement` of `pep508_rs` 0.9.2 up to the marker, then checks the marker.
fn check_requirement(text: &str) -> Result<(), Pep508ParseError> {
    check_project_root(text)?;
    let mut scan = Scan { text, pos: 0 };
    scan.eat_whitespace();
    if !check_name(&mut scan)? {
        return Ok(());
    }
    scan.eat_whitespace();
    if scan.peek_char() == Some('[') && !check_extras(&mut scan)? {
        return Ok(());
    }
    scan.eat_whitespace();
    match scan.peek_char() {
        Some('@') => {
            scan.next();
            if !skip_url(&mut scan) {
                return Ok(());
            }
        }
        Some('(') => {
            // `parse_version_specifier_parentheses`: everything up to the first `)`.
            scan.next();
            loop {
                match scan.next() {
                    Some((_, ')')) => break,
                    Some(_) => {}
                    None => return Ok(()),
                }
            }
        }
        // `parse_version_specifier`: everything up to `;` or the end.
        Some('<' | '=' | '>' | '~' | '!') => {
            scan.take_while(|c| c != ';');
        }
        Some(';') | None => {}
        Some(_) => return Ok(()),
    }
    scan.eat_whitespace();
    if scan.peek_char() == Some(';') {
        scan.next();
        MarkerScan::new(text, scan.pos).check()?;
    }
    Ok(())
}

/// `pep508_rs` 0.9.2 bug: `expand_env_vars` (called for the URL of `name @ url` and for a
/// text that starts like a path) replaces `${PROJECT_ROOT}`, when no such environment variable
/// is set, with `std::env::current_dir().unwrap()`, which panics when the current directory
/// has been removed (and poisons the lazy value for the rest of the process).
fn check_project_root(text: &str) -> Result<(), Pep508ParseError> {
    const VARIABLE: &str = "${PROJECT_ROOT}";
    let Some(start) = text.find(VARIABLE) else {
        return Ok(());
    };
    if std::env::var("PROJECT_ROOT").is_ok() || std::env::current_dir().is_ok() {
        return Ok(());
    }
    Err(Pep508ParseError::new(
        "`${PROJECT_ROOT}` cannot be expanded: the variable is not set and the current \
         directory is not accessible",
        text,
        start,
        VARIABLE.len(),
    ))
}

/// The project name (`parse_name`).
///
/// `pep508_rs` 0.9.2 bug: a name ending in `-`, `_` or `.` followed by anything (`foo-é`,
/// `foo- >=1`, `foo_;`, `foo.[x]`) reaches `PackageName::new(..).expect(..)` and panics
/// ("`PackageName` validation should match PEP 508 parsing"); only a name ending the whole text
/// gets an error. Non-ASCII right after the name (`foo-é`, `fooé`) is reported as such: PEP 508
/// names are ASCII letters, digits, `-`, `_` and `.`.
fn check_name(scan: &mut Scan<'_>) -> Reached {
    let start = scan.pos;
    // A text that does not start with a letter or digit gets pep508_rs's own error.
    if !scan.next().is_some_and(|(_, c)| c.is_ascii_alphanumeric()) {
        return Ok(false);
    }
    let name = scan.take_while(is_name_char);
    let last = scan.pos - 1;
    let last_char = name.chars().last().unwrap_or('a');
    match scan.peek() {
        None => Ok(false),
        Some((pos, c)) if !c.is_ascii() && !c.is_whitespace() => Err(Pep508ParseError::new(
            format!(
                "Package name contains the non-ASCII character `{c}`; PEP 508 names are ASCII \
                 letters, digits, `-`, `_` and `.`"
            ),
            scan.text,
            pos,
            c.len_utf8(),
        )
        .widen_to(start)),
        Some(_) if matches!(last_char, '-' | '_' | '.') => Err(Pep508ParseError::new(
            format!("Package name must end with an alphanumeric character, not `{last_char}`"),
            scan.text,
            last,
            1,
        )),
        Some(_) => Ok(true),
    }
}

impl Pep508ParseError {
    /// The same error with its span starting at `start` instead (still ending where it did).
    fn widen_to(mut self, start: usize) -> Self {
        if start < self.start {
            self.len += self.start - start;
            self.start = start;
        }
        self
    }
}

/// The extras, `[a, b]` (`parse_extras_cursor`), from the `[`.
///
/// `pep508_rs` 0.9.2 bug: an extra ending in `-`, `_` or `.` before `,`, `]`, whitespace or
/// the end (`pkg[a-]`, `pkg[a_, b]`, `pkg[a.`) reaches `ExtraName::new(..).expect(..)` and
/// panics ("`ExtraName` validation should match PEP 508 parsing").
fn check_extras(scan: &mut Scan<'_>) -> Reached {
    scan.next();
    scan.eat_whitespace();
    let mut first = true;
    loop {
        if scan.peek_char() == Some(']') {
            scan.next();
            return Ok(true);
        }
        match (scan.peek_char(), first) {
            (Some(','), true) => return Ok(false),
            (Some(','), false) => {
                scan.next();
            }
            (Some(_), false) => return Ok(false),
            (_, true) | (None, false) => {}
        }
        scan.eat_whitespace();
        if !scan.next().is_some_and(|(_, c)| c.is_ascii_alphanumeric()) {
            return Ok(false);
        }
        let start = scan.pos - 1;
        let rest = scan.take_while(is_name_char);
        if scan
            .peek_char()
            .is_some_and(|c| c != ',' && c != ']' && !c.is_whitespace())
        {
            return Ok(false);
        }
        if let Some(last @ ('-' | '_' | '.')) = rest.chars().last() {
            return Err(Pep508ParseError::new(
                format!(
                    "Extra name `{}` must end with an alphanumeric character, not `{last}`",
                    &scan.text[start..scan.pos]
                ),
                scan.text,
                scan.pos - 1,
                1,
            ));
        }
        scan.eat_whitespace();
        first = false;
    }
}

/// The URL of `name @ url` (`parse_url`), after the `@`: up to a line break, whitespace
/// followed by `;`, `#` or the end, or `;` / `#` followed by whitespace. `false` when it is
/// empty (an error).
fn skip_url(scan: &mut Scan<'_>) -> bool {
    scan.eat_whitespace();
    let mut len = 0;
    while let Some((_, c)) = scan.next() {
        if matches!(c, '\r' | '\n') {
            break;
        }
        if c.is_whitespace() {
            let mut ahead = scan.clone();
            ahead.eat_whitespace();
            if matches!(ahead.peek_char(), None | Some(';' | '#')) {
                break;
            }
        }
        len += c.len_utf8();
        if matches!(c, ';' | '#') && scan.peek_char().is_some_and(char::is_whitespace) {
            break;
        }
    }
    len > 0
}

/// A recognizer of `pep508_rs` 0.9.2's marker grammar (`marker/parse.rs`): it moves as that
/// parser's cursor does on every text the parser accepts, and goes on (never stops early) where
/// the parser would stop with an error, so every position the parser reaches is checked.
struct MarkerScan<'a> {
    scan: Scan<'a>,
    depth: usize,
    values: usize,
}

impl<'a> MarkerScan<'a> {
    /// A recognizer for the marker that starts at byte `start` of `text`.
    fn new(text: &'a str, start: usize) -> Self {
        Self {
            scan: Scan { text, pos: start },
            depth: 0,
            values: 0,
        }
    }

    fn check(mut self) -> Result<(), Pep508ParseError> {
        self.or().map(|_| ())
    }

    fn error(&self, message: String, start: usize, len: usize) -> Pep508ParseError {
        Pep508ParseError::new(message, self.scan.text, start, len)
    }

    /// `marker_or = marker_and ('or' marker_and)*`.
    fn or(&mut self) -> Reached {
        self.connected("or", Self::and)
    }

    /// `marker_and = marker_expr ('and' marker_expr)*`.
    fn and(&mut self) -> Reached {
        self.connected("and", Self::expr)
    }

    /// `parse_marker_op`: `inner (keyword inner)*`.
    ///
    /// `pep508_rs` 0.9.2 bug: after each operand it compares the next whitespace-delimited
    /// word with `and` / `or` by slicing the text with the word's length in characters as if
    /// it were bytes, which panics inside a multi-byte character (`os_name == 'a' é`,
    /// `python_version > '3.7' x'é'`, `(os_name == 'x')é`). A word with non-ASCII there is
    /// never `and`, `or` or `)`, so the parser would fail on it anyway; it is reported here.
    fn connected(&mut self, keyword: &str, inner: fn(&mut Self) -> Reached) -> Reached {
        if !inner(self)? {
            return Ok(false);
        }
        loop {
            self.scan.eat_whitespace();
            let start = self.scan.pos;
            let word = self.scan.text[start..]
                .split(char::is_whitespace)
                .next()
                .unwrap_or("");
            if let Some((index, c)) = word.char_indices().find(|(_, c)| !c.is_ascii()) {
                return Err(self.error(
                    format!(
                        "Unexpected character `{c}` in a marker, expected `and`, `or`, `)` or \
                         the end"
                    ),
                    start + index,
                    c.len_utf8(),
                ));
            }
            if word != keyword {
                return Ok(true);
            }
            self.scan.pos += word.len();
            if !inner(self)? {
                return Ok(false);
            }
        }
    }

    /// `marker_expr = '(' marker_or ')' | marker_var marker_op marker_var`.
    ///
    /// `pep508_rs` 0.9.2 bug: each `(` is three nested calls of its recursive descent, and
    /// nothing limits the depth, so `foo; ((((...` with thousands of `(` (also from a wheel's
    /// `Requires-Dist`) overflows the stack and aborts the process; see [`MAX_MARKER_DEPTH`].
    fn expr(&mut self) -> Reached {
        self.scan.eat_whitespace();
        let Some((open, '(')) = self.scan.peek() else {
            return self.comparison();
        };
        self.scan.next();
        self.depth += 1;
        if self.depth > MAX_MARKER_DEPTH {
            return Err(self.error(
                format!(
                    "Parentheses in the marker nest more than {MAX_MARKER_DEPTH} levels deep \
                     (den's limit)"
                ),
                open,
                1,
            ));
        }
        if !self.or()? {
            return Ok(false);
        }
        if self.scan.next().is_none_or(|(_, c)| c != ')') {
            return Ok(false);
        }
        self.depth -= 1;
        Ok(true)
    }

    /// `marker_var marker_op marker_var` (`parse_marker_key_op_value`).
    ///
    /// `pep508_rs` 0.9.2 bug: `os_name ~= 'x'` is ignored with a warning, but the reversed
    /// `'x' ~= os_name` (a quoted string, `~=`, then a string-valued keyword) reaches
    /// `unreachable!("string comparisons with ~= are ignored")` in its marker algebra, with the
    /// marker interner locked, which also poisons the interner for the rest of the process.
    fn comparison(&mut self) -> Reached {
        self.scan.eat_whitespace();
        let left_start = self.scan.pos;
        let Some(left) = self.value()? else {
            return Ok(false);
        };
        self.scan.eat_whitespace();
        let Some(operator) = self.operator() else {
            return Ok(false);
        };
        self.scan.eat_whitespace();
        let Some(right) = self.value()? else {
            return Ok(false);
        };
        if let (Side::Quoted, "~=", Side::Keyword(key)) = (left, operator, right)
            && STRING_KEYS.contains(&key)
        {
            return Err(self.error(
                format!("`~=` compares versions; it cannot compare a quoted string with `{key}`"),
                left_start,
                self.scan.pos - left_start,
            ));
        }
        Ok(true)
    }

    /// A quoted string or a keyword (`parse_marker_value`); `None` where the parser stops
    /// with an error. Whether a keyword is a known one is not checked (the parser reports an
    /// unknown one).
    fn value(&mut self) -> Result<Option<Side<'a>>, Pep508ParseError> {
        match self.scan.peek() {
            None => Ok(None),
            Some((open, quote @ ('"' | '\''))) => {
                self.scan.next();
                let value = self.scan.take_while(|c| c != quote);
                if self.scan.next().is_none() {
                    return Ok(None);
                }
                self.values += 1;
                if self.values > MAX_MARKER_VALUES {
                    return Err(self.error(
                        format!(
                            "The marker has more than {MAX_MARKER_VALUES} quoted values (den's \
                             limit)"
                        ),
                        open,
                        value.len() + 2,
                    ));
                }
                self.check_numbers(value, open + 1)?;
                Ok(Some(Side::Quoted))
            }
            Some(_) => Ok(Some(Side::Keyword(self.scan.take_while(|c| {
                !c.is_whitespace() && !matches!(c, '>' | '=' | '<' | '!' | '~' | ')')
            })))),
        }
    }

    /// Every run of ASCII digits in the quoted `value` (at byte `at`) is at most
    /// [`MAX_MARKER_NUMBER`]; see there for the `pep508_rs` / `pep440_rs` bug.
    fn check_numbers(&self, value: &str, at: usize) -> Result<(), Pep508ParseError> {
        let bytes = value.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            if !bytes[index].is_ascii_digit() {
                index += 1;
                continue;
            }
            let start = index;
            while index < bytes.len() && bytes[index].is_ascii_digit() {
                index += 1;
            }
            let digits = &value[start..index];
            // Leading zeros do not make a number large; 19 digits fit in a u64.
            let significant = digits.trim_start_matches('0');
            let too_large = significant.len() > 19
                || significant
                    .parse::<u64>()
                    .is_ok_and(|n| n > MAX_MARKER_NUMBER);
            if too_large {
                return Err(self.error(
                    format!(
                        "The number {digits} in a marker value is larger than \
                         {MAX_MARKER_NUMBER} (den's limit)"
                    ),
                    at + start,
                    digits.len(),
                ));
            }
        }
        Ok(())
    }

    /// A comparison operator (`parse_marker_operator`): a word (`in`, `not in`) or a run of
    /// `<=>~!`; `not in` is returned as `not in` whatever whitespace separates the words.
    /// `None` where the parser stops with an error. Whether it is a known one is not checked.
    fn operator(&mut self) -> Option<&'a str> {
        if !self.scan.peek_char().is_some_and(char::is_alphabetic) {
            return Some(
                self.scan
                    .take_while(|c| matches!(c, '<' | '=' | '>' | '~' | '!')),
            );
        }
        let word = self
            .scan
            .take_while(|c| !c.is_whitespace() && c != '\'' && c != '"');
        if word != "not" {
            return Some(word);
        }
        if !self.scan.next().is_some_and(|(_, c)| c.is_whitespace()) {
            return None;
        }
        self.scan.eat_whitespace();
        let in_ = self.scan.next().is_some_and(|(_, c)| c == 'i')
            && self.scan.next().is_some_and(|(_, c)| c == 'n');
        in_.then_some("not in")
    }
}

/// One side of a marker comparison.
#[derive(Clone, Copy)]
enum Side<'a> {
    /// A quoted string.
    Quoted,
    /// A keyword, as written (`os_name`, `python_version`, or an unknown word).
    Keyword(&'a str),
}

/// The marker keywords whose values are strings (`MarkerValueString` of `pep508_rs` 0.9.2,
/// deprecated spellings included).
const STRING_KEYS: [&str; 14] = [
    "implementation_name",
    "os_name",
    "os.name",
    "platform_machine",
    "platform.machine",
    "platform_python_implementation",
    "platform.python_implementation",
    "python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "platform.version",
    "sys_platform",
    "sys.platform",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The error for `text`, rendered (the rendering must not panic either).
    fn rejected(text: &str) -> String {
        match parse_requirement(text) {
            Ok(requirement) => panic!("{text:?} parsed as {requirement}"),
            Err(e) => e.to_string(),
        }
    }

    /// Asserts every one of `texts` is rejected with a message starting with `prefix`.
    fn assert_rejected_with(prefix: &str, texts: &[&str]) {
        for text in texts {
            let message = rejected(text);
            assert!(message.starts_with(prefix), "{text}: {message}");
        }
    }

    #[test]
    fn name_ending_in_punctuation_before_more_text_is_an_error() {
        // pep508_rs 0.9.2 panics on each of these.
        for text in [
            "foo-é",
            "foo-é>=1",
            "foo- ",
            "foo-;",
            "foo_ >=1",
            "foo.[x]",
            "foo- @ x",
        ] {
            let message = rejected(text);
            assert!(!message.contains("panicked"), "{message}");
        }
        assert!(rejected("foo-é").starts_with("Package name contains the non-ASCII character `é`"));
        assert!(rejected("foo- >=1").starts_with(
            "Package name must end with an alphanumeric character, not `-`\nfoo- >=1\n   ^"
        ));
        // At the very end pep508_rs's own error stays.
        assert!(rejected("foo-").starts_with("Package name must end with an alphanumeric"));
    }

    #[test]
    fn non_ascii_names_extras_and_urls_are_errors() {
        assert_eq!(
            rejected("é"),
            "Expected package name starting with an alphanumeric character, found `é`\né\n^"
        );
        assert!(rejected("fooé>=1").starts_with("Package name contains the non-ASCII"));
        assert_eq!(
            rejected("pkg[é]"),
            "Expected an alphanumeric character starting the extra name, found `é`\npkg[é]\n    ^"
        );
        assert!(rejected("pkg @ é").starts_with("Not a URL (missing scheme): é\npkg @ é\n"));
        // pep508_rs 0.9.2 panics rendering this one (a one-byte span inside `é`).
        assert_eq!(
            rejected("pkg[a é"),
            "Expected either `,` (separating extras) or `]` (ending the extras section), found \
             `é`\npkg[a é\n      ^"
        );
    }

    #[test]
    fn extra_ending_in_punctuation_is_an_error() {
        // pep508_rs 0.9.2 panics on each of these.
        assert_rejected_with(
            "Extra name `",
            &["pkg[a-]", "pkg[a- ]", "pkg[a-,b]", "pkg[b, a_ ]", "pkg[a."],
        );
        assert!(rejected("pkg[a-]").starts_with(
            "Extra name `a-` must end with an alphanumeric character, not `-`\npkg[a-]\n     ^"
        ));
    }

    #[test]
    fn deep_parentheses_are_refused_with_the_limit() {
        for depth in [2_000, 20_000] {
            let text = format!("foo; {}", "(".repeat(depth));
            let message = rejected(&text);
            assert!(
                message.starts_with("Parentheses in the marker nest more than 100 levels deep")
            );
            let marker = "(".repeat(depth);
            assert!(parse_marker(&marker).is_err());
        }
        // Within the limit a nested marker still parses.
        let depth = MAX_MARKER_DEPTH;
        let text = format!(
            "foo; {}os_name == 'x'{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        assert!(parse_requirement(&text).is_ok());
        let text = format!("foo; {}os_name == 'x'", "(".repeat(depth + 1));
        assert!(rejected(&text).contains("(den's limit)"));
        // Parentheses inside quoted values do not count.
        let text = format!("foo; os_name == '{}'", "(".repeat(1_000));
        assert!(parse_requirement(&text).is_ok());
    }

    #[test]
    fn deep_parentheses_after_a_url_are_refused() {
        let text = format!("foo @ https://example.org/x.whl ; {}", "(".repeat(20_000));
        assert!(rejected(&text).starts_with("Parentheses in the marker nest"));
        let text = format!("foo (>=1) ; {}", "(".repeat(20_000));
        assert!(rejected(&text).starts_with("Parentheses in the marker nest"));
        let text = format!("foo[x] >=1, <2 ; {}", "(".repeat(20_000));
        assert!(rejected(&text).starts_with("Parentheses in the marker nest"));
    }

    #[test]
    fn non_ascii_after_a_marker_operand_is_an_error() {
        // pep508_rs 0.9.2 panics in the parser itself on each of these.
        assert_rejected_with(
            "Unexpected character `",
            &[
                "foo; python_version == '3' é",
                "foo; os_name == 'a' ééé x",
                "foo;os_name=='a'é",
                "foo; os_name == 'a'\u{301}",
                "foo; os_name == 'a' x'é'",
                "foo; os_name == 'a' 'éé'",
                "foo; ((os_name == 'x')é",
                "foo; 'x' == os_name é",
            ],
        );
        assert!(parse_marker("os_name == 'a' é").is_err());
    }

    #[test]
    fn non_ascii_inside_marker_values_still_parses() {
        for text in [
            "foo; python_version == 'é'",
            "foo; os_name == 'é'",
            "foo; extra=='é'",
            "foo; 'é' in os_name and os_name != 'ü'",
            "foo; python_version not in '3.1 é'",
        ] {
            assert!(parse_requirement(text).is_ok(), "{text}");
        }
        assert!(parse_marker("python_version == 'é'").is_ok());
        // An ordinary syntax error with non-ASCII in it renders without panicking.
        assert!(rejected("foo; os_name == \"é").starts_with("Expected '\"', found end"));
        assert!(rejected("foo; é").contains("found `é`\nfoo; é\n     ^"));
    }

    #[test]
    fn huge_numbers_in_marker_values_are_errors() {
        // pep508_rs / pep440_rs 0.9.2 / 0.7.3 overflow adding one to these (a panic in debug
        // builds, which also poisons the marker interner).
        assert_rejected_with(
            "The number ",
            &[
                "foo; python_version <= '3.18446744073709551615'",
                "foo; python_version > '3.18446744073709551615'",
                "foo; python_version ~= '3.18446744073709551615'",
                "foo; python_version in '3.18446744073709551615'",
                "foo; python_version <= '3.18446744073709551614' or python_version >= '4'",
                "foo; python_version > '3.0018446744073709551615'",
            ],
        );
        assert!(parse_requirement("foo; python_version > '3.9223372036854775807'").is_ok());
        assert!(parse_requirement("foo; python_version > '3.000000000000000000001'").is_ok());
    }

    #[test]
    fn reversed_tilde_comparison_with_a_string_key_is_an_error() {
        // pep508_rs 0.9.2 reaches `unreachable!` (and poisons its marker interner) on these.
        assert_rejected_with(
            "`~=` compares versions",
            &[
                "foo; '3.7' ~= os_name",
                "foo; (os_name == 'a' or 'x'~=sys.platform)",
            ],
        );
        assert!(parse_marker("'3.7' ~= platform_machine").is_err());
        // The forward form is ignored, as before; a version key is compared as a version.
        assert!(parse_requirement("foo; os_name ~= '3.7'").is_ok());
        assert!(parse_requirement("foo; '3.7' ~= python_version").is_ok());
    }

    #[test]
    fn too_many_marker_values_are_refused() {
        let marker = |n: usize| {
            (0..n)
                .map(|i| format!("extra == 'e{i}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        assert!(parse_marker(&marker(MAX_MARKER_VALUES)).is_ok());
        let text = format!("foo; {}", marker(5_000));
        assert!(rejected(&text).starts_with("The marker has more than 200 quoted values"));
    }

    #[test]
    fn unusual_but_valid_requirements_still_parse() {
        for text in [
            "foo",
            "  foo  ",
            "Foo.Bar_baz-1 [a, b-c] (>=1.0, <2) ; python_version >= '3.8' and (os_name == 'posix' or extra == 'x')",
            "foo\u{a0}>=1",
            "foo @ https://example.org/é/x-1.0-py3-none-any.whl ; os_name == 'a'",
            "foo @ https://example.org/a;b.whl",
            "foo @ https://example.org/x.whl#sha256=ab ; (os_name == 'a')",
            "foo[]",
            "foo; ",
            "foo; os_name not  in 'x'",
        ] {
            let ours = parse_requirement(text);
            let theirs = Requirement::<pep508_rs::VerbatimUrl>::from_str(text);
            assert_eq!(ours.ok(), theirs.ok(), "{text}");
        }
    }

    #[test]
    fn ascii_errors_render_as_pep508_rs_does() {
        for text in [
            "foo >=> 1",
            "foo; os_name == 'a' x",
            "foo; python_version",
            "foo @ ",
            "pkg[a b]",
            "foo==1; os_name =! 'x'",
            "./foo.whl",
        ] {
            let ours = parse_requirement(text).unwrap_err().to_string();
            let theirs = Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{text}");
        }
        let ours = parse_marker("os_name = 'x'").unwrap_err().to_string();
        assert_eq!(
            ours,
            MarkerTree::from_str("os_name = 'x'")
                .unwrap_err()
                .to_string()
        );
    }

    #[test]
    fn control_characters_in_errors_are_escaped() {
        let message = rejected("foo\u{1b}[31m>=1");
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(
            message.contains("foo\\u{1b}[31m>=1\n   ^^^^^^"),
            "{message}"
        );
        let message = rejected("foo\t>=>1");
        assert!(message.contains("foo\\t>=>1"), "{message}");
    }

    #[test]
    fn project_root_without_a_current_directory_is_checked() {
        // With a working current directory (the test's), `${PROJECT_ROOT}` expands as before.
        assert!(check_project_root("foo @ file://${PROJECT_ROOT}/x.whl").is_ok());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::{STRING_KEYS, parse_marker, parse_requirement};

        /// Pieces requirements are made of, and those that broke pep508_rs.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("foo".to_string()),
                Just("a-".to_string()),
                Just("_".to_string()),
                Just(".".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just(",".to_string()),
                Just("(".to_string()),
                Just(")".to_string()),
                Just(";".to_string()),
                Just("'".to_string()),
                Just("\"".to_string()),
                Just(" ".to_string()),
                Just("\t".to_string()),
                Just("@".to_string()),
                Just("#".to_string()),
                Just("é".to_string()),
                Just("😀".to_string()),
                Just("\u{301}".to_string()),
                Just(" and ".to_string()),
                Just(" or ".to_string()),
                Just("not in".to_string()),
                Just(" in ".to_string()),
                Just("==".to_string()),
                Just(">=".to_string()),
                Just("~=".to_string()),
                Just("!=".to_string()),
                Just("<".to_string()),
                Just("===".to_string()),
                Just("python_version".to_string()),
                Just("python_full_version".to_string()),
                Just("os_name".to_string()),
                Just("extra".to_string()),
                Just("3.18446744073709551615".to_string()),
                Just("1.0".to_string()),
                Just("https://example.org/x.whl".to_string()),
                Just("${PROJECT_ROOT}".to_string()),
                "[a-z0-9._-]{1,6}",
                any::<char>().prop_map(String::from),
            ]
        }

        /// Marker keywords, all of them, and two that are not.
        fn keys() -> Vec<&'static str> {
            let others = [
                "implementation_version",
                "python_full_version",
                "python_version",
                "extra",
                "nonsense",
                "",
            ];
            STRING_KEYS.iter().copied().chain(others).collect()
        }

        /// Comparison operators, valid and not.
        const OPERATORS: [&str; 13] = [
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "~=",
            "===",
            " in ",
            " not in ",
            "=",
            "<>",
            " not  in ",
        ];

        /// Quoted values: versions of every shape, names, non-ASCII, empty.
        const VALUES: [&str; 24] = [
            "3",
            "3.7",
            "3.7.1",
            "3.*",
            "3.7.*",
            "1!2.0",
            "3.7.1a1",
            "3.7.post1",
            "3.7.dev0",
            "3.7+local",
            "3.7 3.8",
            "0",
            "0.0",
            "4294967295.4294967295",
            "9223372036854775807",
            "3.9223372036854775807",
            "linux",
            "a-",
            "é",
            "",
            "3.7.1 é",
            "~",
            "(",
            "3.0.0",
        ];

        /// A marker from the grammar, nested up to `depth`.
        fn marker(depth: u32) -> impl Strategy<Value = String> {
            let quote = prop_oneof![Just('\''), Just('"')];
            let value = (proptest::sample::select(&VALUES[..]), quote)
                .prop_map(|(value, q)| format!("{q}{value}{q}"));
            let key = proptest::sample::select(keys()).prop_map(str::to_string);
            let side = prop_oneof![value, key];
            let comparison = (side.clone(), proptest::sample::select(&OPERATORS[..]), side)
                .prop_map(|(l, op, r)| format!("{l}{op}{r}"));
            comparison.prop_recursive(depth, 32, 3, |inner| {
                prop_oneof![
                    inner.clone().prop_map(|m| format!("({m})")),
                    (
                        inner.clone(),
                        prop_oneof![Just(" and "), Just(" or "), Just("and"), Just(" é ")],
                        inner
                    )
                        .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
                ]
            })
        }

        fn assert_no_panic(text: &str) {
            if let Err(e) = parse_requirement(text) {
                let _ = e.to_string();
            }
            if let Err(e) = parse_marker(text) {
                let _ = e.to_string();
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_strings_never_panic(text in any::<String>()) {
                assert_no_panic(&text);
            }

            #[test]
            fn requirement_like_strings_never_panic(
                pieces in proptest::collection::vec(piece(), 0..24)
            ) {
                assert_no_panic(&pieces.concat());
            }

            #[test]
            fn grammar_markers_never_panic(marker in marker(4)) {
                let text = format!("pkg ; {marker}");
                assert_no_panic(&text);
            }

            #[test]
            fn named_requirement_like_strings_never_panic(
                pieces in proptest::collection::vec(piece(), 0..24)
            ) {
                assert_no_panic(&format!("pkg{}", pieces.concat()));
                assert_no_panic(&format!("pkg ; {}", pieces.concat()));
            }
        }
    }
}
