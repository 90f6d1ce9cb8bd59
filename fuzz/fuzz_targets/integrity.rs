//! integrity.json parse, path safety and signature check on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright_model::integrity;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = integrity::Manifest::parse(data) {
        for path in m.files.keys() {
            let _ = integrity::safe_rel_path(path);
        }
        let _ = m.to_bytes();
    }
    // Arbitrary key and signature text against arbitrary bytes: rejected, never a panic.
    let mid = data.len() / 2;
    let (a, b) = (String::from_utf8_lossy(&data[..mid]), String::from_utf8_lossy(&data[mid..]));
    assert!(!integrity::verify_signature(&a, data, &b), "a forged signature verified");
});
