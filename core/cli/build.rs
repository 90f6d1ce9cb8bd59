//! Records the target triple, so a build can bundle this very binary under bin/<triple>/.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=SKILLWRIGHT_TRIPLE={target}");
}
