//! The frame every page shares: head, navigation, and the place command results appear.

use maud::{html, Markup, DOCTYPE};

/// The pages of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Nav {
    /// `/`.
    Dashboard,
    /// `/consumers`.
    Consumers,
    /// `/routes`.
    Routes,
    /// `/errors`.
    Errors,
    /// `/dead_letters`.
    DeadLetters,
    /// `/explorer`.
    Explorer,
    /// `/cluster`.
    Cluster,
}

const ITEMS: [(Nav, &str, &str); 7] = [
    (Nav::Dashboard, "/", "Dashboard"),
    (Nav::Consumers, "/consumers", "Consumers"),
    (Nav::Routes, "/routes", "Routes"),
    (Nav::Errors, "/errors", "Errors"),
    (Nav::DeadLetters, "/dead_letters", "Dead letters"),
    (Nav::Explorer, "/explorer", "Explorer"),
    (Nav::Cluster, "/cluster", "Cluster"),
];

const HTMX_CONFIG: &str =
    r#"{"responseHandling":[{"code":"204","swap":false},{"code":"[2345]..","swap":true}]}"#;

/// A whole page: `title`, the navigation with `active` marked, and `body`.
pub fn page(active: Nav, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Swap refusals and failures in too (htmx drops 4xx and 5xx by default), so a
                // refused command says why in `#flash`.
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · karafka" }
                link rel="stylesheet" href="/assets/app.css";
                // No icon: spares the browser a request that would 404.
                link rel="icon" href="data:,";
                script src="/assets/vendor/htmx/htmx.min.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "karafka" }
                    nav #nav {
                        @for (nav, href, label) in ITEMS {
                            a href=(href) class=[(nav == active).then_some("active")] { (label) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    div #flash aria-live="polite" {}
                    (body)
                }
            }
        }
    }
}

/// A block that htmx reloads from the same page every 5 s (`hx-select` picks it out of the
/// whole page, so the page needs no fragment route and works without script). Its attributes
/// are not inherited: the buttons inside post elsewhere and swap into `#flash`.
pub fn live(id: &str, href: &str, body: Markup) -> Markup {
    html! {
        div.live id=(id) hx-get=(href) hx-select={ "#" (id) } hx-target="this"
            hx-swap="outerHTML" hx-trigger="every 5s" hx-disinherit="*" {
            (body)
        }
    }
}

/// A message in place of content, e.g. when the cluster does not answer.
pub fn notice(class: &str, text: &str) -> Markup {
    html! { p class={ "notice " (class) } { (text) } }
}
