//! The results as an SVG chart (plotters), written next to the Markdown by `--chart`: karafka's
//! rate over its reference in every row of rates, with the row's target, and scenario 11's four
//! consumers side by side on each backlog, by rate and by CPU seconds per million messages.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::{Anchored, RateRatio, Table};
use crate::spec::Outcome;

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the chart: {0}")]
pub(crate) struct ChartError(String);

const WIDTH: u32 = 1000;
/// Where the ratio axis starts: ratios below it are drawn from it.
const RATIO_FLOOR: f64 = 0.1;
const BAR: u32 = 22;
const GREEN: RGBColor = RGBColor(22, 163, 74);
const RED: RGBColor = RGBColor(220, 38, 38);
const GREY: RGBColor = RGBColor(148, 163, 184);
/// karafka, the rust-rdkafka loop, the raw librdkafka loop, Java.
const CONSUMERS: [(&str, RGBColor); 4] = [
    ("karafka", RGBColor(37, 99, 235)),
    ("rust-rdkafka loop", RGBColor(148, 163, 184)),
    ("raw librdkafka loop", RGBColor(15, 23, 42)),
    ("Java ConsumerPerformance", RGBColor(234, 88, 12)),
];

fn fail(error: &dyn std::fmt::Display) -> ChartError {
    ChartError(error.to_string())
}

/// The chart of `table`.
pub(crate) fn svg(table: &Table) -> Result<String, ChartError> {
    let ratios = table.rate_ratios();
    let anchors = table.anchors();
    let ratios_height = if ratios.is_empty() {
        0
    } else {
        70 + BAR * ratios.len() as u32
    };
    let group = 4 * 12 + 10;
    let anchors_height = if anchors.is_empty() {
        0
    } else {
        90 + group * anchors.len() as u32
    };
    let height = (ratios_height + 2 * anchors_height).max(60);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let (top, rest) = root.split_vertically(ratios_height);
        if !ratios.is_empty() {
            draw_ratios(&top, &ratios)?;
        }
        if !anchors.is_empty() {
            let (rates, cpu) = rest.split_vertically(anchors_height);
            draw_anchors(
                &rates,
                "Scenario 11: million messages per second (longer is faster)",
                anchors,
                |outcome| outcome.rate() / 1e6,
            )?;
            draw_anchors(
                &cpu,
                "Scenario 11: CPU seconds per million messages (shorter is cheaper)",
                anchors,
                Outcome::cpu_per_million,
            )?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// One bar per row: green when it meets its target (the black mark), red when it misses it,
/// grey when the row is only reported.
fn draw_ratios(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    ratios: &[(&str, RateRatio)],
) -> Result<(), ChartError> {
    let longest = ratios
        .iter()
        .map(|(_, r)| r.ratio.max(r.target.unwrap_or(0.0)))
        .fold(1.0, f64::max);
    let rows = ratios.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "karafka's rate over its reference, log scale (mark: the target)",
            ("sans-serif", 16),
        )
        .margin(10)
        .margin_right(80)
        .x_label_area_size(40)
        .y_label_area_size(470)
        // Logarithmic: a 26 × gain (virtual partitions) and 0.6–1.3 ratios in one chart.
        .build_cartesian_2d((RATIO_FLOOR..longest * 1.5).log_scale(), 0.0..rows)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("ratio")
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()
        .map_err(|e| fail(&e))?;
    for (index, (scenario, ratio)) in ratios.iter().enumerate() {
        let y = rows - 1.0 - index as f64;
        let colour = match ratio.target {
            Some(target) if ratio.ratio >= target => GREEN,
            Some(_) => RED,
            None => GREY,
        };
        chart
            .draw_series([Rectangle::new(
                [(RATIO_FLOOR, y + 0.2), (ratio.ratio, y + 0.8)],
                colour.mix(0.85).filled(),
            )])
            .map_err(|e| fail(&e))?;
        if let Some(target) = ratio.target {
            chart
                .draw_series([PathElement::new(
                    [(target, y + 0.05), (target, y + 0.95)],
                    BLACK.stroke_width(2),
                )])
                .map_err(|e| fail(&e))?;
        }
        let label = TextStyle::from(("sans-serif", 12).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        let figure =
            TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series([EmptyElement::at((RATIO_FLOOR, y + 0.5))
                + Text::new((*scenario).to_owned(), (-6, 0), label)])
            .map_err(|e| fail(&e))?;
        chart
            .draw_series([EmptyElement::at((ratio.ratio, y + 0.5))
                + Text::new(format!("{:.2}", ratio.ratio), (6, 0), figure)])
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

/// Four bars per backlog, one per consumer, of `figure`.
fn draw_anchors(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    anchors: &[Anchored],
    figure: impl Fn(&Outcome) -> f64,
) -> Result<(), ChartError> {
    let outcomes = |anchored: &Anchored| {
        [
            figure(&anchored.karafka),
            figure(&anchored.rust_rdkafka),
            figure(&anchored.raw),
            figure(&anchored.java),
        ]
    };
    let longest = anchors
        .iter()
        .flat_map(outcomes)
        .fold(f64::EPSILON, f64::max);
    let groups = anchors.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .margin_right(200)
        .x_label_area_size(30)
        .y_label_area_size(330)
        .build_cartesian_2d(0.0..longest * 1.1, 0.0..groups)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()
        .map_err(|e| fail(&e))?;
    for (index, anchored) in anchors.iter().enumerate() {
        let top = groups - index as f64;
        for (slot, (value, (name, colour))) in
            outcomes(anchored).into_iter().zip(CONSUMERS).enumerate()
        {
            let (high, low) = (
                top - 0.08 - 0.21 * slot as f64,
                top - 0.08 - 0.21 * (slot + 1) as f64 + 0.03,
            );
            chart
                .draw_series([Rectangle::new([(0.0, low), (value, high)], colour.filled())])
                .map_err(|e| fail(&e))?;
            let style = TextStyle::from(("sans-serif", 10).into_font())
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .draw_series([EmptyElement::at((value, (low + high) / 2.0))
                    + Text::new(format!("{name} {value:.2}"), (4, 0), style)])
                .map_err(|e| fail(&e))?;
        }
        let label = TextStyle::from(("sans-serif", 12).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        chart
            .draw_series([EmptyElement::at((0.0, top - 0.5))
                + Text::new(anchored.backlog.clone(), (-6, 0), label)])
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Row;

    fn outcome(messages: u64, seconds: f64, cpu_seconds: f64) -> Outcome {
        Outcome {
            messages,
            bytes: messages * 100,
            seconds,
            cpu_seconds,
            ..Outcome::default()
        }
    }

    #[test]
    fn the_chart_shows_each_row_and_each_anchor() {
        let mut table = Table::new(true, 1);
        let base = outcome(1_000_000, 1.0, 0.5);
        table.push(Row::throughput(
            "1. pass-through",
            &base,
            &outcome(1_000_000, 0.5, 0.4),
            "≥ 0.90",
            0.9,
        ));
        table.push(Row::throughput(
            "1. slow",
            &base,
            &outcome(1_000_000, 2.0, 0.4),
            "≥ 0.90",
            0.9,
        ));
        table.anchor(Anchored {
            backlog: "100 B × 1 partition".into(),
            targeted: true,
            karafka: outcome(1_000_000, 0.5, 0.6),
            rust_rdkafka: outcome(1_000_000, 0.6, 0.5),
            raw: outcome(1_000_000, 0.25, 0.2),
            java: outcome(1_000_000, 0.7, 1.6),
        });
        let svg = svg(&table).expect("a chart");
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in [
            "1. pass-through",
            "1. slow",
            "100 B × 1 partition",
            "2.00",
            "0.50",
        ] {
            assert!(svg.contains(text), "{text} is missing: {svg}");
        }
        // The met row is green, the missed one red.
        assert!(svg.contains("#16A34A") && svg.contains("#DC2626"), "{svg}");
        assert!(svg.contains("raw librdkafka loop 4.00"), "{svg}");
        assert!(svg.contains("Java ConsumerPerformance 1.60"), "{svg}");
    }
}
