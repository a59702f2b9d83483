//! Marketo's spellings: times, dates, field names, base64 ids.

/// A day as Get Usage spells it ("2015-10-17").
pub fn marketo_date(secs: u64) -> String {
    marketo_time(secs)[..10].to_string()
}

/// Marketo's date-time spelling ("2015-05-21T22:45:13Z+0000").
pub fn marketo_time(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A camelCase API name for a display name ("Demographic Score" →
/// "demographicScore"), as Marketo makes for custom fields.
pub fn api_name(display: &str) -> String {
    let mut out = String::new();
    for (i, word) in display
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        "field".to_string()
    } else {
        out
    }
}

/// The SOAP name of a lead field of this REST name: a standard field's is
/// its REST name capitalised (`email` → `Email`, `firstName` →
/// `FirstName`), a custom field's (`Lead_Source__c`, `textarea_field`) is
/// the same as its REST name (Describe Lead shows both).
pub fn soap_name(rest: &str) -> String {
    if rest.contains('_') {
        return rest.to_string();
    }
    let mut chars = rest.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The data type a form gives a field of this lead data type (Get Fields
/// for Form: `text` for a string, `number` for an integer, ...).
pub fn form_data_type(lead: &str) -> &'static str {
    match lead.to_ascii_lowercase().as_str() {
        "email" => "email",
        "integer" | "score" | "float" | "number" | "percent" => "number",
        "phone" => "phone",
        "date" | "datetime" => "date",
        "boolean" => "checkbox",
        "currency" => "currency",
        "url" => "url",
        "text" => "textarea",
        _ => "text",
    }
}

/// Standard base64 (with padding), as Marketo spells the ids of dynamic
/// content (`RVMtMTY2Ng==`, "ES-1666") and of rich-text form rows.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_names() {
        assert_eq!(marketo_time(1_767_225_600), "2026-01-01T00:00:00Z+0000");
        assert_eq!(base64(b"ES-1666"), "RVMtMTY2Ng==");
        assert_eq!(
            base64(b"HtmlText_2016-05-27T14:34:24.115Z"),
            "SHRtbFRleHRfMjAxNi0wNS0yN1QxNDozNDoyNC4xMTVa"
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(soap_name("firstName"), "FirstName");
        assert_eq!(soap_name("Lead_Source__c"), "Lead_Source__c");
        assert_eq!(api_name("Demographic Score"), "demographicScore");
        assert_eq!(api_name("Email Address"), "emailAddress");
    }
}
