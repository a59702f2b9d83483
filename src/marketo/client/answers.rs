//! Reading an answer's bytes without sending anything: what every call
//! does with the bytes it gets, as functions of their own (so recorded
//! answers can be read the same way).

use std::time::Duration;

use serde_json::Value;

use super::{
    envelope_of, errors_of, not_json_detail, parse_token, ApiError, Envelope, ErrorKind,
    IDENTITY_PATH,
};

/// Read an answer's bytes as every REST call's answer is read: Marketo's
/// envelope, `success: false` as the error it carries (702, "no data",
/// as an empty result), an answer without `result` as an empty one.
pub fn read_envelope(endpoint: &str, bytes: &[u8]) -> Result<Envelope, ApiError> {
    let fail = |kind| Err(ApiError::new(endpoint, kind));
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return fail(ErrorKind::NotJson {
                detail: not_json_detail("", bytes, &e),
            })
        }
    };
    let Value::Object(mut map) = value else {
        return fail(ErrorKind::NotJson {
            detail: "the answer is JSON but not an object".into(),
        });
    };
    let success = map.get("success").and_then(Value::as_bool);
    let errors = errors_of(&map);
    if success == Some(true) || (success.is_none() && errors.is_empty()) {
        return Ok(envelope_of(&mut map));
    }
    match errors.into_iter().next() {
        Some((code, _)) if code == "702" => Ok(Envelope {
            no_data: true,
            ..Envelope::default()
        }),
        Some((code, message)) if code == "607" => fail(ErrorKind::Quota { message }),
        Some((code, message)) => fail(ErrorKind::Api { code, message }),
        None => fail(ErrorKind::Api {
            code: "?".into(),
            message: "success is false and no error is given".into(),
        }),
    }
}

/// Read the identity service's answer: the access token and how long it
/// lives (`expires_in`, seconds, a number or a string; an hour when
/// absent).
pub fn read_token(bytes: &[u8]) -> Result<(String, Duration), ApiError> {
    parse_token(IDENTITY_PATH, bytes)
}
