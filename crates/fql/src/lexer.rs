//! Character-level lexer that reproduces `@segment/fql-ts` 1.10.1 token for token.
//!
//! The reference lexer has quirks that change what a trigger means (a closing quote that is not
//! followed by a terminator also opens the next string; a short word at the very end of the input
//! is cut to its first letter; `<=` needs a terminator after it). They are reproduced on purpose,
//! so this module is written as a cursor over characters with the same look-ahead rules rather
//! than as a grammar. JavaScript counts UTF-16 code units where the reference compares lengths;
//! those places say so.

use crate::ParseError;

/// Longest word, number or string the reference accepts, in UTF-16 code units (exclusive).
const MAXIMUM_LENGTH: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Dot,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` and the negation `!`.
    Operator,
    /// `and` / `or`.
    Conditional,
    Str,
    Number,
    Null,
    BracketLeft,
    BracketRight,
    ParenLeft,
    ParenRight,
    Comma,
    /// End of input. The reference also uses it as a value ("eos") when a condition reads past
    /// the end.
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    /// The reference's token value: strings keep their quotes, numbers their lexeme.
    pub text: String,
    /// Char offset of the token's first character.
    pub at: usize,
}

impl Token {
    pub(crate) fn is_negation(&self) -> bool {
        self.kind == Kind::Operator && self.text == "!"
    }
}

fn is_terminator(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\n' | ',' | ']' | ')'))
}

fn is_word_char(c: Option<char>) -> bool {
    matches!(c, Some(c) if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\\'))
}

fn describe_char(c: Option<char>) -> String {
    match c {
        None => "end of input".to_owned(),
        Some('\r') => "carriage return".to_owned(),
        Some(c) if c.is_control() => format!("`{}`", c.escape_debug()),
        Some(c) => format!("`{c}`"),
    }
}

enum Accept {
    Matched,
    /// The input ended while comparing; the characters read stay consumed, as in the reference.
    RanOut,
    NoMatch,
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

/// Tokens of `source`, ending with an [`Kind::End`] token, with `word . word` already merged.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        at: 0,
    };
    let tokens = lexer.run()?;
    Ok(merge_dotted_words(tokens))
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn error(&self, at: usize, message: String) -> ParseError {
        ParseError {
            position: at,
            message,
        }
    }

    fn run(&mut self) -> Result<Vec<Token>, ParseError> {
        let mut tokens = Vec::new();
        loop {
            let start = self.at;
            let Some(c) = self.peek() else {
                tokens.push(token(Kind::End, "eos", start));
                return Ok(tokens);
            };
            self.at += 1;
            let punctuation = match c {
                ' ' | '\t' | '\n' => continue,
                '.' => Some(Kind::Dot),
                '[' => Some(Kind::BracketLeft),
                ']' => Some(Kind::BracketRight),
                ',' => Some(Kind::Comma),
                '(' => Some(Kind::ParenLeft),
                ')' => Some(Kind::ParenRight),
                _ => None,
            };
            if let Some(kind) = punctuation {
                tokens.push(token(kind, &c.to_string(), start));
                continue;
            }
            let next = match c {
                '!' => self.negation_or_not_equal(start)?,
                '=' => token(Kind::Operator, "=", start),
                '<' | '>' => self.comparison(c, start),
                'a' => self.keyword_or_word(c, "nd", Kind::Conditional, start)?,
                'o' => self.keyword_or_word(c, "r", Kind::Conditional, start)?,
                'n' => self.keyword_or_word(c, "ull", Kind::Null, start)?,
                c if c.is_ascii_alphabetic() || c == '\\' || c == '_' => self.word(c, start)?,
                c if c.is_ascii_digit() || c == '-' || c == '+' => self.number(c, start)?,
                '"' | '\'' => self.string(c, start)?,
                other => {
                    return Err(self.error(
                        start,
                        format!(
                            "expected a field, operator, value or `(`, found {}",
                            describe_char(Some(other))
                        ),
                    ))
                }
            };
            tokens.push(next);
        }
    }

    /// The reference's `accept`: compares up to `expected.len()` UTF-16 units, stopping early
    /// after a terminator, and keeps the match only when a terminator follows it.
    fn accept(&mut self, expected: &str) -> Accept {
        let mut end = self.at;
        let mut budget = expected.len();
        while budget > 0 {
            let Some(&c) = self.chars.get(end) else {
                self.at = end;
                return Accept::RanOut;
            };
            end += 1;
            budget = budget.saturating_sub(c.len_utf16());
            if is_terminator(Some(c)) {
                break;
            }
        }
        let read = self.chars.get(self.at..end).unwrap_or_default();
        if read.iter().copied().eq(expected.chars()) && is_terminator(self.chars.get(end).copied())
        {
            self.at = end;
            Accept::Matched
        } else {
            Accept::NoMatch
        }
    }

    fn negation_or_not_equal(&mut self, start: usize) -> Result<Token, ParseError> {
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '(' => {
                return Ok(token(Kind::Operator, "!", start))
            }
            _ => {}
        }
        match self.accept("=") {
            Accept::Matched => Ok(token(Kind::Operator, "!=", start)),
            _ => {
                let found = self.peek();
                let message = if found == Some('=') {
                    "expected a space, `,`, `)` or `]` after `!=`, found ".to_owned()
                        + &describe_char(self.chars.get(self.at + 1).copied())
                } else {
                    format!(
                        "expected `=`, a letter or `(` after `!`, found {}",
                        describe_char(found)
                    )
                };
                Err(self.error(start, message))
            }
        }
    }

    fn comparison(&mut self, c: char, start: usize) -> Token {
        match self.accept("=") {
            Accept::Matched => token(Kind::Operator, &format!("{c}="), start),
            _ => token(Kind::Operator, &c.to_string(), start),
        }
    }

    fn keyword_or_word(
        &mut self,
        first: char,
        rest: &str,
        kind: Kind,
        start: usize,
    ) -> Result<Token, ParseError> {
        match self.accept(rest) {
            Accept::Matched => Ok(token(kind, &format!("{first}{rest}"), start)),
            // The reference forgets the characters it read, so the word is its first letter.
            Accept::RanOut => Ok(token(Kind::Ident, &first.to_string(), start)),
            Accept::NoMatch => self.word(first, start),
        }
    }

    fn word(&mut self, first: char, start: usize) -> Result<Token, ParseError> {
        let mut text = String::new();
        let mut units = 0;
        let mut c = first;
        loop {
            if c == '\\' {
                let Some(escaped) = self.peek() else {
                    return Err(self.error(
                        self.at,
                        "expected a character after `\\`, found end of input".to_owned(),
                    ));
                };
                self.at += 1;
                // JavaScript takes one UTF-16 unit here; the other half of the pair then fails
                // the terminator check.
                if escaped.len_utf16() > 1 {
                    return Err(self.error(
                        self.at - 1,
                        format!(
                            "expected a space, `,`, `)`, `]`, `.`, `(`, `=` or `!` after a word, found {}",
                            describe_char(Some(escaped))
                        ),
                    ));
                }
                c = escaped;
            }
            text.push(c);
            units += c.len_utf16();
            if units >= MAXIMUM_LENGTH {
                return Err(self.error(start, format!("expected a word shorter than {MAXIMUM_LENGTH} characters, found a longer one")));
            }
            if !is_word_char(self.peek()) {
                break;
            }
            c = self.peek().unwrap_or_default();
            self.at += 1;
        }
        let next = self.peek();
        if is_terminator(next) || matches!(next, Some('.' | '(' | '=' | '!')) {
            Ok(token(Kind::Ident, &text, start))
        } else {
            Err(self.error(
                self.at,
                format!(
                    "expected a space, `,`, `)`, `]`, `.`, `(`, `=` or `!` after a word, found {}",
                    describe_char(next)
                ),
            ))
        }
    }

    fn number(&mut self, first: char, start: usize) -> Result<Token, ParseError> {
        let mut text = first.to_string();
        let mut has_point = false;
        while let Some(c @ ('0'..='9' | '.')) = self.peek() {
            self.at += 1;
            text.push(c);
            if c == '.' {
                if is_terminator(self.peek()) {
                    return Err(self.error(
                        self.at - 1,
                        format!(
                            "expected a digit after the decimal point, found {}",
                            describe_char(self.peek())
                        ),
                    ));
                }
                if has_point {
                    return Err(self.error(
                        self.at - 1,
                        "expected a number with one decimal point, found a second `.`".to_owned(),
                    ));
                }
                has_point = true;
            }
            if text.len() > MAXIMUM_LENGTH {
                return Err(self.error(start, format!("expected a number shorter than {MAXIMUM_LENGTH} characters, found a longer one")));
            }
        }
        Ok(token(Kind::Number, &text, start))
    }

    fn string(&mut self, quote: char, start: usize) -> Result<Token, ParseError> {
        let mut text = quote.to_string();
        let mut units = 0;
        loop {
            match self.peek() {
                Some(c) if c == quote => break,
                Some(c) => {
                    self.at += 1;
                    text.push(c);
                    units += c.len_utf16();
                    if units >= MAXIMUM_LENGTH {
                        return Err(self.error(start, format!("expected a string shorter than {MAXIMUM_LENGTH} characters, found a longer one")));
                    }
                }
                None => {
                    return Err(self.error(
                        start,
                        format!("expected a closing {quote}, found end of input"),
                    ))
                }
            }
        }
        // A closing quote without a terminator after it is left in place and opens the next
        // string (the reference's "quote sharing").
        let _ = self.accept(&quote.to_string());
        text.push(quote);
        Ok(token(Kind::Str, &text, start))
    }
}

fn token(kind: Kind, text: &str, at: usize) -> Token {
    Token {
        kind,
        text: text.to_owned(),
        at,
    }
}

/// `word . word` becomes one word, repeatedly, so `properties.a.b` is one token. A number after
/// the dot (`items.0`) stops the merge.
fn merge_dotted_words(tokens: Vec<Token>) -> Vec<Token> {
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut rest = tokens.into_iter().peekable();
    while let Some(current) = rest.next() {
        let joins = current.kind == Kind::Dot
            && merged.last().is_some_and(|last| last.kind == Kind::Ident)
            && rest.peek().is_some_and(|next| next.kind == Kind::Ident);
        if let (true, Some(last), Some(next)) = (joins, merged.last_mut(), rest.peek()) {
            last.text.push('.');
            last.text.push_str(&next.text);
            rest.next();
        } else {
            merged.push(current);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(source: &str) -> Vec<(Kind, String)> {
        match tokenize(source) {
            Ok(tokens) => tokens.into_iter().map(|t| (t.kind, t.text)).collect(),
            Err(e) => vec![(Kind::End, format!("error at {}: {}", e.position, e.message))],
        }
    }

    fn texts(source: &str) -> Vec<String> {
        lex(source).into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn quote_sharing_reopens_a_string_at_an_unterminated_closing_quote() {
        assert_eq!(
            texts(r#"event="A"and type="B""#),
            [r#"event"#, "=", r#""A""#, r#""and type=""#, r#""B""#, "eos"]
        );
    }

    #[test]
    fn a_short_last_word_is_cut_to_its_first_letter() {
        assert_eq!(texts("userId = nu"), ["userId", "=", "n", "eos"]);
        assert_eq!(texts("userId = ab"), ["userId", "=", "a", "eos"]);
        assert_eq!(texts("userId = nulx"), ["userId", "=", "nulx", "eos"]);
        assert_eq!(texts("x = n#"), ["x", "=", "n", "eos"]);
    }

    #[test]
    fn keywords_need_a_terminator_and_lower_case() {
        assert_eq!(
            lex("a and(b) AND null"),
            [
                (Kind::Ident, "a".to_owned()),
                (Kind::Ident, "and".to_owned()),
                (Kind::ParenLeft, "(".to_owned()),
                (Kind::Ident, "b".to_owned()),
                (Kind::ParenRight, ")".to_owned()),
                (Kind::Ident, "AND".to_owned()),
                (Kind::Null, "null".to_owned()),
                (Kind::End, "eos".to_owned()),
            ]
        );
    }

    #[test]
    fn comparison_operators_split_without_a_terminator() {
        assert_eq!(texts("x >=5"), ["x", ">", "=", "5", "eos"]);
        assert_eq!(texts("x >= 5"), ["x", ">=", "5", "eos"]);
    }

    #[test]
    fn numbers_have_no_exponent_and_one_point() {
        assert_eq!(texts("1e3"), ["1", "e3", "eos"]);
        assert_eq!(texts("- 1.5"), ["-", "1.5", "eos"]);
        assert!(texts("1.2.3")[0].starts_with("error at 3"));
        assert!(texts("x = 1.")[0].starts_with("error at 5"));
    }

    #[test]
    fn dotted_words_merge_until_a_number() {
        assert_eq!(
            texts("properties.items.0.sku"),
            ["properties.items", ".", "0.", "sku", "eos"]
        );
    }

    #[test]
    fn escapes_keep_the_next_character() {
        assert_eq!(texts(r"my\ key = 1"), ["my key", "=", "1", "eos"]);
    }

    #[test]
    fn carriage_return_is_invalid() {
        let tokens = texts("type = \"x\"\r");
        assert!(tokens[0].starts_with("error at 9"), "{tokens:?}");
        assert!(texts("type\r= 1")[0].starts_with("error at 4"));
    }
}
