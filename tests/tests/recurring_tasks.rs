//! Recurring tasks against the broker: each cron occurrence runs once across the processes of a
//! group, the owner's successor reruns nothing recorded, commands reach the owner, and the
//! `tasks` commands list and command the schedule.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use karafka::instrumentation::Event;
use karafka::recurring_tasks::{RecurringTasks, Schedule, Task, DEFAULT_LOGS_TOPIC};
use karafka::routing::Routes;
use karafka::{App, AppBuilder, Shutdown};
use karafka_integration_tests::*;

const WAIT: Duration = Duration::from_secs(60);
const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Every two seconds: seconds apart enough that a loaded machine still ticks between them.
const EVERY_TWO_SECONDS: &str = "*/2 * * * * *";

/// Once a year: with `previous_time` in the past, due at once, then not for months.
const YEARLY: &str = "0 0 1 1 *";

/// One run of a task: which server ran which task, for which occurrence (`None`: a trigger).
#[derive(Debug, Clone, PartialEq)]
struct Run {
    server: &'static str,
    task: String,
    occurrence: Option<SystemTime>,
}

/// The runs of every server of a test, in the order they happened.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<Vec<Run>>>);

impl Runs {
    fn snapshot(&self) -> Vec<Run> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn len(&self) -> usize {
        self.snapshot().len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn by(&self, server: &'static str) -> usize {
        self.snapshot()
            .iter()
            .filter(|run| run.server == server)
            .count()
    }

    /// The runs of task `task`.
    fn of(&self, task: &str) -> usize {
        self.snapshot()
            .iter()
            .filter(|run| run.task == task)
            .count()
    }

    /// The scheduled occurrences of task `beat` run, in order.
    fn occurrences(&self) -> Vec<SystemTime> {
        self.snapshot()
            .iter()
            .filter(|run| run.task == "beat")
            .filter_map(|run| run.occurrence)
            .collect()
    }

    /// Task `name` on `cron`, recording its runs as `server`'s.
    fn task(&self, server: &'static str, name: &str, cron: &str) -> Task {
        let runs = self.clone();
        Task::new(name).cron(cron).run(move |run| {
            let runs = runs.clone();
            async move {
                runs.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Run {
                        server,
                        task: run.name,
                        occurrence: run.occurrence,
                    });
                Ok(())
            }
        })
    }
}

/// A tasks group, schedules topic and logs topic of one test, the topics created with one
/// partition.
struct TasksTopic {
    group: String,
    topic: String,
    logs: String,
}

impl TasksTopic {
    async fn create() -> Self {
        let topic = unique("tasks");
        let logs = unique("tasks-logs");
        create_topic(&topic, 1).await;
        create_topic(&logs, 1).await;
        Self {
            group: unique("tasks-group"),
            topic,
            logs,
        }
    }

    /// An app whose only routes are task `beat` every two seconds, recording its runs as
    /// `server`'s.
    fn app(&self, server: &'static str, runs: &Runs) -> App {
        self.app_with(vec![runs.task(server, "beat", EVERY_TWO_SECONDS)])
    }

    /// An app whose only routes are `tasks`, checked every 100 ms.
    fn app_with(&self, tasks: Vec<Task>) -> App {
        self.builder(tasks, karafka::recurring_tasks::DEFAULT_VERSION)
            .build()
            .expect("valid app")
    }

    /// The builder of an app whose only routes are `tasks` of schedule version `version`.
    fn builder(&self, tasks: Vec<Task>, version: &str) -> AppBuilder {
        let tasks = tasks.into_iter().fold(
            RecurringTasks::new()
                .version(version)
                .group_id(&self.group)
                .topic(&self.topic)
                .logs_topic(&self.logs)
                .interval(Duration::from_millis(100)),
            RecurringTasks::task,
        );
        App::builder()
            .config(config(&unique("tasks-app")))
            .routes(Routes::new().recurring_tasks(tasks))
    }

    /// `PROBE_TASKS` naming this group and topic with the task `name` on `cron`.
    fn probe_env(&self, name: &str, cron: &str) -> String {
        format!("{}:{}:{name}={cron}", self.group, self.topic)
    }
}

/// No occurrence twice, in order, each the next one after the one before (none skipped).
fn assert_each_occurrence_once(occurrences: &[SystemTime], every: Duration) {
    for pair in occurrences.windows(2) {
        let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
        assert_eq!(
            gap, every,
            "occurrences run twice, out of order or skipped: {occurrences:?}"
        );
    }
}

/// No occurrence twice, in order. (Occurrences due while no server owned the schedule, during
/// a handover, run as one.)
fn assert_no_occurrence_twice(occurrences: &[SystemTime]) {
    assert!(
        occurrences.windows(2).all(|pair| pair[0] < pair[1]),
        "an occurrence ran twice or out of order: {occurrences:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_runs_each_occurrence_once() {
    let tasks = TasksTopic::create().await;
    let runs = Runs::default();
    let broken = Task::new("broken")
        .cron(EVERY_TWO_SECONDS)
        .run(|_| async { anyhow::bail!("always fails") });
    let panics = Task::new("panics")
        .cron(EVERY_TWO_SECONDS)
        .run(|_| async { panic!("a task that panics") });
    let server = RunningServer::start_app(tasks.app_with(vec![
        runs.task("a", "beat", EVERY_TWO_SECONDS),
        broken,
        panics,
    ]));
    wait_for(WAIT, "four runs of the task", || runs.len() >= 4).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert!(runs.snapshot().iter().all(|run| run.occurrence.is_some()));
    assert_each_occurrence_once(&runs.occurrences(), Duration::from_secs(2));

    // Each run is logged (flushed at the shutdown), an error or a panic as a failure; a failing
    // task is not retried: it runs once per occurrence like the others.
    let logs: Vec<(String, String)> = read_partition(&tasks.logs, 0)
        .await
        .iter()
        .map(|message| {
            let log: serde_json::Value = message.payload().expect("a JSON log");
            assert_eq!(log["type"], "log", "{log}");
            let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
            (text(&log["task"]["id"]), text(&log["task"]["result"]))
        })
        .collect();
    let count = |task: &str, result: &str| {
        logs.iter()
            .filter(|(id, outcome)| id == task && outcome == result)
            .count()
    };
    assert_eq!(count("beat", "success"), runs.len(), "{logs:?}");
    for failing in ["broken", "panics"] {
        let failures = count(failing, "failure");
        assert!(
            failures.abs_diff(runs.len()) <= 1,
            "{failing} ran once per occurrence: {failures} vs {}: {logs:?}",
            runs.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_run_each_occurrence_once_and_the_survivor_takes_over() {
    let tasks = TasksTopic::create().await;
    let runs = Runs::default();
    // `yearly` is due at once (its previous time is long past), then not for months: only a
    // server that lost the state would run it again.
    let app = |server| {
        tasks.app_with(vec![
            runs.task(server, "beat", EVERY_TWO_SECONDS),
            runs.task(server, "yearly", YEARLY)
                .previous_time(SystemTime::UNIX_EPOCH),
        ])
    };
    let first = RunningServer::start_app(app("first"));
    wait_for(WAIT, "the first server to run the task", || {
        runs.of("beat") >= 2
    })
    .await;
    let second = RunningServer::start_app(app("second"));
    wait_for(WAIT, "both servers in the tasks group", || {
        stable_group_members(&tasks.group).is_some_and(|members| members.len() == 2)
    })
    .await;
    let joined = runs.len();
    wait_for(WAIT, "two runs with both servers in the group", || {
        runs.len() >= joined + 2
    })
    .await;
    let owner = runs.snapshot().last().map(|run| run.server);
    let (owner, survivor, survivor_name) = match owner {
        Some("first") => (first, second, "second"),
        _ => (second, first, "first"),
    };
    let before = runs.by(survivor_name);
    assert!(matches!(owner.stop().await, Shutdown::Graceful));
    wait_for(WAIT, "the survivor to take the task over", || {
        runs.by(survivor_name) >= before + 2
    })
    .await;
    assert!(matches!(survivor.stop().await, Shutdown::Graceful));
    assert_no_occurrence_twice(&runs.occurrences());
    assert_eq!(
        runs.of("yearly"),
        1,
        "the recorded yearly run ran again: {:?}",
        runs.snapshot()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_stops_runs_trigger_runs_now_and_enable_resumes() {
    let tasks = TasksTopic::create().await;
    let runs = Runs::default();
    let app = tasks.app("a", &runs);
    let schedule: Arc<Schedule> = app.recurring_tasks().expect("tasks routed");
    let producer = app.producer().clone();
    let server = RunningServer::start_app(app);
    wait_for(WAIT, "a first run", || !runs.is_empty()).await;

    schedule
        .disable(&producer, "beat")
        .await
        .expect("disable sent");
    // A run may be under way when the command lands; after that, nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let disabled = runs.len();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        runs.len(),
        disabled,
        "a disabled task ran: {:?}",
        runs.snapshot()
    );
    // A new owner rebuilds the state from the topic: the task stays disabled.
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let server = RunningServer::start_app(tasks.app("b", &runs));
    wait_for(WAIT, "the new owner to join", || {
        stable_group_members(&tasks.group).is_some_and(|members| members.len() == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        runs.len(),
        disabled,
        "the new owner ran a disabled task: {:?}",
        runs.snapshot()
    );

    schedule
        .trigger(&producer, "beat")
        .await
        .expect("trigger sent");
    wait_for(WAIT, "the triggered run", || runs.len() == disabled + 1).await;
    assert_eq!(runs.snapshot().last().and_then(|run| run.occurrence), None);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        runs.len(),
        disabled + 1,
        "a trigger of a disabled task ran more than once"
    );

    schedule
        .enable(&producer, "beat")
        .await
        .expect("enable sent");
    wait_for(WAIT, "scheduled runs again", || runs.len() >= disabled + 3).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_each_occurrence_once(&runs.occurrences()[disabled..], Duration::from_secs(2));

    let unknown = schedule
        .trigger(&producer, "nope")
        .await
        .expect_err("unknown task refused");
    assert!(unknown.to_string().contains("`nope`"), "{unknown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_commands_list_and_command_the_schedule() {
    let tasks = TasksTopic::create().await;
    let runs = Runs::default();
    let server = RunningServer::start_app(tasks.app("a", &runs));
    wait_for(WAIT, "a first run", || !runs.is_empty()).await;
    let env = [("PROBE_TASKS", tasks.probe_env("beat", EVERY_TWO_SECONDS))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The probe routes a topic of its own besides the tasks; the commands do not consume it.
    let probe_topic = unique("tasks-probe");
    let tasks_cli = |args: &'static [&'static str]| {
        let env = env.clone();
        let topic = probe_topic.clone();
        async move { Probe::output(PROBE, args, &topic, &env).await }
    };

    let (code, out, err) = tasks_cli(&["tasks", "list"]).await;
    assert_eq!(code, Some(0), "{err}");
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 1, "{out}");
    let row = &rows[0];
    assert_eq!(&row[..2], &["beat", "yes"], "{out}");
    assert_ne!(row[2], "-", "a last run is listed: {out}");
    assert_ne!(row[3], "-", "a next run is listed: {out}");
    assert_eq!(row[4..].join(" "), EVERY_TWO_SECONDS, "{out}");

    let (code, out, err) = tasks_cli(&["tasks", "disable", "beat"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("disable beat"), "{out}");
    let mut listed = String::new();
    for _ in 0..20 {
        let (_, out, _) = tasks_cli(&["tasks", "list"]).await;
        listed = out;
        if table_rows(&listed).first().map(|row| row[1]) == Some("no") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let row = table_rows(&listed).first().cloned().unwrap_or_default();
    assert_eq!(
        (row.get(1), row.get(3)),
        (Some(&"no"), Some(&"-")),
        "disabled, no next run: {listed}"
    );

    // `*` names every task.
    let before = runs.len();
    let (code, out, err) = tasks_cli(&["tasks", "trigger", "*"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("trigger *"), "{out}");
    wait_for(WAIT, "the disabled task's triggered run", || {
        runs.len() == before + 1
    })
    .await;

    let (code, _, err) = tasks_cli(&["tasks", "trigger", "nope"]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("`nope`") && err.contains("beat"), "{err}");
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    // An app without recurring tasks says so.
    let (code, _, err) = Probe::output(PROBE, &["tasks", "list"], &probe_topic, &[]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("declares no recurring tasks"), "{err}");

    // The schedules and logs topics are declared for `topics migrate`.
    let (code, out, err) = tasks_cli(&["topics", "plan"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&tasks.topic), "{out}");
    assert!(out.contains(DEFAULT_LOGS_TOPIC), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_with_an_older_schedule_version_runs_nothing() {
    let tasks = TasksTopic::create().await;
    let runs = Runs::default();
    let newer = tasks.builder(vec![runs.task("new", "beat", EVERY_TWO_SECONDS)], "1.10");
    let server = RunningServer::start_app(newer.build().expect("valid app"));
    wait_for(WAIT, "a run of the newer schedule", || !runs.is_empty()).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let events = Events::default();
    let older = tasks
        .builder(vec![runs.task("old", "beat", EVERY_TWO_SECONDS)], "1.9")
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(older);
    wait_for(
        WAIT,
        "the older process to report the newer schedule",
        || {
            events.snapshot().iter().any(|event| {
            matches!(event, Event::ErrorOccurred { error, .. } if error.contains("1.10"))
        })
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(
        runs.by("old"),
        0,
        "the older schedule ran: {:?}",
        runs.snapshot()
    );
}

#[test]
fn a_bad_cron_fails_the_build_naming_the_task_and_expression() {
    let tasks = RecurringTasks::new()
        .task(Task::new("fine").cron("*/5 * * * *"))
        .task(Task::new("nightly").cron("at midnight"));
    let error = App::builder()
        .config(config("bad-cron"))
        .routes(Routes::new().recurring_tasks(tasks))
        .build()
        .err()
        .expect("a bad cron is refused");
    let text = error.to_string();
    assert!(
        text.contains("`nightly`") && text.contains("`at midnight`"),
        "{text}"
    );
}
