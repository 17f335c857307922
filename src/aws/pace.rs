//! Adaptive pacing for services that throttle hard (Organizations): awsnav's own retries with
//! exponential backoff and full jitter, and an AIMD limit on requests in flight.
//!
//! Every throttled answer halves the number of requests allowed in flight (once per "window":
//! answers to requests sent before the last cut do not cut again), every success adds
//! `1/limit`, so the limit grows by about one per round of successes, up to the configured
//! concurrency. Retries sleep without holding a slot.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{AwsError, CallCounter, ErrorContext, THROTTLING};

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included.
    pub max_attempts: u32,
    /// The first retry waits up to this long; each further retry doubles it.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The policy of an SDK config's retry settings (`AWS_MAX_ATTEMPTS` included).
    #[must_use]
    pub fn from_sdk(config: &aws_config::SdkConfig) -> Self {
        config.retry_config().map_or_else(Self::default, |r| Self {
            max_attempts: r.max_attempts().max(1),
            initial_backoff: r.initial_backoff(),
            max_backoff: r.max_backoff(),
        })
    }

    /// Full jitter: a random wait up to `initial × 2^retry`, capped at `max_backoff`.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << retry.min(20))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What the pacer learned, for logs and progress.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PaceStats {
    /// Answers that were throttling errors.
    pub throttled: u64,
    /// Retries of any kind (throttling, 5xx, timeouts, connection errors).
    pub retries: u64,
    /// Requests allowed in flight right now.
    pub limit: usize,
    /// The lowest that limit went.
    pub lowest_limit: usize,
}

#[derive(Debug)]
struct State {
    limit: f64,
    /// Permits in existence (available plus held).
    issued: usize,
    /// Bumped on every cut; a throttle of a request sent before the cut does not cut again.
    generation: u64,
    stats: PaceStats,
}

/// The shared pace of one client's requests.
#[derive(Debug)]
pub struct Pacer {
    max: usize,
    policy: RetryPolicy,
    slots: Semaphore,
    state: Mutex<State>,
}

/// How one attempt ended, as far as pacing cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Success,
    Throttled,
    Transient,
    Final,
}

impl Pacer {
    #[must_use]
    pub fn new(concurrency: usize, policy: RetryPolicy) -> Self {
        let max = concurrency.max(1);
        Self {
            max,
            policy,
            slots: Semaphore::new(max),
            state: Mutex::new(State {
                limit: f64::from(u32::try_from(max).unwrap_or(u32::MAX)),
                issued: max,
                generation: 0,
                stats: PaceStats {
                    limit: max,
                    lowest_limit: max,
                    ..PaceStats::default()
                },
            }),
        }
    }

    #[must_use]
    pub fn stats(&self) -> PaceStats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends one request (`send` builds and sends it afresh each attempt), retrying throttling
    /// and transient failures with backoff. `counter` learns about the retries so that its
    /// `calls()` stays one per request.
    ///
    /// # Errors
    /// The classified error of the last attempt.
    pub async fn call<T, E, F, Fut>(
        &self,
        ctx: &ErrorContext,
        counter: &CallCounter,
        action: &'static str,
        mut send: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut attempt = 0;
        loop {
            let (permit, generation) = self.acquire().await;
            let result = send().await;
            let outcome = match &result {
                Ok(_) => Outcome::Success,
                Err(e) => outcome_of(e),
            };
            self.release(permit, generation, outcome);
            match result {
                Ok(v) => return Ok(v),
                Err(e) => {
                    attempt += 1;
                    let retry = matches!(outcome, Outcome::Throttled | Outcome::Transient);
                    if !retry || attempt >= self.policy.max_attempts {
                        return Err(ctx.classify(action, &e));
                    }
                    self.lock().stats.retries += 1;
                    counter.note_retry();
                    tracing::debug!(action, attempt, ?outcome, "retrying");
                    tokio::time::sleep(self.policy.backoff(attempt - 1)).await;
                }
            }
        }
    }

    async fn acquire(&self) -> (Option<SemaphorePermit<'_>>, u64) {
        // The semaphore is never closed; a closed one would only mean "go ahead unpaced".
        let permit = self.slots.acquire().await.ok();
        let generation = self.lock().generation;
        (permit, generation)
    }

    fn release(&self, permit: Option<SemaphorePermit<'_>>, generation: u64, outcome: Outcome) {
        let mut s = self.lock();
        match outcome {
            Outcome::Success => {
                s.limit = (s.limit + 1.0 / s.limit).min(max_f64(self.max));
            }
            Outcome::Throttled => {
                s.stats.throttled += 1;
                if generation == s.generation {
                    s.limit = (s.limit / 2.0).max(1.0);
                    s.generation += 1;
                }
            }
            Outcome::Transient | Outcome::Final => {}
        }
        let target = whole(s.limit).clamp(1, self.max);
        s.stats.limit = target;
        s.stats.lowest_limit = s.stats.lowest_limit.min(target);
        match permit {
            Some(p) if s.issued > target => {
                p.forget();
                s.issued -= 1;
            }
            other => drop(other),
        }
        if s.issued > target {
            // Idle permits go at once; held ones as they come back (above).
            s.issued -= self.slots.forget_permits(s.issued - target);
        } else if s.issued < target {
            self.slots.add_permits(target - s.issued);
            s.issued = target;
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn max_f64(n: usize) -> f64 {
    n as f64
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn whole(x: f64) -> usize {
    x.floor() as usize
}

fn outcome_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Outcome {
    match err {
        SdkError::ServiceError(se) => {
            if se.err().code().is_some_and(|c| THROTTLING.contains(&c)) {
                Outcome::Throttled
            } else if se.raw().status().is_server_error() {
                Outcome::Transient
            } else {
                Outcome::Final
            }
        }
        SdkError::ResponseError(re) if re.raw().status().is_server_error() => Outcome::Transient,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Outcome::Transient,
        _ => Outcome::Final,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(250),
        };
        for retry in 0..30 {
            let d = p.backoff(retry);
            assert!(d <= Duration::from_millis(250), "{d:?}");
            if retry == 0 {
                assert!(d <= Duration::from_millis(100), "{d:?}");
            }
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 10, "jittered: {spread:?}");
    }

    #[tokio::test]
    async fn throttles_halve_the_limit_once_per_window_and_successes_regrow_it() {
        let pacer = Pacer::new(16, RetryPolicy::default());
        let (permit, generation) = pacer.acquire().await;
        let (permit2, generation2) = pacer.acquire().await;
        pacer.release(permit, generation, Outcome::Throttled);
        assert_eq!(pacer.stats().limit, 8);
        // Sent before the cut: the same congestion, no second cut.
        pacer.release(permit2, generation2, Outcome::Throttled);
        assert_eq!(pacer.stats().limit, 8);
        assert_eq!(pacer.stats().throttled, 2);
        for _ in 0..3 {
            let (p, g) = pacer.acquire().await;
            pacer.release(p, g, Outcome::Throttled);
        }
        assert_eq!(pacer.stats().limit, 1, "halved three more times, floor 1");
        assert_eq!(pacer.stats().lowest_limit, 1);
        assert_eq!(pacer.slots.available_permits(), 1);
        // Additive increase: about one more slot per round of `limit` successes.
        for _ in 0..40 {
            let (p, g) = pacer.acquire().await;
            pacer.release(p, g, Outcome::Success);
        }
        let grown = pacer.stats().limit;
        assert!((8..=9).contains(&grown), "{grown}");
        assert_eq!(pacer.slots.available_permits(), grown);
        for _ in 0..1000 {
            let (p, g) = pacer.acquire().await;
            pacer.release(p, g, Outcome::Success);
        }
        assert_eq!(
            pacer.stats().limit,
            16,
            "capped at the configured concurrency"
        );
        assert_eq!(pacer.slots.available_permits(), 16);
    }

    #[tokio::test]
    async fn held_permits_are_retired_when_the_limit_drops() {
        let pacer = Pacer::new(4, RetryPolicy::default());
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(pacer.acquire().await);
        }
        let (p, g) = held.pop().unwrap();
        pacer.release(p, g, Outcome::Throttled);
        assert_eq!(pacer.stats().limit, 2);
        for (p, g) in held {
            pacer.release(p, g, Outcome::Transient);
        }
        assert_eq!(pacer.slots.available_permits(), 2);
    }
}
