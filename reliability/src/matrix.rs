//! The results of a set of runs, scenario by scenario: the Markdown table and the SVG chart that
//! `scripts/chaos --write` (and `--matrix`) write.

use std::fmt::Write as _;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::audit::Report;
use crate::handover::Handovers;

/// What the runs of one scenario found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The scenario's name.
    pub scenario: String,
    /// Its runs' seeds, in order.
    pub seeds: Vec<u64>,
    /// Messages produced, over all runs.
    pub produced: usize,
    /// Distinct messages handled, over all runs.
    pub handled: usize,
    /// Handlings beyond the first, over all runs.
    pub duplicates: usize,
    /// Violations, over all runs.
    pub violations: usize,
    /// How long each run took, in seconds.
    pub seconds: Vec<f64>,
    /// How long partitions waited in the runs' rebalances.
    pub handovers: Handovers,
}

impl Row {
    /// A row for `scenario` with no run yet.
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            ..Self::default()
        }
    }

    /// Adds one run, seeded `seed`, that took `seconds`, found `report` and waited
    /// `handovers` in its rebalances.
    pub fn add(&mut self, seed: u64, seconds: f64, report: &Report, handovers: &Handovers) {
        self.handovers.extend(handovers);
        self.seeds.push(seed);
        self.seconds.push(seconds);
        self.produced += report.produced;
        self.handled += report.handled;
        self.duplicates += report.duplicates;
        self.violations += report.violations.len();
    }

    /// The median run time in seconds (0 without runs).
    pub fn median_seconds(&self) -> f64 {
        let mut seconds = self.seconds.clone();
        seconds.sort_by(f64::total_cmp);
        match seconds.len() {
            0 => 0.0,
            n if n % 2 == 1 => seconds[n / 2],
            n => (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0,
        }
    }

    fn seed_range(&self) -> String {
        match (self.seeds.first(), self.seeds.last()) {
            (Some(first), Some(last)) if first != last => format!("{first}–{last}"),
            (Some(first), _) => first.to_string(),
            _ => String::new(),
        }
    }
}

/// The Markdown table of `rows`; violations other than 0 in bold.
pub fn table(rows: &[Row]) -> String {
    let mut table = String::from(
        "| scenario | runs | produced | handled | duplicates | violations | seeds | s/run | handover p99 |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let violations = match row.violations {
            0 => "0".to_owned(),
            n => format!("**{n}**"),
        };
        let handover = row.handovers.quantile(0.99).map_or_else(
            || "-".to_owned(),
            |us| format!("{:.0} ms", us as f64 / 1_000.0),
        );
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {violations} | {} | {:.0} | {handover} |",
            row.scenario,
            row.seconds.len(),
            row.produced,
            row.handled,
            row.duplicates,
            row.seed_range(),
            row.median_seconds()
        );
    }
    table
}

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the chart: {0}")]
pub struct ChartError(String);

const GREEN: RGBColor = RGBColor(22, 163, 74);
const RED: RGBColor = RGBColor(220, 38, 38);
const ROW_HEIGHT: u32 = 26;

/// An SVG chart of `rows`: per scenario, a bar to the median run time with a line from the
/// shortest to the longest run, green without violations and red with any, labelled with its
/// runs, duplicates and violations.
pub fn chart(rows: &[Row]) -> Result<String, ChartError> {
    let fail = |error: &dyn std::fmt::Display| ChartError(error.to_string());
    let longest = rows
        .iter()
        .flat_map(|row| row.seconds.iter().copied())
        .fold(1.0, f64::max);
    let height = 76 + ROW_HEIGHT * rows.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Seconds per run (bar: median; line: shortest to longest)",
                ("sans-serif", 16),
            )
            .margin(10)
            .margin_right(260)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..longest * 1.05, 0.0..rows.len() as f64)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("s")
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(|e| fail(&e))?;
        for (index, row) in rows.iter().enumerate() {
            // The first row on top.
            let y = (rows.len() - 1 - index) as f64;
            let colour = if row.violations == 0 { GREEN } else { RED };
            let (shortest, longest) = row
                .seconds
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
            let label = format!(
                "{} runs, {} duplicates, {} violations",
                row.seconds.len(),
                row.duplicates,
                row.violations
            );
            chart
                .draw_series([Rectangle::new(
                    [(0.0, y + 0.2), (row.median_seconds(), y + 0.8)],
                    colour.mix(0.8).filled(),
                )])
                .map_err(|e| fail(&e))?;
            chart
                .draw_series([PathElement::new(
                    [(shortest.min(longest), y + 0.5), (longest, y + 0.5)],
                    BLACK.stroke_width(2),
                )])
                .map_err(|e| fail(&e))?;
            // Labels sit a few pixels off the axis and off the longest run.
            let name = TextStyle::from(("sans-serif", 13).into_font())
                .pos(Pos::new(HPos::Right, VPos::Center));
            chart
                .draw_series([EmptyElement::at((0.0, y + 0.5))
                    + Text::new(row.scenario.clone(), (-6, 0), name)])
                .map_err(|e| fail(&e))?;
            let figures = ("sans-serif", 12)
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .draw_series([
                    EmptyElement::at((longest, y + 0.5)) + Text::new(label, (8, 0), figures)
                ])
                .map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One handover of 80 ms in every run of a scenario other than `kill`.
    fn handovers(scenario: &str) -> Handovers {
        let log = match scenario {
            "kill" => "",
            _ => "R 100000 1 0\nA 150000 2 0 1 10\nH 180000 2 0 1 0 1 1\n",
        };
        Handovers::of(&crate::history::History::from_log(log).expect("a well-formed log"))
    }

    fn row(scenario: &str, seconds: &[f64], violations: usize) -> Row {
        let mut row = Row::new(scenario);
        for (index, &s) in seconds.iter().enumerate() {
            let report = Report {
                produced: 100,
                handled: 100,
                duplicates: 3,
                violations: vec!["x".into(); if index == 0 { violations } else { 0 }],
                notes: Vec::new(),
            };
            row.add(1000 + index as u64, s, &report, &handovers(scenario));
        }
        row
    }

    #[test]
    fn the_table_sums_runs_and_shows_the_median() {
        let rows = [
            row("kill", &[10.0, 30.0, 20.0], 0),
            row("pause", &[8.0, 12.0], 2),
        ];
        assert_eq!(
            table(&rows),
            "| scenario | runs | produced | handled | duplicates | violations | seeds | s/run | handover p99 |\n\
             |---|---|---|---|---|---|---|---|---|\n\
             | kill | 3 | 300 | 300 | 9 | 0 | 1000–1002 | 20 | - |\n\
             | pause | 2 | 200 | 200 | 6 | **2** | 1000–1001 | 10 | 80 ms |\n"
        );
    }

    #[test]
    fn the_chart_names_every_scenario_and_shows_violations_in_red() {
        let svg = chart(&[
            row("kill", &[10.0, 30.0], 0),
            row("network-cuts", &[9.0], 1),
        ])
        .expect("a chart");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            svg.contains("\nkill\n") && svg.contains("\nnetwork-cuts\n"),
            "{svg}"
        );
        assert!(svg.contains("1 runs, 3 duplicates, 1 violations"), "{svg}");
        // The bar of the scenario with a violation is red, the other green.
        assert!(svg.contains("#DC2626") && svg.contains("#16A34A"), "{svg}");
    }
}
