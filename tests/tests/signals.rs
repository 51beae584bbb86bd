//! Quiet mode and the job report of a server process: SIGTSTP lets the running batch finish and
//! commit, starts no other while the process stays in its group, and SIGTERM then exits 0;
//! SIGTTIN logs the running job with its partition and offsets.

use std::time::Duration;

use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigtstp_finishes_the_running_batch_starts_none_and_keeps_the_membership() {
    // Batches of 50 messages taking 5 s each: the second runs when the signals arrive.
    let (mut probe, topic, group) = slow_batches(PROBE, "tstp", "100", 55).await;
    probe.signal("TSTP");
    probe.signal("TTIN");
    probe
        .wait_log(
            &format!("Running job: Probe on {topic}/0 offsets 50 to 99 (running for"),
            Duration::from_secs(10),
        )
        .await;
    probe
        .wait_log("Reached quiet mode", Duration::from_secs(30))
        .await;
    wait_for(Duration::from_secs(10), "the quiet batch's commit", || {
        committed_offsets(&group, &topic, 1) == vec![Some(100)]
    })
    .await;

    // Longer than two batches would take: had one started, it would show.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        probe.offsets(),
        (0..100).collect::<Vec<_>>(),
        "the running batch finished, no other began"
    );
    let members = stable_group_members(&group).expect("the group is stable while quiet");
    assert_eq!(
        members.len(),
        1,
        "the quiet process is still a member: {members:?}"
    );

    probe.signal("TTIN");
    probe
        .wait_log("No job is running", Duration::from_secs(10))
        .await;
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Received SIGTSTP"), "{stderr}");
    assert!(stderr.contains("Switching to quiet mode"), "{stderr}");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(100)]);
    assert_eq!(probe.handled().len(), 100, "nothing ran after quiet");
}
