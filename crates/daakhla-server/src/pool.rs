//! Connections handed to one request at a time, so requests run side by side: each backend
//! handle (a log or records connection) is opened when first needed, up to a limit, and
//! taken back when its request is done.

use crate::ServerError;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

type Open<T> = Box<dyn Fn() -> Result<T, ServerError> + Send + Sync>;

pub(crate) struct Pool<T> {
    state: Mutex<State<T>>,
    freed: Condvar,
    open: Open<T>,
    max: usize,
}

struct State<T> {
    idle: Vec<T>,
    /// Handles open, idle or taken.
    open: usize,
}

impl<T> Pool<T> {
    /// A pool of at most `max` handles made by `open`; `first` is kept as the first.
    pub(crate) fn new(first: T, max: usize, open: Open<T>) -> Pool<T> {
        Pool {
            state: Mutex::new(State {
                idle: vec![first],
                open: 1,
            }),
            freed: Condvar::new(),
            open,
            max: max.max(1),
        }
    }

    /// An idle handle, a new one if fewer than `max` are open, else the next one freed.
    pub(crate) fn take(&self) -> Result<Pooled<'_, T>, ServerError> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    item: Some(item),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match (self.open)() {
                    Ok(item) => Ok(Pooled {
                        pool: self,
                        item: Some(item),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    // The lock is held only to move handles in and out, never across a request, so a panic
    // in a request cannot poison it; if one ever did, the list itself is still whole.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A handle taken from a pool; it goes back when dropped. One dropped by a request that
/// panicked is closed instead, as it may be in any state, and a new one is opened later.
pub(crate) struct Pooled<'a, T> {
    pool: &'a Pool<T>,
    item: Option<T>,
}

impl<T> std::ops::Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item.as_ref().expect("held until dropped")
    }
}

impl<T> std::ops::DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("held until dropped")
    }
}

impl<T> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        let Some(item) = self.item.take() else { return };
        let mut state = self.pool.lock();
        if std::thread::panicking() {
            state.open -= 1;
            drop(state);
            drop(item);
        } else {
            state.idle.push(item);
            drop(state);
        }
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting(max: usize) -> (Pool<usize>, Arc<AtomicUsize>) {
        let opened = Arc::new(AtomicUsize::new(1));
        let count = opened.clone();
        let pool = Pool::new(
            0,
            max,
            Box::new(move || Ok(count.fetch_add(1, Ordering::SeqCst))),
        );
        (pool, opened)
    }

    #[test]
    fn handles_are_reused_and_opened_only_when_all_are_taken() {
        let (pool, opened) = counting(3);
        drop(pool.take().unwrap());
        drop(pool.take().unwrap());
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        let a = pool.take().unwrap();
        let b = pool.take().unwrap();
        assert_ne!(*a, *b);
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_request_waits_for_a_handle_when_all_are_taken() {
        let (pool, opened) = counting(1);
        let pool = Arc::new(pool);
        let held = pool.take().unwrap();
        let waiter = {
            let pool = pool.clone();
            std::thread::spawn(move || *pool.take().unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "took a handle beyond the limit");
        drop(held);
        assert_eq!(waiter.join().unwrap(), 0);
        assert_eq!(opened.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_handle_a_panicking_request_held_is_replaced_not_reused() {
        let (pool, opened) = counting(1);
        let pool = Arc::new(pool);
        let panicking = pool.clone();
        let _ = std::thread::spawn(move || {
            let _held = panicking.take().unwrap();
            panic!("a request failed");
        })
        .join();
        assert_eq!(*pool.take().unwrap(), 1);
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }
}
