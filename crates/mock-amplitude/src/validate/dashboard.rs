//! The dashboard APIs' inputs: HTTP Basic credentials and deletion requests (JSON, or a form with
//! repeated keys).

use super::form::{parse_urlencoded, FormFields};
use crate::reply::Reply;
use base64::Engine as _;
use serde_json::Value;

/// `Authorization: Basic base64(api_key:secret_key)`.
pub fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let (scheme, encoded) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

/// A request to `POST /api/2/deletions/users`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletionRequest {
    pub user_ids: Vec<String>,
    pub amplitude_ids: Vec<u64>,
    pub requester: Option<String>,
    pub ignore_invalid_ids: bool,
    pub delete_from_org: bool,
    pub include_mapped_user_ids: bool,
}

impl DeletionRequest {
    pub fn id_count(&self) -> usize {
        self.user_ids.len() + self.amplitude_ids.len()
    }
}

fn bad_request(message: &str) -> Reply {
    Reply::error(400, message)
}

/// Parses a deletion request body (JSON unless the Content-Type says urlencoded form).
pub fn parse_deletion_request(
    body: &[u8],
    is_form: bool,
    max_ids: usize,
) -> Result<DeletionRequest, Reply> {
    let request = if is_form {
        from_form(&parse_urlencoded(body))?
    } else {
        from_json(body)?
    };
    if request.id_count() == 0 {
        return Err(bad_request("Must specify user_ids or amplitude_ids"));
    }
    if request.id_count() > max_ids {
        return Err(bad_request(&format!(
            "Too many ids: at most {max_ids} per request"
        )));
    }
    Ok(request)
}

fn from_json(body: &[u8]) -> Result<DeletionRequest, Reply> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad_request("Invalid JSON request body"));
    };
    let mut request = DeletionRequest::default();
    match fields.get("user_ids") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) => {
            for id in ids {
                let id = id
                    .as_str()
                    .ok_or_else(|| bad_request("user_ids must be strings"))?;
                request.user_ids.push(id.to_owned());
            }
        }
        Some(_) => return Err(bad_request("user_ids must be an array")),
    }
    match fields.get("amplitude_ids") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) => {
            for id in ids {
                let id = match id {
                    Value::Number(number) => number.as_u64(),
                    Value::String(text) => text.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| bad_request("amplitude_ids must be integers"))?;
                request.amplitude_ids.push(id);
            }
        }
        Some(_) => return Err(bad_request("amplitude_ids must be an array")),
    }
    request.requester = fields
        .get("requester")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let flag = |name: &str| -> Result<bool, Reply> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(Value::String(text)) => {
                text_flag(text).ok_or_else(|| bad_request(&format!("{name} must be a boolean")))
            }
            Some(_) => Err(bad_request(&format!("{name} must be a boolean"))),
        }
    };
    request.ignore_invalid_ids = flag("ignore_invalid_id")? || flag("ignore_invalid_ids")?;
    request.delete_from_org = flag("delete_from_org")?;
    request.include_mapped_user_ids = flag("include_mapped_user_ids")?;
    finish(request)
}

fn from_form(fields: &FormFields) -> Result<DeletionRequest, Reply> {
    let mut request = DeletionRequest::default();
    for name in ["user_ids", "user_ids[]"] {
        request.user_ids.extend(fields.all(name).map(str::to_owned));
    }
    for name in ["amplitude_ids", "amplitude_ids[]"] {
        for id in fields.all(name) {
            let id = id
                .trim()
                .parse()
                .map_err(|_| bad_request("amplitude_ids must be integers"))?;
            request.amplitude_ids.push(id);
        }
    }
    request.requester = fields.get("requester").map(str::to_owned);
    let flag = |name: &str| -> Result<bool, Reply> {
        fields.get(name).map_or(Ok(false), |text| {
            text_flag(text).ok_or_else(|| bad_request(&format!("{name} must be a boolean")))
        })
    };
    request.ignore_invalid_ids = flag("ignore_invalid_id")? || flag("ignore_invalid_ids")?;
    request.delete_from_org = flag("delete_from_org")?;
    request.include_mapped_user_ids = flag("include_mapped_user_ids")?;
    finish(request)
}

fn finish(mut request: DeletionRequest) -> Result<DeletionRequest, Reply> {
    // Amplitude: an org-wide request forces ignore_invalid_id on.
    if request.delete_from_org {
        request.ignore_invalid_ids = true;
    }
    Ok(request)
}

fn text_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("key:se:cret")
        );
        assert_eq!(
            basic_credentials(&header),
            Some(("key".to_owned(), "se:cret".to_owned()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }

    #[test]
    fn json_deletions_accept_string_flags_and_numeric_string_ids() {
        let body = br#"{"user_ids":["u1"],"amplitude_ids":[12,"34"],"requester":"me","ignore_invalid_id":"true"}"#;
        let request = parse_deletion_request(body, false, 100);
        assert_eq!(
            request,
            Ok(DeletionRequest {
                user_ids: vec!["u1".into()],
                amplitude_ids: vec![12, 34],
                requester: Some("me".into()),
                ignore_invalid_ids: true,
                delete_from_org: false,
                include_mapped_user_ids: false,
            })
        );
    }

    #[test]
    fn form_deletions_read_repeated_keys_and_org_forces_ignore() {
        let body = b"user_ids=a&user_ids=b&amplitude_ids=7&delete_from_org=true";
        let request = parse_deletion_request(body, true, 100);
        assert_eq!(
            request.as_ref().map(|r| r.user_ids.clone()),
            Ok(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            request.as_ref().map(|r| r.amplitude_ids.clone()),
            Ok(vec![7])
        );
        assert_eq!(request.map(|r| r.ignore_invalid_ids), Ok(true));
    }

    #[test]
    fn deletion_id_count_limits() {
        assert!(parse_deletion_request(br#"{"user_ids":[]}"#, false, 100).is_err());
        assert!(parse_deletion_request(br#"{"user_ids":["a","b","c"]}"#, false, 2).is_err());
        assert!(parse_deletion_request(br#"{"user_ids":[1]}"#, false, 2).is_err());
        assert!(parse_deletion_request(b"not json", false, 2).is_err());
    }
}
