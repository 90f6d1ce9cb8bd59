//! napi link setup, and the target triple (the addon names the CLI beside it in the context).
fn main() {
    napi_build::setup();
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=SKILLWRIGHT_TRIPLE={target}");
}
