//! Form fields from a query string, an urlencoded body or a multipart/form-data body — the ways
//! clients send `/identify`, `/groupidentify`, `/usermap` and form-style deletion requests.

/// Decoded fields, in arrival order; a name may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFields {
    fields: Vec<(String, String)>,
}

impl FormFields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Adds the fields of `other` after these (body fields first, then the query string).
    pub fn extend(&mut self, other: FormFields) {
        self.fields.extend(other.fields);
    }

    /// Every field, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Parses `a=1&b=x%20y+z`. Malformed escapes are kept literally, as browsers do.
pub fn parse_urlencoded(input: &[u8]) -> FormFields {
    let fields = input
        .split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            (percent_decode(name), percent_decode(value))
        })
        .collect();
    FormFields { fields }
}

fn percent_decode(input: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        match byte {
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            b'%' => match tail {
                [high, low, after @ ..] => match (hex_value(*high), hex_value(*low)) {
                    (Some(high), Some(low)) => {
                        bytes.push(high << 4 | low);
                        rest = after;
                    }
                    _ => {
                        bytes.push(b'%');
                        rest = tail;
                    }
                },
                _ => {
                    bytes.push(b'%');
                    rest = tail;
                }
            },
            _ => {
                bytes.push(byte);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn multipart_boundary(content_type: &str) -> Option<&str> {
    let (kind, parameters) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parameters.split(';').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
            .filter(|boundary| !boundary.is_empty())
    })
}

/// Parses a multipart/form-data body; `None` when it is not well formed.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Option<FormFields> {
    let delimiter = format!("--{boundary}");
    let separator = format!("\r\n--{boundary}");
    let start = find(body, delimiter.as_bytes())?;
    let mut rest = body.get(start + delimiter.len()..)?;
    let mut fields = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(FormFields { fields });
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let headers_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(rest.get(..headers_end)?).ok()?;
        let content_and_rest = rest.get(headers_end + 4..)?;
        let content_end = find(content_and_rest, separator.as_bytes())?;
        let content = content_and_rest.get(..content_end)?;
        if let Some(name) = part_name(headers) {
            fields.push((name, String::from_utf8_lossy(content).into_owned()));
        }
        rest = content_and_rest.get(content_end + separator.len()..)?;
    }
}

fn part_name(headers: &str) -> Option<String> {
    let disposition = headers.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    disposition.split(';').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        (name.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_decodes_plus_percent_and_repeats() {
        let fields =
            parse_urlencoded(b"api_key=k%201&identification=%5B%7B%7D%5D&x=a+b&x=%zz&flag");
        assert_eq!(fields.get("api_key"), Some("k 1"));
        assert_eq!(fields.get("identification"), Some("[{}]"));
        assert_eq!(fields.all("x").collect::<Vec<_>>(), ["a b", "%zz"]);
        assert_eq!(fields.get("flag"), Some(""));
        assert_eq!(fields.get("missing"), None);
        assert_eq!(parse_urlencoded(b"u=%C3%A9").get("u"), Some("é"));
    }

    #[test]
    fn multipart_fields_are_read() {
        let content_type = "multipart/form-data; boundary=\"XyZ\"";
        let boundary = multipart_boundary(content_type);
        assert_eq!(boundary, Some("XyZ"));
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\nkey-1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"identification\"\r\nContent-Type: application/json\r\n\r\n{\"user_id\":\"a\r\nb\"}\r\n--XyZ--\r\n";
        let fields = parse_multipart(body, "XyZ");
        let fields = fields.unwrap_or_default();
        assert_eq!(fields.get("api_key"), Some("key-1"));
        assert_eq!(
            fields.get("identification"),
            Some("{\"user_id\":\"a\r\nb\"}")
        );
        assert_eq!(parse_multipart(b"--XyZ\r\nbroken", "XyZ"), None);
        assert_eq!(
            multipart_boundary("application/x-www-form-urlencoded"),
            None
        );
    }
}
