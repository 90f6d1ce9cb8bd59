//! What the session-start hook reads: host stdin and the package's precomputed context.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright_model::context::{self, Context};
use skillwright_runtime::hook;

fuzz_target!(|data: &[u8]| {
    let _ = hook::HostInput::parse(data);
    if let Ok(ctx) = serde_json::from_slice::<Context>(data) {
        let text = ctx.render(Some("hooks/run"), &["a note".to_string()]);
        assert!(text.len() <= context::MAX_CONTEXT, "context over budget: {}", text.len());
        for t in skillwright_build::target::builtin().unwrap().values() {
            let payload = context::payload(&t.payload_shape(), &text);
            if payload.starts_with('{') {
                serde_json::from_str::<serde_json::Value>(&payload).expect("payload is JSON");
            }
        }
    }
});
