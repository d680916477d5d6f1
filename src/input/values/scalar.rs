//! Plain scalars resolved as Helm reads values (go-yaml v2, YAML 1.1): booleans, octal and
//! underscored integers, floats, null.

use super::*;

/// Resolves a plain scalar as go-yaml v2 (Helm's and kubectl's YAML 1.1 reader) does.
pub(super) fn resolve_plain(text: &str, pos: Pos) -> Result<Val, Problem> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Val::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Ok(Val::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Ok(Val::Bool(false));
        }
        _ => {}
    }
    // A number starts with a digit, a sign or a point (`.5`, `.inf`): anything else is a
    // string, told without the number parsers' copies.
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return Ok(Val::Str(text.to_string()));
    }
    if let Some(i) = resolve_int(text) {
        return i.map(Val::Int).ok_or_else(|| {
            Problem::at("", Some(pos), &format!("the integer {text} is too large"))
        });
    }
    if let Some(f) = resolve_float(text) {
        return f.map(Val::Float).ok_or_else(|| {
            Problem::at("", Some(pos), &format!("{text} (infinity or not-a-number) has no JSON form"))
        });
    }
    Ok(Val::Str(text.to_string()))
}

/// `Some(None)` means "an integer, but too large".
pub(super) fn resolve_int(text: &str) -> Option<Option<i128>> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = body.strip_prefix("0o") {
        (8, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) || digits.starts_with('_') {
        return None;
    }
    let magnitude = i128::from_str_radix(&clean, radix).ok();
    Some(magnitude.map(|m| if negative { -m } else { m }))
}

/// `Some(None)` means ".inf" or ".nan", which JSON cannot carry.
pub(super) fn resolve_float(text: &str) -> Option<Option<String>> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['-', '+']);
    if unsigned == ".inf" || unsigned == ".nan" {
        return Some(None);
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    let int_ok = digits(int_part) && !int_part.starts_with('_');
    let frac_ok = frac.is_none_or(digits);
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    let has_digits = int_part.chars().any(|c| c.is_ascii_digit())
        || frac.is_some_and(|f| f.chars().any(|c| c.is_ascii_digit()));
    if !(int_ok && frac_ok && exp_ok && has_digits && (frac.is_some() || exponent.is_some())) {
        return None;
    }
    let value: f64 = text.replace('_', "").parse().ok()?;
    Some(Some(json_float(text, value)))
}

/// The written form when it is already JSON (keeps `1.10`), else a canonical one.
pub(super) fn json_float(text: &str, value: f64) -> String {
    let t = text.replace('_', "");
    let t = t.strip_prefix('+').unwrap_or(&t);
    if serde_json::from_str::<serde_json::Number>(t).is_ok() {
        t.to_string()
    } else {
        serde_json::Number::from_f64(value).map_or_else(|| "0".into(), |n| n.to_string())
    }
}
