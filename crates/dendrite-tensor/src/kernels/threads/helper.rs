//! The helper thread of the `threading` feature: one thread beside the caller's, which takes
//! half of a large product.
//!
//! Between jobs it spins for a while before it sleeps, the way OpenMP runtimes wait: a training
//! step hands it a product every few tens of microseconds, and waking a sleeping thread costs
//! about as much as the split saves (a pool whose workers sleep at once, as rayon's do, made
//! the 784 → 128 → 128 → 10 training step slower, 0.83 → 0.95 ms). After [`SPIN`] without work
//! it sleeps until the next job, so an idle program does not keep a core busy.

#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long the helper waits for the next job, spinning, before it sleeps.
const SPIN: Duration = Duration::from_millis(2);

/// No job; a job posted; the job done; the job panicked.
const IDLE: u8 = 0;
const POSTED: u8 = 1;
const DONE: u8 = 2;
const PANICKED: u8 = 3;

/// A job's closure, its lifetime erased: [`join`] waits for the job to end before the closure
/// goes out of scope, and only the helper thread calls it meanwhile.
struct Job(*mut (dyn FnMut() + Send));

// SAFETY: the closure is `Send`, and the pointer is used by one thread at a time (the helper,
// between `POSTED` and `DONE`).
unsafe impl Send for Job {}

struct Helper {
    thread: Thread,
    state: AtomicU8,
    sleeping: AtomicBool,
    /// Taken by the thread that posts a job, for the job's whole life: one job at a time.
    busy: AtomicBool,
    job: Mutex<Option<Job>>,
}

/// The helper, started on first use (none if the thread cannot be started).
fn helper() -> Option<&'static Helper> {
    static HELPER: OnceLock<Option<&'static Helper>> = OnceLock::new();
    *HELPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<&'static Helper>();
        let handle = std::thread::Builder::new()
            .name("dendrite-gemm".into())
            .spawn(move || {
                if let Ok(helper) = rx.recv() {
                    serve(helper);
                }
            })
            .ok()?;
        let helper: &'static Helper = Box::leak(Box::new(Helper {
            thread: handle.thread().clone(),
            state: AtomicU8::new(IDLE),
            sleeping: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            job: Mutex::new(None),
        }));
        tx.send(helper).ok()?;
        Some(helper)
    })
}

/// The helper thread's loop: wait for a job (spinning, then sleeping), run it, report.
fn serve(helper: &Helper) {
    loop {
        let mut since = Instant::now();
        let mut rounds = 0u32;
        while helper.state.load(Ordering::Acquire) != POSTED {
            std::hint::spin_loop();
            rounds = rounds.wrapping_add(1);
            if rounds.is_multiple_of(256) && since.elapsed() > SPIN {
                // Announce the sleep, then look once more: a poster that set `POSTED` before
                // seeing `sleeping` has not unparked, so this load sees its job (both sides
                // are sequentially consistent).
                helper.sleeping.store(true, Ordering::SeqCst);
                if helper.state.load(Ordering::SeqCst) != POSTED {
                    std::thread::park();
                }
                helper.sleeping.store(false, Ordering::SeqCst);
                since = Instant::now();
            }
        }
        let job = helper.job.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let outcome = match job {
            // SAFETY: the poster keeps the closure alive and untouched until it sees `DONE` or
            // `PANICKED`, which is stored only after this call returns.
            Some(Job(f)) => catch_unwind(AssertUnwindSafe(|| unsafe { (*f)() })),
            None => Ok(()),
        };
        helper.state.store(if outcome.is_ok() { DONE } else { PANICKED }, Ordering::Release);
    }
}

/// Runs `a` on the helper thread and `b` on this one, and returns when both are done. Runs
/// both here, `b` first, when there is no helper or it is busy with another caller's job. A
/// panic in either reaches the caller, once the helper is done with `a`.
pub(crate) fn join<A: FnOnce() + Send, B: FnOnce()>(a: A, b: B) {
    let Some(helper) = helper() else {
        b();
        a();
        return;
    };
    if helper.busy.swap(true, Ordering::Acquire) {
        b();
        a();
        return;
    }
    let mut a = Some(a);
    let mut call = move || {
        if let Some(a) = a.take() {
            a();
        }
    };
    let f: *mut (dyn FnMut() + Send + '_) = &mut call;
    // SAFETY: only the lifetime is changed; `Wait` below does not let this frame end before
    // the helper has finished with the closure.
    let f: *mut (dyn FnMut() + Send + 'static) = unsafe { std::mem::transmute(f) };
    *helper.job.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Job(f));
    helper.state.store(POSTED, Ordering::SeqCst);
    if helper.sleeping.load(Ordering::SeqCst) {
        helper.thread.unpark();
    }
    let wait = Wait(helper);
    b();
    drop(wait);
}

/// Waits for the posted job to end, also when `b` unwinds; then frees the helper for the next
/// job, and resumes a panic of the job.
struct Wait(&'static Helper);

impl Drop for Wait {
    fn drop(&mut self) {
        let helper = self.0;
        let mut rounds = 0u32;
        let outcome = loop {
            match helper.state.load(Ordering::Acquire) {
                DONE => break DONE,
                PANICKED => break PANICKED,
                _ => {}
            }
            rounds = rounds.wrapping_add(1);
            if rounds.is_multiple_of(1024) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        };
        helper.state.store(IDLE, Ordering::Relaxed);
        helper.busy.store(false, Ordering::Release);
        if outcome == PANICKED && !std::thread::panicking() {
            resume_unwind(Box::new("a matrix product panicked on the helper thread"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_and_the_helper_serves_again() {
        for round in 0..100 {
            let (mut left, mut right) = (0, 0);
            join(|| left = round + 1, || right = round + 2);
            assert_eq!((left, right), (round + 1, round + 2));
        }
    }

    #[test]
    fn the_helper_wakes_from_sleep() {
        let mut done = false;
        join(|| {}, || {});
        std::thread::sleep(SPIN * 3);
        join(|| done = true, || {});
        assert!(done);
    }

    #[test]
    fn a_panic_on_the_helper_reaches_the_caller_after_both_end() {
        let mut ran = false;
        let caught = catch_unwind(AssertUnwindSafe(|| join(|| panic!("helper half"), || ran = true)));
        assert!(caught.is_err());
        assert!(ran);
        // The helper still serves.
        let mut after = false;
        join(|| after = true, || {});
        assert!(after);
    }

    #[test]
    fn callers_on_several_threads_share_the_helper() {
        let sums: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4u64)
                .map(|t| {
                    s.spawn(move || {
                        let mut total = 0;
                        for i in 0..200u64 {
                            let (mut x, mut y) = (0, 0);
                            join(|| x = i * t, || y = i);
                            total += x + y;
                        }
                        total
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("no panic")).collect()
        });
        for (t, total) in sums.into_iter().enumerate() {
            assert_eq!(total, (0..200u64).map(|i| i * t as u64 + i).sum::<u64>());
        }
    }
}
