//! Threads: with the `threading` feature, one helper thread beside the caller's that takes half
//! of a large product, of an optimizer's update or of a gathering of batches.

#[cfg(feature = "threading")]
mod helper;

/// Runs `a` and `b` and returns when both are done: `a` on the helper thread with the
/// `threading` feature (the one that takes half of a large product), both on this thread,
/// `b` first, without it. For work that splits into two independent halves, such as the
/// gathering of an epoch's shuffled batches.
pub fn join<A: FnOnce() + Send, B: FnOnce()>(a: A, b: B) {
    #[cfg(feature = "threading")]
    helper::join(a, b);
    #[cfg(not(feature = "threading"))]
    {
        b();
        a();
    }
}
