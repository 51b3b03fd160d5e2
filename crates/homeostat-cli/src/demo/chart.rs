//! Charts of the demo report: a small data model each stage fills, drawn to
//! SVG with plotters so the report needs no script and no network.

use anyhow::anyhow;
use homeostat::core::Timestamp;
use plotters::prelude::*;

/// Hours from `t0` to `t`, the x axis of the report's time charts.
pub(crate) fn hours_since(t0: Timestamp, t: Timestamp) -> f64 {
    t.since(t0).as_secs_f64() / 3600.0
}

/// One line of a chart: `(x, y)` points in order; a NaN `y` breaks the line
/// (a gap in the data is drawn as a gap, not bridged).
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) name: String,
    pub(crate) points: Vec<(f64, f64)>,
}

impl Line {
    pub(crate) fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
        }
    }
}

/// A line chart with optional shaded x-intervals (for example fault
/// windows) behind the lines.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) lines: Vec<Line>,
    /// Shaded `[start, end]` intervals on the x axis, with what they mean.
    pub(crate) bands: Vec<(f64, f64)>,
    pub(crate) band_label: String,
    /// Fixed y range; `None` fits the data.
    pub(crate) y_range: Option<(f64, f64)>,
}

impl Chart {
    pub(crate) fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            lines: Vec::new(),
            bands: Vec::new(),
            band_label: String::new(),
            y_range: None,
        }
    }

    pub(crate) fn line(mut self, line: Line) -> Self {
        self.lines.push(line);
        self
    }

    pub(crate) fn bands(mut self, label: impl Into<String>, bands: Vec<(f64, f64)>) -> Self {
        self.band_label = label.into();
        self.bands = bands;
        self
    }

    pub(crate) fn y_range(mut self, low: f64, high: f64) -> Self {
        self.y_range = Some((low, high));
        self
    }

    /// The chart as an `<svg>` element of `width` x `height` pixels.
    pub(crate) fn to_svg(&self, width: u32, height: u32) -> anyhow::Result<String> {
        let mut svg = String::new();
        self.draw(SVGBackend::with_string(&mut svg, (width, height)))
            .map_err(|e| anyhow!("cannot draw chart {:?}: {e}", self.title))?;
        Ok(svg)
    }

    fn draw(&self, backend: SVGBackend<'_>) -> Result<(), Box<dyn std::error::Error + '_>> {
        let ((x0, x1), (y0, y1)) = self.ranges();
        let root = backend.into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 17))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 12))
            .draw()?;

        let band_style = RGBColor(230, 85, 70).mix(0.18).filled();
        let bands = chart.draw_series(
            self.bands
                .iter()
                .map(|&(a, b)| Rectangle::new([(a.max(x0), y0), (b.min(x1), y1)], band_style)),
        )?;
        if !self.bands.is_empty() && !self.band_label.is_empty() {
            bands
                .label(self.band_label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], band_style));
        }

        for (i, line) in self.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            let mut labelled = false;
            for segment in segments(&line.points) {
                let drawn = chart.draw_series(LineSeries::new(segment, style))?;
                if !labelled {
                    labelled = true;
                    drawn
                        .label(line.name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
                }
            }
        }
        if self.lines.len() > 1 || !self.bands.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font(("sans-serif", 12))
                .draw()?;
        }
        root.present()?;
        Ok(())
    }

    /// The x and y ranges: the data's extent (or the fixed y range), padded
    /// so a flat line is not drawn on the frame.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let finite = |v: f64| v.is_finite();
        let points = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter())
            .filter(|(x, y)| finite(*x) && finite(*y));
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if let Some(range) = self.y_range {
            (y0, y1) = range;
        } else {
            let pad = ((y1 - y0) * 0.05).max(y1.abs().max(1e-9) * 1e-3);
            (y0, y1) = (y0 - pad, y1 + pad);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        ((x0, x1), (y0, y1))
    }
}

/// Runs of consecutive finite points: where a value is missing the line stops.
fn segments(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|(x, y)| !x.is_finite() || !y.is_finite())
        .filter(|run| !run.is_empty())
        .map(<[(f64, f64)]>::to_vec)
        .collect()
}

/// Colour-blind-safe palette (Okabe and Ito).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_lines_bands_and_gaps_as_svg() {
        let chart = |cpu: Vec<(f64, f64)>| {
            Chart::new("cpu", "hours", "utilisation")
                .line(Line::new("node-0", cpu))
                .line(Line::new("node-1", vec![(0.0, 0.7), (4.0, 0.1)]))
                .bands("fault", vec![(1.5, 2.5)])
                .to_svg(640, 300)
                .unwrap()
        };
        let gap = chart(vec![
            (0.0, 0.2),
            (1.0, 0.3),
            (2.0, f64::NAN),
            (3.0, 0.4),
            (4.0, 0.5),
        ]);
        let whole = chart(vec![(0.0, 0.2), (1.0, 0.3), (3.0, 0.4), (4.0, 0.5)]);
        assert!(gap.starts_with("<svg"));
        assert!(gap.contains("node-1") && gap.contains("fault") && gap.contains("cpu"));
        // A missing value splits its line in two instead of bridging the gap.
        assert_eq!(
            gap.matches("<polyline").count(),
            whole.matches("<polyline").count() + 1
        );
    }

    #[test]
    fn empty_and_flat_charts_still_draw() {
        assert!(Chart::new("empty", "x", "y").to_svg(300, 200).is_ok());
        let flat = Chart::new("flat", "x", "y").line(Line::new("c", vec![(0.0, 1.0), (0.0, 1.0)]));
        assert!(flat.to_svg(300, 200).is_ok());
    }
}
