//! Deterministic DataLoader batching.
//!
//! async-graphql's DataLoader gathers keys for a time window and then loads
//! them. A window is a guess: on a slow or busy machine siblings register
//! their keys after it closes, a list of 500 turns into several queries, and
//! every level of nesting pays the wait. Here the loaders are built per
//! request with no window; their batch tasks are queued, not spawned, and
//! [`drive`] runs the request like a small executor: it polls the query
//! until it can make no further progress on its own (every resolver is
//! waiting on a key), and only then runs the queued batches. Each level of a
//! nested list therefore costs exactly one query per relation, whatever the
//! list's length, and no time is spent waiting.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
};

use async_graphql::Response;
use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};

/// Batch tasks waiting for the request to block.
#[derive(Clone, Default)]
pub struct BatchQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>);

impl BatchQueue {
    /// The spawner to give a DataLoader: queues its batch task.
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let q = self.0.clone();
        move |fut| {
            if let Ok(mut v) = q.lock() {
                v.push(fut);
            }
        }
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Drives `exec` (a request's execution) to its response, running the
/// loaders' queued batches whenever it can make no progress without them.
pub async fn drive<F: Future<Output = Response>>(exec: F, queue: BatchQueue) -> Response {
    Drive {
        exec: Box::pin(exec),
        queue,
        running: FuturesUnordered::new(),
    }
    .await
}

struct Drive<F> {
    exec: Pin<Box<F>>,
    queue: BatchQueue,
    running: FuturesUnordered<BoxFuture<'static, ()>>,
}

/// Wakes the task and remembers that it was woken.
struct FlagWaker {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

impl<F: Future<Output = Response>> Future for Drive<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        loop {
            let flag = Arc::new(FlagWaker {
                woken: AtomicBool::new(false),
                inner: cx.waker().clone(),
            });
            let waker = Waker::from(flag.clone());
            if let Poll::Ready(r) = this.exec.as_mut().poll(&mut Context::from_waker(&waker)) {
                return Poll::Ready(r);
            }
            if flag.woken.load(Ordering::SeqCst) {
                // The query yielded with work left: let it register all its keys first.
                continue;
            }
            this.running.extend(this.queue.take());
            let mut finished = false;
            while let Poll::Ready(Some(())) = this.running.poll_next_unpin(cx) {
                finished = true;
            }
            if !finished && !flag.woken.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
    }
}
