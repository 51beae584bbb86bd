//! Schedule versions (Karafka's `RecurringTasks.define("1.0.0")`): dotted numbers, compared part
//! by part, so a process with an older schedule never runs one a newer process has stored.

use std::cmp::Ordering;

/// Compares two versions part by part (`.`-separated); numeric parts as numbers (`1.10` after
/// `1.9`), others as text; a missing part counts as `0` (`1.0` equals `1`).
pub(crate) fn compare(left: &str, right: &str) -> Ordering {
    let parts = |version: &str| -> Vec<String> {
        let mut parts: Vec<String> = version.split('.').map(str::to_owned).collect();
        while parts.len() > 1 && parts.last().is_some_and(|part| is_zero(part)) {
            parts.pop();
        }
        parts
    };
    let (left, right) = (parts(left), parts(right));
    let width = left.len().max(right.len());
    (0..width)
        .map(|index| {
            let zero = "0".to_owned();
            compare_part(
                left.get(index).unwrap_or(&zero),
                right.get(index).unwrap_or(&zero),
            )
        })
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn is_zero(part: &str) -> bool {
    part.parse::<u64>().is_ok_and(|number| number == 0)
}

fn compare_part(left: &str, right: &str) -> Ordering {
    match (left.parse::<u64>(), right.parse::<u64>()) {
        (Ok(left), Ok(right)) => left.cmp(&right),
        _ => left.cmp(right),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(compare("1.10.0", "1.9.0"), Ordering::Greater);
        assert_eq!(compare("1.0", "1"), Ordering::Equal);
        assert_eq!(compare("1.0.0", "1.0.1"), Ordering::Less);
        assert_eq!(compare("2", "10"), Ordering::Less);
    }

    fn version() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u64..20, 1..4).prop_map(|parts| {
            parts
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        })
    }

    proptest! {
        /// An order: reflexive, antisymmetric, transitive.
        #[test]
        fn versions_are_ordered(a in version(), b in version(), c in version()) {
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            if compare(&a, &b).is_le() && compare(&b, &c).is_le() {
                prop_assert!(compare(&a, &c).is_le());
            }
        }

        /// As numbers, part by part, trailing zeros aside.
        #[test]
        fn numeric_versions_compare_as_their_numbers(
            a in proptest::collection::vec(0u64..20, 3),
            b in proptest::collection::vec(0u64..20, 3),
        ) {
            let text = |parts: &[u64]| parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
            prop_assert_eq!(compare(&text(&a), &text(&b)), a.cmp(&b));
        }
    }
}
