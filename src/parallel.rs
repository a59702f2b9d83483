//! Small helpers over scoped threads: an order-preserving parallel map
//! and stream, used to read many bundles at once, and [`each`], the pool
//! of workers that talk to a live instance.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Run `work` for `0..n` on up to `threads` threads, each index once and
/// given out in order. `work` returns false to stop giving out indices
/// (the others finish the index in hand).
pub fn each(threads: usize, n: usize, work: impl Fn(usize) -> bool + Sync) {
    let next = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if !work(i) {
                    stop.store(true, Ordering::Relaxed);
                }
            });
        }
    });
}

/// Apply `f` to every item on all available cores; results keep the input
/// order.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let n = items.len();
    let inputs: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let outputs: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let item = inputs[i]
                    .lock()
                    .expect("no panics hold it")
                    .take()
                    .expect("taken once");
                let result = f(item);
                *outputs[i].lock().expect("no panics hold it") = Some(result);
            });
        }
    });
    outputs
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("no panics hold it")
                .expect("every slot filled")
        })
        .collect()
}

/// Apply `f` to every item on all available cores, and hand the results to
/// `consume` on the calling thread, in input order, as they come: at most
/// `window` results are computed ahead of the one `consume` waits for, so
/// memory stays bounded however many items there are (a source of 10,000
/// bundles is read while the first ones are already planned).
pub fn stream<T: Send, R: Send>(
    items: Vec<T>,
    window: usize,
    f: impl Fn(T) -> R + Sync,
    mut consume: impl FnMut(R),
) {
    use std::collections::BTreeMap;
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    use std::sync::Condvar;

    let n = items.len();
    let window = window.max(1);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(n.max(1));
    if threads <= 1 {
        items.into_iter().map(f).for_each(consume);
        return;
    }
    struct State<T, R> {
        inputs: std::vec::IntoIter<T>,
        /// The index of the next input to take.
        next: usize,
        /// The index `consume` waits for.
        wanted: usize,
        done: BTreeMap<usize, std::thread::Result<R>>,
    }
    let state = Mutex::new(State {
        inputs: items.into_iter(),
        next: 0,
        wanted: 0,
        done: BTreeMap::new(),
    });
    let changed = Condvar::new();
    let lock = || {
        state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let (index, item) = {
                    let mut s = lock();
                    while s.next < n && s.next >= s.wanted + window {
                        s = changed
                            .wait(s)
                            .unwrap_or_else(|poisoned| poisoned.into_inner());
                    }
                    if s.next >= n {
                        return;
                    }
                    let index = s.next;
                    s.next += 1;
                    match s.inputs.next() {
                        Some(item) => (index, item),
                        None => return,
                    }
                };
                let result = catch_unwind(AssertUnwindSafe(|| f(item)));
                lock().done.insert(index, result);
                changed.notify_all();
            });
        }
        for index in 0..n {
            let result = {
                let mut s = lock();
                loop {
                    if let Some(result) = s.done.remove(&index) {
                        s.wanted = index + 1;
                        break result;
                    }
                    s = changed
                        .wait(s)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            };
            changed.notify_all();
            match result {
                Ok(result) => consume(result),
                Err(panic) => resume_unwind(panic),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_keeps_order_and_stays_within_the_window() {
        let consumed = AtomicUsize::new(0);
        let mut seen = Vec::new();
        stream(
            (0..500).collect(),
            8,
            |i: usize| {
                // Item i is taken only once item i - 8 is being handed
                // over (it may not be counted yet).
                assert!(i <= consumed.load(Ordering::SeqCst) + 8, "{i} ran ahead");
                i * 2
            },
            |r| {
                seen.push(r);
                consumed.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(seen, (0..500).map(|i| i * 2).collect::<Vec<_>>());
    }
}
