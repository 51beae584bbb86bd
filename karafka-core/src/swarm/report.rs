//! What a node tells its supervisor, one line per `swarm.liveness_interval`: `ok`, or `failing`
//! and why (its `/health/live` reasons).

/// A node's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Report {
    /// Alive: its listeners poll, no job stalls.
    Healthy,
    /// Running but not alive, for these reasons (joined by `; `).
    Failing(String),
}

const HEALTHY: &str = "ok";
const FAILING: &str = "failing ";

impl Report {
    /// The report of a node whose liveness failed for `reasons` (healthy when none).
    pub(crate) fn from_failures(reasons: &[String]) -> Self {
        if reasons.is_empty() {
            Self::Healthy
        } else {
            Self::Failing(reasons.join("; "))
        }
    }

    /// The line that carries it, newline included; a reason's own line breaks become spaces.
    pub(crate) fn line(&self) -> String {
        match self {
            Self::Healthy => format!("{HEALTHY}\n"),
            Self::Failing(reasons) => format!("{FAILING}{}\n", reasons.replace(['\n', '\r'], " ")),
        }
    }

    /// The report a line (without its newline) carries; `None` for anything else.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        if line == HEALTHY {
            Some(Self::Healthy)
        } else {
            line.strip_prefix(FAILING)
                .map(|reasons| Self::Failing(reasons.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn no_reason_is_healthy() {
        assert_eq!(Report::from_failures(&[]), Report::Healthy);
        assert_eq!(Report::parse("ok"), Some(Report::Healthy));
        assert_eq!(Report::parse("okay"), None);
    }

    proptest! {
        /// Every report reads back from its line as one line, whatever its reasons hold.
        #[test]
        fn a_report_reads_back_from_its_one_line(reasons in prop::collection::vec(".*", 0..4)) {
            let report = Report::from_failures(&reasons);
            let line = report.line();
            prop_assert!(line.ends_with('\n'));
            let body = &line[..line.len() - 1];
            prop_assert!(!body.contains('\n'));
            let parsed = Report::parse(body).expect("a report line");
            match (&report, &parsed) {
                (Report::Healthy, Report::Healthy) => {}
                (Report::Failing(sent), Report::Failing(read)) => {
                    prop_assert_eq!(read, &sent.replace(['\n', '\r'], " "));
                }
                _ => prop_assert!(false, "{report:?} read back as {parsed:?}"),
            }
        }
    }
}
