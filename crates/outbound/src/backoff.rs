use std::time::Duration;

use rand::Rng;

const NANOS_PER_SEC: u128 = 1_000_000_000;
/// Jitter factor bounds, in millionths: ±20%.
const JITTER_MIN_PPM: u64 = 800_000;
const JITTER_MAX_PPM: u64 = 1_200_000;
const PPM: u128 = 1_000_000;

/// Delay before retry number `attempt` (1-based; 0 is treated as 1).
///
/// The un-jittered delay is `base * 2^(attempt - 1)`, capped at `cap`; the
/// result is that value multiplied by a uniformly random factor in
/// `[0.8, 1.2]`. So the result always lies within ±20% of
/// `min(cap, base * 2^(attempt - 1))` — note it may exceed `cap` by up to 20%,
/// which keeps retries that have reached the cap spread out instead of
/// bunching up on it. Never panics or overflows (saturates at
/// [`Duration::MAX`]).
pub fn backoff_delay(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ppm = rand::rng().random_range(JITTER_MIN_PPM..=JITTER_MAX_PPM);
    jittered(capped_exponential(attempt, base, cap), ppm)
}

fn capped_exponential(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1);
    let cap_nanos = cap.as_nanos();
    let factor = 1u128.checked_shl(exponent).unwrap_or(u128::MAX);
    let nanos = base.as_nanos().saturating_mul(factor).min(cap_nanos);
    from_nanos_saturating(nanos)
}

fn jittered(delay: Duration, ppm: u64) -> Duration {
    // Duration::MAX in nanos (~1.8e28) times 1.2e6 still fits in a u128.
    from_nanos_saturating(delay.as_nanos().saturating_mul(u128::from(ppm)) / PPM)
}

fn from_nanos_saturating(nanos: u128) -> Duration {
    let secs = nanos / NANOS_PER_SEC;
    let sub = (nanos % NANOS_PER_SEC) as u32; // < 1e9, always fits
    match u64::try_from(secs) {
        Ok(secs) => Duration::new(secs, sub),
        Err(_) => Duration::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(d: Duration, nominal: Duration) -> bool {
        let lo = nominal.as_nanos() * 8 / 10;
        let hi = nominal.as_nanos() * 12 / 10;
        (lo..=hi).contains(&d.as_nanos())
    }

    #[test]
    fn exponential_then_capped() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        let expect = [1, 1, 2, 4, 8, 16, 32, 60, 60, 60];
        for (attempt, secs) in expect.iter().enumerate() {
            assert_eq!(
                capped_exponential(attempt as u32, base, cap),
                Duration::from_secs(*secs),
                "attempt {attempt}"
            );
        }
        assert_eq!(capped_exponential(u32::MAX, base, cap), cap);
        assert_eq!(capped_exponential(200, Duration::MAX, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn jitter_bounds_exact() {
        let d = Duration::from_secs(10);
        assert_eq!(jittered(d, JITTER_MIN_PPM), Duration::from_secs(8));
        assert_eq!(jittered(d, JITTER_MAX_PPM), Duration::from_secs(12));
        assert_eq!(jittered(Duration::MAX, JITTER_MAX_PPM), Duration::MAX);
        assert_eq!(jittered(Duration::ZERO, JITTER_MIN_PPM), Duration::ZERO);
    }

    #[test]
    fn random_delays_stay_in_bounds() {
        let base = Duration::from_millis(500);
        let cap = Duration::from_secs(30);
        for attempt in 0..40 {
            let nominal = capped_exponential(attempt, base, cap);
            for _ in 0..50 {
                let d = backoff_delay(attempt, base, cap);
                assert!(within(d, nominal), "attempt {attempt}: {d:?} vs {nominal:?}");
                assert!(d <= cap.mul_f64(1.2));
            }
        }
    }

    #[test]
    fn jitter_actually_varies() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(3600);
        let samples: Vec<Duration> = (0..100).map(|_| backoff_delay(5, base, cap)).collect();
        let first = samples[0];
        assert!(samples.iter().any(|d| *d != first));
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(backoff_delay(3, Duration::ZERO, Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(backoff_delay(3, Duration::from_secs(5), Duration::ZERO), Duration::ZERO);
        let huge = backoff_delay(u32::MAX, Duration::MAX, Duration::MAX);
        assert!(huge >= Duration::MAX.mul_f64(0.79));
    }
}
