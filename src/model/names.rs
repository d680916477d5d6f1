//! Kubernetes' rules for names, label keys and label values, as the API server applies them.
//! Checking here turns a rejected `kubectl apply` into a message that names the value.

/// RFC 1035 label: Service and InferenceService names.
pub fn rfc1035_label(s: &str) -> Result<(), String> {
    dns_label(s)?;
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lowercase letter (an RFC 1035 label)".into());
    }
    Ok(())
}

/// RFC 1123 label: namespaces.
pub fn dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > 63 {
        return Err(format!("is {} characters long; at most 63 are allowed", s.len()));
    }
    let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let alnum_ends = !s.starts_with('-') && !s.ends_with('-');
    if !ok_chars || !alnum_ends {
        return Err("must consist of lowercase letters, digits and '-', and start and end with a letter or digit".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: most object names.
pub fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters long".into());
    }
    for part in s.split('.') {
        dns_label(part).map_err(|_| {
            "must be lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit".to_string()
        })?;
    }
    Ok(())
}

/// Label and annotation keys: `[prefix/]name`.
pub fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        dns_subdomain(p).map_err(|e| format!("has a prefix that {e}"))?;
    }
    if name.is_empty() || name.len() > 63 || !label_chars(name) {
        return Err("must be a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS prefix and '/'".into());
    }
    Ok(())
}

/// Label values: empty, or up to 63 characters of the label alphabet.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!("is {} characters long; a label value may have at most 63", s.len()));
    }
    if !s.is_empty() && !label_chars(s) {
        return Err("a label value must be letters, digits, '-', '_' or '.', starting and ending with a letter or digit".into());
    }
    Ok(())
}

fn label_chars(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(rfc1035_label("httpbin-0").is_ok());
        assert!(rfc1035_label("0abc").is_err());
        assert!(rfc1035_label(&"a".repeat(64)).is_err());
        assert!(dns_subdomain("a.b-c").is_ok());
        assert!(qualified_name("app.kubernetes.io/version").is_ok());
        assert!(qualified_name("bad key").is_err());
        assert!(label_value("v1.10").is_ok());
        assert!(label_value("-x").is_err());
    }
}
