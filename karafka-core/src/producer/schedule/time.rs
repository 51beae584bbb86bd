//! Which times may be scheduled (Karafka's limits).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::ScheduleError;

/// How far in the past a time may be (Karafka's 10 s): such a message is dispatched at once. A
/// time further back is most likely a mistake (a wrong clock or unit), so it is refused.
pub const PAST_TOLERANCE: Duration = Duration::from_secs(10);

/// How far ahead a time may be (Karafka's 100 years).
const MAX_AHEAD: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `at` in milliseconds since the Unix epoch, if it may be scheduled for `topic` at `now`.
pub(super) fn check(topic: &str, at: SystemTime, now: SystemTime) -> Result<i64, ScheduleError> {
    if let Ok(late) = now.duration_since(at) {
        if late > PAST_TOLERANCE {
            return Err(ScheduleError::InThePast {
                topic: topic.to_owned(),
                late_ms: late.as_millis(),
                tolerance: PAST_TOLERANCE,
            });
        }
    }
    let too_far = || ScheduleError::TooFarInFuture {
        topic: topic.to_owned(),
    };
    if at.duration_since(now).is_ok_and(|ahead| ahead > MAX_AHEAD) {
        return Err(too_far());
    }
    // Within 100 years of now (which is after 1970), so it fits.
    let since_epoch = at.duration_since(UNIX_EPOCH).map_err(|_| too_far())?;
    i64::try_from(since_epoch.as_millis()).map_err(|_| too_far())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    proptest! {
        #[test]
        fn times_within_the_tolerance_and_a_century_are_taken_in_milliseconds(
            offset_ms in -10_000i64..=(100 * 365 * 24 * 60 * 60 * 1000),
        ) {
            let at = if offset_ms < 0 {
                now() - Duration::from_millis(offset_ms.unsigned_abs())
            } else {
                now() + Duration::from_millis(offset_ms.unsigned_abs())
            };
            prop_assert_eq!(check("orders", at, now()).ok(), Some(1_800_000_000_000 + offset_ms));
        }

        #[test]
        fn times_further_back_are_refused_naming_the_topic(late_ms in 10_001u64..1_000_000_000) {
            let error = check("orders", now() - Duration::from_millis(late_ms), now());
            let refused = matches!(
                &error,
                Err(ScheduleError::InThePast { topic, late_ms: late, .. })
                    if topic == "orders" && *late == u128::from(late_ms)
            );
            prop_assert!(refused, "{:?}", error);
        }
    }

    #[test]
    fn a_time_over_a_century_ahead_is_refused() {
        let at = now() + MAX_AHEAD + Duration::from_secs(1);
        assert!(matches!(
            check("orders", at, now()),
            Err(ScheduleError::TooFarInFuture { .. })
        ));
    }
}
