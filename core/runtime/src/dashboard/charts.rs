//! The dashboard's charts: inline SVG drawn with plotters' SVG backend, each with a title and a
//! description for screen readers. Every label that comes from a pack or from local state is put
//! on one line here; the backend escapes it.

use super::esc;
use plotters::coord::Shift;
use plotters::prelude::*;
use skillwright_model::text::one_line;
use std::ops::Range;

/// Colours, shared with the page's legends.
pub const SUCCESS: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
pub const PARTIAL: RGBColor = RGBColor(0xef, 0x8f, 0x00);
pub const FAILURE: RGBColor = RGBColor(0xc6, 0x28, 0x28);
pub const SKIPPED: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);
pub const USED: RGBColor = RGBColor(0x64, 0xb5, 0xf6);
pub const LINE: RGBColor = RGBColor(0x15, 0x65, 0xc0);
const GRID: RGBColor = RGBColor(0xe6, 0xe6, 0xe6);
const AXIS: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// The CSS form of a colour.
pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Failed = Box<dyn std::error::Error>;

/// A chart ready for the page: the `<svg>` element with its accessible name, or `None` when it
/// could not be drawn.
pub struct Chart {
    /// The SVG markup.
    pub svg: String,
    /// Its title (also inside the SVG, for screen readers).
    pub title: String,
}

/// Draws `w`×`h` with `draw` and labels the result: `id` (unique in the page) names its title and
/// description, `kind` and `points` (data points drawn) go into data attributes for tests and
/// tools.
fn draw(
    id: &str,
    (w, h): (u32, u32),
    title: &str,
    desc: &str,
    kind: &str,
    points: usize,
    f: impl FnOnce(&Area) -> Result<(), Failed>,
) -> Option<Chart> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        f(&root).ok()?;
        root.present().ok()?;
    }
    // plotters opens with `<svg width=.. height=.. viewBox=.. xmlns=..>`: add the accessible name
    // and a class, and put the title and description first inside.
    let open = out.find('>')?;
    let attrs = format!(
        r#" class="chart" role="img" aria-labelledby="{id}-t {id}-d" data-kind="{kind}" data-points="{points}""#
    );
    let inner =
        format!("\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>", esc(title), esc(desc));
    out.insert_str(open + 1, &inner);
    out.insert_str(open, &attrs);
    Some(Chart { svg: out, title: one_line(title, 200) })
}

/// A date label for seconds since 1970.
pub fn date(secs: f64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0.0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

/// One series of a time chart.
pub struct Series {
    /// (seconds since 1970, value), in time order.
    pub points: Vec<(f64, f64)>,
    /// Colour of the line and of points without their own.
    pub color: RGBColor,
    /// Join the points with a line.
    pub line: bool,
    /// Draw a dot at each point (always, for a single point).
    pub dots: bool,
    /// Each point's own colour, when they differ (outcomes).
    pub point_colors: Option<Vec<RGBColor>>,
}

impl Series {
    /// One series of `points` in the plain line colour, joined, with a dot at each.
    pub fn line_and_dots(points: Vec<(f64, f64)>) -> Series {
        Series { points, color: LINE, line: true, dots: true, point_colors: None }
    }
}

/// What a time chart shows.
pub struct TimeChart<'a> {
    /// Unique id in the page.
    pub id: &'a str,
    /// Accessible title.
    pub title: &'a str,
    /// Accessible description (what the data says, in words).
    pub desc: &'a str,
    /// The y axis: its name, range and label format.
    pub y_desc: &'a str,
    /// The y range.
    pub y: Range<f64>,
    /// Formats a y label.
    pub y_fmt: &'a dyn Fn(&f64) -> String,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

/// Values over time: lines and points, dates on the x axis.
pub fn time_chart(c: TimeChart) -> Option<Chart> {
    if c.series.iter().all(|s| s.points.is_empty()) {
        return None;
    }
    // The dots drawn: what `data-points` counts.
    let points: usize =
        c.series.iter().filter(|s| s.dots || s.points.len() == 1).map(|s| s.points.len()).sum();
    let xs = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    // One day of room either side, so single runs and the last point stay inside the frame.
    let x = (lo - 86_400.0)..(hi + 86_400.0);
    draw(c.id, (500, 220), c.title, c.desc, "time", points, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(58)
            .build_cartesian_2d(x, c.y.clone())?;
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|x| date(*x))
            .y_label_formatter(c.y_fmt)
            .y_desc(one_line(c.y_desc, 40))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .label_style(("sans-serif", 14).into_font().color(&AXIS))
            .draw()?;
        for s in &c.series {
            if s.line && s.points.len() > 1 {
                chart.draw_series(LineSeries::new(s.points.iter().copied(), s.color.stroke_width(2)))?;
            }
            if !s.dots && s.points.len() > 1 {
                continue;
            }
            let colors = s.point_colors.as_ref();
            chart.draw_series(s.points.iter().enumerate().map(|(i, &p)| {
                let color = colors.and_then(|c| c.get(i)).copied().unwrap_or(s.color);
                Circle::new(p, 4, color.filled())
            }))?;
        }
        Ok(())
    })
}

/// One bar of a bar chart: its label and its stacked segments (value, colour).
pub struct Bar {
    /// The label on the axis.
    pub label: String,
    /// Segments, left to right.
    pub segments: Vec<(f64, RGBColor)>,
    /// A marker on the bar (value, colour), e.g. the recent rate against the overall one.
    pub marker: Option<(f64, RGBColor)>,
}

/// Horizontal bars, one row per label, first at the top.
pub fn bar_chart(
    id: &str,
    title: &str,
    desc: &str,
    x_desc: &str,
    x_max: f64,
    x_fmt: &dyn Fn(&f64) -> String,
    bars: &[Bar],
) -> Option<Chart> {
    let n = bars.len();
    if n == 0 {
        return None;
    }
    let labels: Vec<String> = bars.iter().map(|b| one_line(&b.label, 40)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_area = (longest as u32 * 7 + 16).clamp(60, 300);
    let height = 60 + 26 * n as u32;
    let points = bars.iter().filter(|b| b.segments.iter().any(|s| s.0 > 0.0) || b.marker.is_some()).count();
    draw(id, (720, height), title, desc, "bar", points, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..x_max.max(1.0), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .x_labels(6)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) if *i < n => labels[n - 1 - i].clone(),
                _ => String::new(),
            })
            .x_label_formatter(x_fmt)
            .x_desc(one_line(x_desc, 60))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .label_style(("sans-serif", 14).into_font().color(&AXIS))
            .draw()?;
        for (row, b) in bars.iter().enumerate() {
            let i = n - 1 - row;
            let mut from = 0.0;
            let rects: Vec<_> = b
                .segments
                .iter()
                .filter(|s| s.0 > 0.0)
                .map(|&(v, color)| {
                    let mut r = Rectangle::new(
                        [(from, SegmentValue::Exact(i)), (from + v, SegmentValue::Exact(i + 1))],
                        color.filled(),
                    );
                    r.set_margin(4, 4, 0, 0);
                    from += v;
                    r
                })
                .collect();
            chart.draw_series(rects)?;
            if let Some((v, color)) = b.marker {
                chart.draw_series(std::iter::once(Circle::new(
                    (v, SegmentValue::CenterOf(i)),
                    6,
                    color.filled(),
                )))?;
            }
        }
        Ok(())
    })
}
