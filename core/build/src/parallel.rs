//! Independent work spread over the machine's cores (one worker per core, not per item, so that
//! memory stays flat), with results back in input order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item, on up to one thread per core (the calling thread is one of them);
/// results in `items` order. Workers take the next item as they finish one, so a worker that the
/// system schedules late, or that draws the large items, does not hold the others up. A panic in
/// `f` is resumed on the caller's thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(x) = items.get(i) else { return done };
            done.push((i, f(x)));
        }
    };
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mine = work();
        let theirs = helpers.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        for (i, r) in std::iter::once(mine).chain(theirs).flatten() {
            out[i] = Some(r);
        }
    });
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order() {
        let xs: Vec<u32> = (0..101).collect();
        assert_eq!(super::map(&xs, |x| x * 2), xs.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }
}
