//! `/routes`: what the app consumes and how.

use karafka::routing::RouteDescription;
use maud::{html, Markup};

use super::layout::{page, Nav};

/// The routes page.
pub fn render(routes: &[RouteDescription]) -> Markup {
    let body = html! {
        table #routes {
            thead { tr { th { "Consumer group" } th { "Subscription group" } th { "Topic" } th { "Consumer" } th { "Dead letters" } th { "Virtual partitions" } th { "Long-running" } th { "Filters" } th { "Features" } } }
            tbody {
                @for route in routes {
                    tr.route data-topic=(route.topic) data-consumer-group=(route.consumer_group) data-pattern=(route.pattern) {
                        td { (route.consumer_group) }
                        td.subscription-group {
                            (route.subscription_group)
                            @if route.connections > 1 { " (" (route.connections) " connections)" }
                        }
                        td.topic { (route.topic) @if route.pattern { " (pattern)" } }
                        td.consumer { (route.consumer) }
                        td.dead-letter-topic {
                            @if let Some(topic) = &route.dead_letter_topic {
                                a href={ "/dead_letters/" (topic) } { (topic) }
                            } @else { "-" }
                        }
                        td.virtual-partitions { (yes(route.virtual_partitions)) }
                        td.long-running { (yes(route.long_running_job)) }
                        td.filters { (route.filters) }
                        td.features { (route.features.join(", ")) }
                    }
                }
            }
        }
        @if routes.is_empty() { p.empty { "The app routes no topic." } }
    };
    page(Nav::Routes, "Routes", body)
}

fn yes(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}
