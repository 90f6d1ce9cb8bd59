//! Rendered JSON: checked, canonicalized, and free of hard-coded versions.

/// Parses a rendered JSON file and re-serializes it (2-space indent, final newline), so every
/// JSON output is valid and uniformly formatted; also rejects a hard-coded version.
use super::Error;

pub(super) fn canonical_json(host: &str, path: &str, bytes: &[u8], version: &str) -> Result<Vec<u8>, Error> {
    let err = |message: String| Error::Output { host: host.into(), path: path.into(), message };
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if let Some(bad) = find_version(&v, version) {
        return Err(err(format!(
            "hard-codes version `{bad}`; use {{{{ version|tojson }}}} so every manifest says {version}"
        )));
    }
    let mut out = serde_json::to_vec_pretty(&v).map_err(|e| err(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

fn find_version(v: &serde_json::Value, version: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| match x {
            serde_json::Value::String(s) if k == "version" && s != version => Some(s.clone()),
            other => find_version(other, version),
        }),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find_version(x, version)),
        _ => None,
    }
}
