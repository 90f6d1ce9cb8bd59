//! The built-in targets and templates are embedded at compile time: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../../targets");
    println!("cargo:rerun-if-changed=../../templates");
}
