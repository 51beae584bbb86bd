//! The scenarios: what each breaks, and the settings of the suite they share.

use std::time::Duration;

/// What a scenario breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// SIGKILL a random subject every second or two, and start another.
    Kill,
    /// SIGTERM a random subject every second or two, and start another.
    Terminate,
    /// Restart the three subjects one after another, five times over.
    Rolling,
    /// Subjects join and leave every few hundred milliseconds.
    Storm,
    /// One handling outruns max.poll.interval.ms: the member leaves, then rejoins.
    Stall,
    /// The broker is down when the subjects start, and stops and restarts mid-run.
    BrokerRestart,
    /// On the 3-node cluster, one broker is SIGKILLed mid-run and restarted when production ends.
    ClusterBrokerKill,
    /// The dead-letter topic refuses writes for a while; poison messages wait, then go there.
    DeadLetterOutage,
    /// Handler errors and panics at random; retries.
    Errors,
    /// Invalid, empty and near-1 MB payloads, null keys, unexpected headers; a dead-letter topic.
    BadInput,
    /// A second routed topic is deleted while it is consumed.
    TopicDeleted,
    /// Subjects transform the input into an output topic in transactions, while subjects are
    /// SIGKILLed, join and leave (a rebalance storm), and the broker restarts once.
    ExactlyOnce,
    /// One subject is a swarm of 3 nodes; a random node is SIGKILLed every second or two, and
    /// the swarm's supervisor must replace it.
    SwarmKill,
    /// A subject holding partitions is frozen (SIGSTOP) mid-stream and woken (SIGCONT): a
    /// stop-the-world pause, after which it must not commit what it lost.
    Pause(Freeze),
    /// The subjects reach the broker through the suite's proxy, which breaks the network.
    Network(Network),
    /// At scale: 8 members share 64 partitions and restart one after another, twice over.
    Scale,
    /// `--soak`: members join and leave every 0.5–1 s until 1,000 rebalances happened, while
    /// messages keep arriving; not in the default set.
    Soak,
}

impl Fault {
    /// The partitions of the scenario's topic.
    pub(crate) fn partitions(self) -> i32 {
        match self {
            Self::Scale => 64,
            Self::Soak => 8,
            _ => 4,
        }
    }

    /// How many subjects run when no fault is being injected.
    pub(crate) fn members(self) -> usize {
        match self {
            Self::Scale => 8,
            _ => 3,
        }
    }

    /// How many messages a run produces, and how many per second.
    pub(crate) fn stream(self, quick: bool) -> (usize, u64) {
        match self {
            Self::Soak => (
                Self::soak_rebalances(quick) * SOAK_MESSAGES_PER_REBALANCE,
                SOAK_RATE,
            ),
            // Quick: 2 s of production per run (6 s where the faults need it); full: 7.5 s,
            // so more faults land mid-stream.
            _ if quick && self.needs_a_long_stream() => (1_200, 200),
            _ if quick => (1_200, 600),
            _ => (3_000, 400),
        }
    }

    /// The rebalances of the soak: a twentieth of them when quick.
    pub(crate) fn soak_rebalances(quick: bool) -> usize {
        if quick {
            SOAK_REBALANCES / 20
        } else {
            SOAK_REBALANCES
        }
    }

    /// Kills, storms and the broker restart need a longer stream to land between
    /// transactions, and pauses and network faults one to land mid-stream after the group
    /// formed: their quick runs produce over 6 s, not 2.
    fn needs_a_long_stream(self) -> bool {
        matches!(
            self,
            Self::ExactlyOnce | Self::Pause(_) | Self::Network(_) | Self::Scale
        )
    }

    /// Whether members may lose their partitions without a clean handover, so what they
    /// handled may repeat: the member that stalls; every member cut off from the coordinator;
    /// and under `max.poll.interval.ms` 3 s, where a revocation may not wait for a running job
    /// (the runtime's grace is the interval less a heartbeat, 3 s by librdkafka's default,
    /// and a second).
    pub(crate) fn evicts(self) -> bool {
        matches!(
            self,
            Self::Stall
                | Self::Network(Network::CoordinatorBlackhole)
                | Self::Pause(Freeze::For(_))
        )
    }
}

/// What the proxy does to the subjects' connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    /// The group coordinator's connections are blackholed for longer than the session
    /// timeout, while fetches flow: every member loses its partitions, then rejoins.
    CoordinatorBlackhole,
    /// Bandwidth is throttled throughout, with 500 ms latency spikes longer than the commit
    /// interval, so commits land in them.
    Slow,
    /// Every connection is cut every few seconds.
    Cuts,
}

/// How long a paused subject stays frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freeze {
    /// Past its session timeout, until every partition it held went to another member.
    UntilMoved,
    /// Past `max.poll.interval.ms` but within the session timeout, in milliseconds.
    For(u64),
}

pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) fault: Fault,
    /// Extra subject settings.
    pub(crate) env: &'static [(&'static str, &'static str)],
    pub(crate) virtual_partitions: bool,
}

/// librdkafka's default session timeout. Members keep their partitions through a broker restart
/// or a coordinator failover (10–20 s here), so nothing may repeat; with the suite's 6 s they
/// drop them and redo what was not committed yet.
pub(crate) const OUTLAST_BROKER_OUTAGES: (&str, &str) =
    ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "45000");

/// The subjects' `session.timeout.ms`, unless a scenario sets its own: how long a killed member's
/// partitions wait for a new owner.
pub(crate) const SESSION_TIMEOUT: Duration = Duration::from_secs(6);

/// The rebalances of the soak (`--soak`).
pub(crate) const SOAK_REBALANCES: usize = 1_000;
/// Messages per second during the soak, and per rebalance to produce, so messages keep
/// arriving through every rebalance (8 partitions: a message per partition every 80 ms).
pub(crate) const SOAK_RATE: u64 = 100;
pub(crate) const SOAK_MESSAGES_PER_REBALANCE: usize = 80;

/// The broker's `PROXIED` listener, and the port it advertises, where the proxy listens.
pub(crate) const PROXIED_LISTENER: &str = "127.0.0.1:9097";
pub(crate) const PROXY: &str = "127.0.0.1:19097";
/// The proxy's bandwidth per direction of a connection in the slow-network scenario.
pub(crate) const THROTTLE_BYTES_PER_SECOND: u64 = 32 * 1024;

pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "kill",
        fault: Fault::Kill,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "kill-virtual",
        fault: Fault::Kill,
        env: &[("RELIABILITY_VIRTUAL", "8")],
        virtual_partitions: true,
    },
    Scenario {
        name: "terminate",
        fault: Fault::Terminate,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "rolling-restart",
        fault: Fault::Rolling,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-eager",
        fault: Fault::Storm,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-cooperative",
        fault: Fault::Storm,
        env: &[(
            "KARAFKA_KAFKA__PARTITION_ASSIGNMENT_STRATEGY",
            "cooperative-sticky",
        )],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-kip848",
        fault: Fault::Storm,
        env: &[("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer")],
        virtual_partitions: false,
    },
    Scenario {
        name: "max-poll-interval",
        fault: Fault::Stall,
        env: &[
            ("KARAFKA_KAFKA__MAX_POLL_INTERVAL_MS", "3000"),
            ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "1000"),
            ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "300"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "broker-restart",
        fault: Fault::BrokerRestart,
        env: &[OUTLAST_BROKER_OUTAGES],
        virtual_partitions: false,
    },
    Scenario {
        name: "cluster-broker-kill",
        fault: Fault::ClusterBrokerKill,
        env: &[OUTLAST_BROKER_OUTAGES],
        virtual_partitions: false,
    },
    Scenario {
        name: "dlq-outage",
        fault: Fault::DeadLetterOutage,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "errors-and-panics",
        fault: Fault::Errors,
        env: &[
            ("RELIABILITY_ERROR_RATE", "0.05"),
            ("RELIABILITY_PANIC_RATE", "0.01"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "errors-virtual",
        fault: Fault::Errors,
        env: &[
            ("RELIABILITY_VIRTUAL", "8"),
            ("RELIABILITY_ERROR_RATE", "0.05"),
            ("RELIABILITY_PANIC_RATE", "0.01"),
        ],
        virtual_partitions: true,
    },
    Scenario {
        name: "bad-input",
        fault: Fault::BadInput,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "exactly-once",
        fault: Fault::ExactlyOnce,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "swarm-kill",
        fault: Fault::SwarmKill,
        env: &[
            ("KARAFKA_SWARM__NODE_RESTART_TIMEOUT", "200"),
            ("KARAFKA_SWARM__LIVENESS_INTERVAL", "500"),
            ("KARAFKA_SWARM__NODE_REPORT_TIMEOUT", "10000"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "pause-session",
        fault: Fault::Pause(Freeze::UntilMoved),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "pause-max-poll",
        // Under KIP-848 the session timeout is the broker's (6 s on the development broker),
        // so max.poll.interval.ms may be shorter: the 4.5 s freeze outlasts only the latter.
        fault: Fault::Pause(Freeze::For(4_500)),
        env: &[
            ("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer"),
            ("KARAFKA_KAFKA__MAX_POLL_INTERVAL_MS", "3000"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-coordinator-blackhole",
        fault: Fault::Network(Network::CoordinatorBlackhole),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-slow",
        fault: Fault::Network(Network::Slow),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-cuts",
        fault: Fault::Network(Network::Cuts),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "scale-rolling",
        fault: Fault::Scale,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "soak",
        fault: Fault::Soak,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "topic-deleted",
        fault: Fault::TopicDeleted,
        // librdkafka notices a deleted topic at its next metadata refresh (karafka's default: 10 s).
        env: &[("KARAFKA_KAFKA__TOPIC_METADATA_REFRESH_INTERVAL_MS", "500")],
        virtual_partitions: false,
    },
];

/// `scripts/kafka cluster`: 3 nodes, replication 3, `min.insync.replicas` 2.
pub(crate) const CLUSTER: &str = "127.0.0.1:9191,127.0.0.1:9192,127.0.0.1:9193";
pub(crate) const CLUSTER_NODES: u64 = 3;
/// The nodes of the swarm-kill scenario's one subject.
pub(crate) const SWARM_NODES: usize = 3;
pub(crate) const KEYS: u32 = 64;
/// Close to the producer's `message.max.bytes` (1,000,000) without exceeding it.
pub(crate) const BIG_PAYLOAD: usize = 990_000;
/// The subjects' `transaction.timeout.ms`, the broker's check for timed-out transactions (1 s)
/// and a margin: after it, the broker has aborted every transaction a subject left open (killed,
/// or stopped with a job still running), so `read_committed` reads reach the end.
pub(crate) const ABANDONED_TRANSACTIONS_ABORTED: Duration = Duration::from_secs(15);
