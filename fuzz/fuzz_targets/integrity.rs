//! integrity.json parse, path safety and signature check on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright::integrity;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = integrity::Manifest::parse(data) {
        for path in m.files.keys() {
            let _ = integrity::safe_rel_path(path);
        }
        let _ = m.to_bytes();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let (a, b) = text.split_at(text.len() / 2);
        let _ = integrity::verify_signature(a, data, b);
    }
});
