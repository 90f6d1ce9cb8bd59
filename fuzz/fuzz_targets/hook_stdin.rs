//! What the session-start hook reads: host stdin and the package's context index.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright::runtime::{context, hook};

fuzz_target!(|data: &[u8]| {
    let _ = hook::HostInput::parse(data);
    if let Ok(index) = serde_json::from_slice::<context::Index>(data) {
        let text = context::render(&index, Some("hooks/run"), &["a note".to_string()]);
        assert!(text.len() <= context::MAX_CONTEXT, "context over budget: {}", text.len());
        for t in skillwright::target::builtin().unwrap().values() {
            let payload = t.payload(&text);
            if payload.starts_with('{') {
                serde_json::from_str::<serde_json::Value>(&payload).expect("payload is JSON");
            }
        }
    }
});
