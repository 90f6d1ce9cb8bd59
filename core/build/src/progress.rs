//! What a long build reports as it goes. The build crate draws nothing: the CLI turns these
//! calls into a progress bar (on a terminal only).

/// Receives a build's progress. Every method has a default that does nothing; calls may come
/// from several threads at once.
pub trait Progress: Sync {
    /// A step begins: what it does, and how many units it has (0 when that is not known).
    fn step(&self, _what: &str, _total: u64) {}
    /// `n` more units of the current step are done.
    fn advance(&self, _n: u64) {}
    /// The build is held up by something the user should hear about at once (another build
    /// writing into the same output directory).
    fn waiting(&self, _why: &str) {}
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {}
