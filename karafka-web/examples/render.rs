//! How long each board page takes to render for 50 processes × 1000 partitions, against the
//! 500 ms budget: `cargo run --release -p karafka-web --example render`.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use karafka_web::ui::{fake, pages};

const BUDGET_MS: f64 = 500.0;

/// Renders one page to HTML.
type Render<'a> = Box<dyn Fn() -> String + 'a>;

fn main() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    let started = Instant::now();
    let board = fake::board(50, 1000, now);
    println!(
        "board of 50 × 1000 built from 12 reports each in {:.1} ms",
        ms(started)
    );
    let renders: [(&str, Render<'_>); 3] = [
        (
            "/",
            Box::new(|| pages::dashboard::render(&board, now).into_string()),
        ),
        (
            "/consumers",
            Box::new(|| pages::consumers::render(&board, now).into_string()),
        ),
        (
            "/errors",
            Box::new(|| pages::errors::render(&board, None).into_string()),
        ),
    ];
    for (page, render) in renders {
        let started = Instant::now();
        let html = render();
        let took = ms(started);
        let verdict = if took <= BUDGET_MS { "within" } else { "OVER" };
        println!(
            "{page:<12} {took:>8.1} ms  {:>8} KiB  {verdict} the {BUDGET_MS} ms budget",
            html.len() / 1024
        );
    }
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}
