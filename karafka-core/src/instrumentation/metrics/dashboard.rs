//! The Grafana dashboard of the repository (`dashboards/grafana/karafka.json`) against the
//! metrics: it references no metric the exposition lacks, and shows every one it has.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Value;

use super::tests::{every_series, samples};

const DASHBOARD: &str = include_str!("../../../../dashboards/grafana/karafka.json");

/// Every string under a key `key`, anywhere in `value`.
fn strings_under<'a>(value: &'a Value, key: &str, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            for (name, inner) in object {
                match inner {
                    Value::String(text) if name == key => found.push(text),
                    _ => strings_under(inner, key, found),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                strings_under(item, key, found);
            }
        }
        _ => {}
    }
}

/// A sample's or a query's metric name without the suffix of a histogram's series.
fn metric(name: &str) -> String {
    ["_bucket", "_sum", "_count"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
        .to_owned()
}

fn dashboard() -> Value {
    serde_json::from_str(DASHBOARD).expect("the dashboard is JSON")
}

/// The metrics the dashboard's panel queries and template variables name.
fn referenced() -> BTreeSet<String> {
    let dashboard = dashboard();
    let mut queries = Vec::new();
    strings_under(&dashboard["panels"], "expr", &mut queries);
    strings_under(&dashboard["templating"], "query", &mut queries);
    let name = Regex::new(r"karafka_[a-z_]+").expect("a valid pattern");
    queries
        .iter()
        .flat_map(|query| name.find_iter(query))
        .map(|found| metric(found.as_str()))
        .collect()
}

#[test]
fn the_dashboard_references_only_metrics_the_exposition_has() {
    let exposed: BTreeSet<String> = samples(&every_series().render())
        .into_iter()
        .map(|sample| metric(&sample.name))
        .collect();
    let referenced = referenced();
    assert!(referenced.len() >= 16, "{referenced:?}");
    let missing: Vec<&String> = referenced.difference(&exposed).collect();
    assert!(missing.is_empty(), "not in the exposition: {missing:?}");
    let unshown: Vec<&String> = exposed.difference(&referenced).collect();
    assert!(unshown.is_empty(), "no panel shows: {unshown:?}");
}

#[test]
fn the_dashboard_imports_with_a_prometheus_input_and_group_and_topic_variables() {
    let dashboard = dashboard();
    assert_eq!(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
    assert_eq!(dashboard["__inputs"][0]["pluginId"], "prometheus");
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    for panel in panels {
        assert!(ids.insert(panel["id"].as_u64()), "a duplicate id: {panel}");
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], "${DS_PROMETHEUS}",
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().expect("targets") {
            assert_eq!(target["datasource"]["uid"], "${DS_PROMETHEUS}");
        }
    }
    let variables: Vec<(&str, &str)> = dashboard["templating"]["list"]
        .as_array()
        .expect("variables")
        .iter()
        .map(|variable| {
            (
                variable["name"].as_str().unwrap_or_default(),
                variable["definition"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        variables,
        [
            ("group", "label_values(karafka_assigned_partitions, group)"),
            (
                "topic",
                "label_values(karafka_messages_consumed_total{group=~\"$group\"}, topic)"
            ),
        ]
    );
}
