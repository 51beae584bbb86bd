//! One run of a scenario: topics, subjects, production, the fault, the settling, the audit.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use karafka::admin::Admin;
use karafka::Config;
use karafka_reliability::audit::{audit, Report};
use karafka_reliability::handover::Handovers;
use karafka_reliability::history::{Expectations, History};
use karafka_reliability::proxy::{Blackhole, Conditions, Proxy};
use rdkafka::consumer::BaseConsumer;
use rdkafka::ClientConfig;

use crate::inputs::{invalid_settings, produce};
use crate::readback::{dead_letters, ends, lingering_members, outputs};
use crate::sampler::{committed, Sampler};
use crate::scenarios::*;
use crate::subjects::{logged, Subjects};
use crate::timing::{now_micros, Dice};

/// One run of a scenario.
pub(crate) struct Run<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) seed: u64,
    /// `--quick`: shorter runs.
    pub(crate) quick: bool,
    /// Messages to produce, and how many per second.
    pub(crate) messages: usize,
    pub(crate) rate: u64,
    pub(crate) config: Config,
    pub(crate) root: PathBuf,
    pub(crate) subject_log: String,
}

/// What a run found, and where its logs are.
pub(crate) struct Outcome {
    /// The audit.
    pub(crate) report: Report,
    /// The subjects' logs.
    pub(crate) dir: PathBuf,
    /// How long partitions waited in its rebalances.
    pub(crate) handovers: Handovers,
}

impl Run<'_> {
    /// Runs the scenario once against the broker at `bootstrap`.
    pub(crate) async fn execute(&self, bootstrap: &str) -> anyhow::Result<Outcome> {
        // Unique per execution: a replayed seed must not meet the previous run's group.
        let name = format!(
            "rel-{}-{}-{:x}",
            self.scenario.name,
            self.seed,
            now_micros() % 0x10_0000
        );
        let (topic, group, dlq, extra, output) = (
            name.clone(),
            format!("{name}-group"),
            format!("{name}-dlq"),
            format!("{name}-extra"),
            format!("{name}-output"),
        );
        let exactly_once = self.scenario.fault == Fault::ExactlyOnce;
        let (partitions, members) = (
            self.scenario.fault.partitions(),
            self.scenario.fault.members(),
        );
        let admin = Admin::new(&self.config)?;
        let replicas = if self.scenario.fault == Fault::ClusterBrokerKill {
            CLUSTER_NODES as i32
        } else {
            1
        };
        admin.create_topic(&topic, partitions, replicas).await?;
        let uses_dlq = matches!(
            self.scenario.fault,
            Fault::DeadLetterOutage | Fault::BadInput
        );
        if uses_dlq {
            admin.create_topic(&dlq, partitions, replicas).await?;
        }
        if self.scenario.fault == Fault::DeadLetterOutage {
            admin
                .alter_topic_settings(
                    &dlq,
                    &[("max.message.bytes".to_owned(), "64".to_owned())].into(),
                )
                .await?;
        }
        if self.scenario.fault == Fault::TopicDeleted {
            admin.create_topic(&extra, 1, replicas).await?;
        }
        if exactly_once {
            admin.create_topic(&output, partitions, replicas).await?;
        }
        let proxy = match self.scenario.fault {
            Fault::Network(_) => Some(start_proxy().await?),
            _ => None,
        };
        let subjects_bootstrap = if proxy.is_some() { PROXY } else { bootstrap };
        let dir = std::env::temp_dir().join(format!("karafka-chaos-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;

        let mut env: Vec<(String, String)> = vec![
            (
                "KARAFKA_KAFKA__BOOTSTRAP_SERVERS".into(),
                subjects_bootstrap.into(),
            ),
            ("KARAFKA_GROUP_ID".into(), group.clone()),
            ("KARAFKA_MAX_WAIT_TIME".into(), "100".into()),
            ("KARAFKA_PAUSE_TIMEOUT".into(), "100".into()),
            ("KARAFKA_PAUSE_MAX_TIMEOUT".into(), "1000".into()),
            ("KARAFKA_SHUTDOWN_TIMEOUT".into(), "20000".into()),
            (
                "KARAFKA_KAFKA__AUTO_COMMIT_INTERVAL_MS".into(),
                "500".into(),
            ),
            ("RELIABILITY_TOPIC".into(), topic.clone()),
            ("RELIABILITY_SEED".into(), self.seed.to_string()),
            ("RELIABILITY_SLOW_MS".into(), "1".into()),
            ("RUST_LOG".into(), self.subject_log.clone()),
        ];
        // How long a killed member's partitions wait for a new owner. Under KIP-848 the broker
        // owns this setting and librdkafka refuses it.
        if !self
            .scenario
            .env
            .contains(&("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer"))
        {
            env.push((
                "KARAFKA_KAFKA__SESSION_TIMEOUT_MS".into(),
                SESSION_TIMEOUT.as_millis().to_string(),
            ));
            env.push(("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS".into(), "1000".into()));
        }
        env.extend(
            self.scenario
                .env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        if uses_dlq {
            env.push(("RELIABILITY_DLQ".into(), dlq.clone()));
        }
        if self.scenario.fault == Fault::TopicDeleted {
            env.push(("RELIABILITY_EXTRA_TOPIC".into(), extra.clone()));
        }
        if exactly_once {
            env.push(("RELIABILITY_OUTPUT".into(), output.clone()));
        }
        if self.scenario.fault == Fault::Stall {
            let offset = self.messages as i64 / i64::from(partitions) / 3;
            env.push(("RELIABILITY_STALL".into(), format!("{offset}:5000")));
        }
        let binary = std::env::current_exe()?.with_file_name("subject");
        let swarm = self.scenario.fault == Fault::SwarmKill;
        let (args, target) = if swarm {
            let nodes = SWARM_NODES.to_string();
            (vec!["swarm".to_owned(), "--nodes".to_owned(), nodes], 1)
        } else {
            (vec!["server".to_owned()], members)
        };
        let subjects = Arc::new(tokio::sync::Mutex::new(Subjects {
            binary,
            args,
            target,
            dir: dir.clone(),
            env,
            running: Vec::new(),
            started: 0,
            killed: HashSet::new(),
            paused: Vec::new(),
            all: HashSet::new(),
            problems: Vec::new(),
        }));

        if self.scenario.fault == Fault::BrokerRestart {
            self.kafka(&["down"])?;
        }
        for _ in 0..target {
            subjects.lock().await.spawn()?;
        }
        if self.scenario.fault == Fault::BrokerRestart {
            tokio::time::sleep(Duration::from_secs(2)).await;
            self.kafka(&["up"])?;
        }

        let sampler = Sampler::start(bootstrap, &group, &topic, partitions)?;
        let producing = tokio::spawn(produce(
            self.config.clone(),
            topic.clone(),
            self.messages,
            self.rate,
            self.scenario.fault,
        ));
        let fault = self.fault(Arc::clone(&subjects), &admin, &dlq, &extra, proxy.as_ref());
        let (produced, faulted) = tokio::join!(async { producing.await? }, fault);
        let produced = produced?;
        faulted.context("injecting the fault")?;

        // Let the group settle: every partition committed to its end.
        {
            let mut subjects = subjects.lock().await;
            while subjects.running.len() < subjects.target {
                subjects.spawn()?;
            }
        }
        let ends = ends(&produced, partitions);
        let checker: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", &group)
            .create()?;
        let settled = Instant::now();
        let mut final_commits = Vec::new();
        while settled.elapsed() < Duration::from_secs(90) {
            // An unanswered read (a broker still starting) says nothing: ask again.
            if let Some(commits) = committed(&checker, &topic, partitions) {
                final_commits = commits;
                if final_commits
                    .iter()
                    .zip(&ends)
                    .all(|(c, e)| *e == 0 || *c == Some(*e))
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (killed, paused, mut problems, all) = {
            let mut subjects = subjects.lock().await;
            if swarm {
                subjects.swarms_whole().await;
            }
            subjects.terminate_all().await;
            (
                subjects.killed.clone(),
                subjects.paused.clone(),
                subjects.problems.clone(),
                subjects.all.clone(),
            )
        };
        let stopped = Instant::now();
        if let (Some(proxy), Fault::Network(network)) = (&proxy, self.scenario.fault) {
            problems.extend(proxy_missed(proxy, network));
        }
        // A member that stops gracefully leaves its group; one left behind would stall the
        // group's next rebalance until session.timeout.ms. After connections were cut, though,
        // librdkafka sends no LeaveGroup while its coordinator connection is not back up
        // (`rd_kafka_cgrp_leave`), and its reconnect backoff doubles with every cut: that is a
        // note, not a broken promise.
        let mut notes = Vec::new();
        if killed.is_empty() {
            if let Some(members) = lingering_members(&admin, &group).await {
                let lingering =
                    format!("{members} member(s) still in the group after every subject stopped");
                if self.scenario.fault == Fault::Network(Network::Cuts) {
                    notes.push(format!(
                        "{lingering} (librdkafka sends LeaveGroup only while its coordinator connection is up)"
                    ));
                } else {
                    problems.push(lingering);
                }
            }
        }
        let mut history = History {
            produced,
            commits: sampler.finish(),
            final_commits,
            ends,
            ..logged(&dir)?
        };
        if uses_dlq {
            history.dead_letters = dead_letters(&admin, &dlq, partitions).await?;
        }
        if exactly_once {
            if let Some(wait) = ABANDONED_TRANSACTIONS_ABORTED.checked_sub(stopped.elapsed()) {
                tokio::time::sleep(wait).await;
            }
            history.outputs = outputs(&admin, &output, partitions).await?;
        }
        let expect = Expectations {
            per_key_order: self.scenario.virtual_partitions,
            killed,
            paused,
            evicted: if self.scenario.fault.evicts() {
                all
            } else {
                HashSet::new()
            },
            exactly_once,
        };
        let handovers = Handovers::of(&history);
        let mut report = audit(&history, &expect);
        report.violations.extend(problems);
        report.notes.extend(notes);
        let _ = admin.delete_topic(&topic).await;
        if uses_dlq {
            let _ = admin.delete_topic(&dlq).await;
        }
        if exactly_once {
            let _ = admin.delete_topic(&output).await;
        }
        Ok(Outcome {
            report,
            dir,
            handovers,
        })
    }

    pub(crate) fn kafka(&self, command: &[&str]) -> anyhow::Result<()> {
        kafka(&self.root, command)
    }

    /// Injects the scenario's faults while the messages are produced.
    pub(crate) async fn fault(
        &self,
        subjects: Arc<tokio::sync::Mutex<Subjects>>,
        admin: &Admin,
        dlq: &str,
        extra: &str,
        proxy: Option<&Proxy>,
    ) -> anyhow::Result<()> {
        let mut dice = Dice(self.seed.max(1));
        let members = self.scenario.fault.members();
        let span = Duration::from_millis(self.messages as u64 * 1_000 / self.rate.max(1));
        let started = Instant::now();
        match self.scenario.fault {
            Fault::Kill | Fault::Terminate => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(800, 2_000)).await;
                    let mut subjects = subjects.lock().await;
                    let index = (dice.next() % subjects.running.len().max(1) as u64) as usize;
                    if subjects.running.is_empty() {
                        continue;
                    }
                    if self.scenario.fault == Fault::Kill {
                        subjects.kill(index);
                    } else {
                        subjects.terminate(index).await;
                    }
                    subjects.spawn()?;
                }
            }
            Fault::Rolling | Fault::Scale => {
                let rounds = if self.scenario.fault == Fault::Scale {
                    2
                } else {
                    5
                };
                for _ in 0..rounds * members {
                    tokio::time::sleep(dice.millis(300, 700)).await;
                    let mut subjects = subjects.lock().await;
                    subjects.terminate(0).await;
                    subjects.spawn()?;
                }
            }
            Fault::Storm => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(300, 600)).await;
                    subjects.lock().await.storm(&mut dice, members).await?;
                }
            }
            Fault::Soak => {
                let rebalances = Fault::soak_rebalances(self.quick);
                for done in 1..=rebalances {
                    tokio::time::sleep(dice.millis(500, 1_000)).await;
                    subjects.lock().await.storm(&mut dice, members).await?;
                    if done % 100 == 0 {
                        println!("    soak: {done} of {rebalances} rebalances");
                    }
                }
            }
            Fault::BrokerRestart => {
                tokio::time::sleep(span / 3).await;
                self.kafka(&["down"])?;
                tokio::time::sleep(Duration::from_secs(2)).await;
                self.kafka(&["up"])?;
            }
            Fault::ClusterBrokerKill => {
                tokio::time::sleep(span / 3).await;
                let node = (dice.next() % CLUSTER_NODES + 1).to_string();
                self.kafka(&["cluster", "kill", &node])?;
                tokio::time::sleep(span.saturating_sub(started.elapsed())).await;
                self.kafka(&["cluster", "up"])?;
            }
            Fault::DeadLetterOutage => {
                tokio::time::sleep(span / 2).await;
                admin
                    .alter_topic_settings(
                        dlq,
                        &[("max.message.bytes".to_owned(), "1048588".to_owned())].into(),
                    )
                    .await?;
            }
            Fault::TopicDeleted => {
                tokio::time::sleep(span / 2).await;
                admin.delete_topic(extra).await?;
            }
            Fault::BadInput => {
                let problems = tokio::task::spawn_blocking({
                    let subjects = Arc::clone(&subjects);
                    move || invalid_settings(&subjects.blocking_lock())
                })
                .await??;
                subjects.lock().await.problems.extend(problems);
            }
            Fault::ExactlyOnce => {
                let mut restarted = false;
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(500, 1_500)).await;
                    if !restarted && started.elapsed() >= span / 3 {
                        restarted = true;
                        self.kafka(&["down"])?;
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        self.kafka(&["up"])?;
                        continue;
                    }
                    let mut subjects = subjects.lock().await;
                    let running = subjects.running.len();
                    match dice.next() % 3 {
                        0 if running > 0 => {
                            let index = (dice.next() % running as u64) as usize;
                            subjects.kill(index);
                            subjects.spawn()?;
                        }
                        1 if running < members + 2 => subjects.spawn()?,
                        _ if running > members => {
                            let index =
                                members + (dice.next() % (running - members) as u64) as usize;
                            subjects.terminate(index).await;
                        }
                        _ => {}
                    }
                }
            }
            Fault::SwarmKill => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(800, 2_000)).await;
                    subjects.lock().await.kill_node(dice.next());
                }
            }
            Fault::Pause(freeze) => {
                let third = span.as_millis() as u64 / 3;
                tokio::time::sleep(dice.millis(third, third * 2)).await;
                subjects.lock().await.pause(freeze, dice.next()).await?;
            }
            Fault::Network(network) => {
                let proxy = proxy.context("a network scenario runs through the proxy")?;
                match network {
                    Network::CoordinatorBlackhole => {
                        tokio::time::sleep(span / 3).await;
                        proxy.set(Conditions {
                            blackhole: Some(Blackhole::GroupCoordinator),
                            ..Conditions::default()
                        });
                        tokio::time::sleep(SESSION_TIMEOUT + Duration::from_secs(3)).await;
                        proxy.set(Conditions::default());
                    }
                    Network::Slow => {
                        let throttled = Conditions {
                            bytes_per_second: Some(THROTTLE_BYTES_PER_SECOND),
                            ..Conditions::default()
                        };
                        proxy.set(throttled);
                        while started.elapsed() < span {
                            tokio::time::sleep(dice.millis(800, 1_500)).await;
                            proxy.set(Conditions {
                                latency: Duration::from_millis(500),
                                ..throttled
                            });
                            tokio::time::sleep(dice.millis(600, 1_200)).await;
                            proxy.set(throttled);
                        }
                        proxy.set(Conditions::default());
                    }
                    Network::Cuts => {
                        while started.elapsed() < span {
                            tokio::time::sleep(dice.millis(1_500, 3_000)).await;
                            proxy.cut();
                        }
                    }
                }
            }
            Fault::Stall | Fault::Errors => {}
        }
        Ok(())
    }
}

/// Starts the proxy in front of the broker's `PROXIED` listener, which a broker started by an
/// older `scripts/kafka` lacks.
pub(crate) async fn start_proxy() -> anyhow::Result<Proxy> {
    let upstream: std::net::SocketAddr = PROXIED_LISTENER.parse()?;
    tokio::net::TcpStream::connect(upstream)
        .await
        .with_context(|| {
            format!(
            "the broker has no PROXIED listener on {PROXIED_LISTENER} for the network scenarios; \
             restart it with `scripts/kafka down && scripts/kafka up`"
        )
        })?;
    Proxy::start(PROXY.parse()?, upstream)
        .await
        .with_context(|| format!("starting the network proxy on {PROXY}"))
}

/// What a network scenario's proxy should have done and did not: a run that broke nothing
/// proves nothing.
pub(crate) fn proxy_missed(proxy: &Proxy, network: Network) -> Option<String> {
    let counts = proxy.counts();
    match network {
        Network::CoordinatorBlackhole
            if counts.coordinator_connections.load(Ordering::Relaxed) == 0 =>
        {
            Some("no connection to the group coordinator went through the proxy".into())
        }
        Network::Cuts if counts.cut.load(Ordering::Relaxed) == 0 => {
            Some("the proxy cut no connection".into())
        }
        _ if counts.connections.load(Ordering::Relaxed) == 0 => {
            Some("no subject connected through the proxy".into())
        }
        _ => None,
    }
}

/// Runs `scripts/kafka` of the workspace at `root` with `command`.
pub(crate) fn kafka(root: &std::path::Path, command: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(root.join("scripts/kafka"))
        .args(command)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("scripts/kafka {} failed", command.join(" "));
    }
    Ok(())
}
