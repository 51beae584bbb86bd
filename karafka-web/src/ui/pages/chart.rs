//! Line charts drawn on the server as inline SVG (plotters): no script draws them.

use maud::{html, Markup, PreEscaped};
use plotters::prelude::*;

use super::format;
use crate::ui::board::Point;

const WIDTH: u32 = 420;
const HEIGHT: u32 = 200;

/// A line chart of `points` titled `title`, in a `figure` with id `chart-<id>`; the latest value
/// is in its `data-latest` attribute.
pub fn line(id: &str, title: &str, points: &[Point]) -> Markup {
    let latest = points.last().map_or(0.0, |(_, value)| *value);
    let svg = draw(points).unwrap_or_else(|error| {
        tracing::warn!(%error, chart = id, "a chart could not be drawn");
        String::new()
    });
    html! {
        figure.chart id={ "chart-" (id) } data-latest=(latest) data-points=(points.len()) {
            figcaption { (title) " " span.latest { (format!("{latest:.1}")) } }
            (PreEscaped(svg))
        }
    }
}

fn draw(points: &[Point]) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let first = points.first().map_or(0, |(at, _)| *at);
        let last = points.last().map_or(1, |(at, _)| *at).max(first + 1);
        let top = points
            .iter()
            .map(|(_, value)| *value)
            .fold(1.0f64, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(24)
            .y_label_area_size(48)
            .build_cartesian_2d(first..last, 0.0..top)?;
        chart
            .configure_mesh()
            .x_labels(4)
            .y_labels(4)
            .x_label_formatter(&|at| {
                format::time(i64::try_from(*at).unwrap_or(0))
                    .get(11..19)
                    .unwrap_or_default()
                    .to_owned()
            })
            .light_line_style(RGBColor(240, 240, 240))
            .draw()?;
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            RGBColor(37, 99, 235).stroke_width(2),
        ))?;
        root.present()?;
    }
    Ok(svg)
}
