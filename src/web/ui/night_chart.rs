//! A night's level curve as inline SVG, drawn on the server: the
//! five-minute L_Aeq as a line (broken where readings are missing), the
//! agreed window shaded, the agreed limit and the activity threshold as
//! lines. The night page gives the same numbers in a table.

use std::fmt::Write;

use crate::app::night_review::NightDetail;

const LINE: &str = "#1b4f8a";
const LIMIT: &str = "#8a1c1c";
const THRESHOLD: &str = "#6b4e00";
const INK: &str = "#1b1f24";
const GRID: &str = "#c9d0da";
const WINDOW: &str = "#e3f3e7";

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 210.0;
const LEFT: f64 = 30.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 46.0;

/// The words the chart carries, in the page's language.
pub struct ChartWords<'a> {
    /// Its accessible name.
    pub title: &'a str,
    /// Label of the agreed window.
    pub window: &'a str,
    /// Label of the limit line.
    pub limit: &'a str,
    /// Label of the threshold line.
    pub threshold: &'a str,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The range of the level axis, in whole tens of dB(A), holding every
/// level drawn.
fn level_range(detail: &NightDetail) -> (f64, f64) {
    let levels = detail.points.iter().filter_map(|p| p.step.laeq_db).chain(detail.limit_db).chain(detail.threshold_db);
    let (lo, hi) = levels.fold((f64::MAX, f64::MIN), |(lo, hi), l| (lo.min(l), hi.max(l)));
    if lo > hi {
        return (30.0, 80.0);
    }
    let lo = ((lo - 2.0) / 10.0).floor() * 10.0;
    let hi = ((hi + 2.0) / 10.0).ceil() * 10.0;
    (lo.min(hi - 20.0), hi)
}

/// The curve of one night.
pub fn night_curve(detail: &NightDetail, words: &ChartWords<'_>) -> String {
    let (lo, hi) = level_range(detail);
    let span = detail.span_minutes.max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |minute: i64| LEFT + plot_w * (minute as f64 / span).clamp(0.0, 1.0);
    let y = |db: f64| TOP + plot_h * (1.0 - ((db - lo) / (hi - lo)).clamp(0.0, 1.0));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(words.title)
    );
    if let Some((start, end, _, _)) = detail.window {
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"{WINDOW}\"/>",
            x(start),
            (x(end) - x(start)).max(0.0)
        );
    }
    let mut db = lo;
    while db <= hi {
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"{INK}\">{db}</text>",
            WIDTH - RIGHT,
            LEFT - 3.0,
            y(db) + 3.0,
            y = y(db)
        );
        db += 10.0;
    }
    // A time label every two hours, on the hour.
    for p in
        detail.points.iter().filter(|p| p.time.ends_with(":00") && p.time[..2].parse::<u32>().is_ok_and(|h| h % 2 == 0))
    {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            x(p.minute),
            TOP + plot_h + 13.0,
            esc(&p.time)
        );
    }
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    for p in &detail.points {
        match p.step.laeq_db {
            Some(db) => {
                if let Some(run) = runs.last_mut() {
                    run.push(format!("{:.1},{:.1}", x(p.minute), y(db)));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|r| !r.is_empty()) {
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{LINE}\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>",
            run.join(" ")
        );
    }
    // The legend under the axis, on a second row where the first is full.
    let mut at = (LEFT, HEIGHT - 20.0);
    let mut legend = |svg: &mut String, colour: &str, dash: &str, label: &str| {
        let width = 20.0 + label.chars().map(|c| if u32::from(c) >= 0x2E80 { 10.0 } else { 6.0 }).sum::<f64>();
        if at.0 + width > WIDTH && at.0 > LEFT {
            at = (LEFT, at.1 + 14.0);
        }
        let (lx, ly) = at;
        let _ = write!(
            svg,
            "<line x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"{}\"{dash}/>\
             <text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"10\" fill=\"{INK}\">{}</text>",
            lx + 14.0,
            ly - 3.0,
            ly - 3.0,
            if colour == WINDOW { 8 } else { 2 },
            lx + 17.0,
            esc(label)
        );
        at.0 += width + 8.0;
    };
    if detail.window.is_some() {
        legend(&mut svg, WINDOW, "", words.window);
    }
    for (level, colour, dash, label) in [
        (detail.limit_db, LIMIT, " stroke-dasharray=\"6 3\"", words.limit),
        (detail.threshold_db, THRESHOLD, " stroke-dasharray=\"2 2\"", words.threshold),
    ] {
        if let Some(level) = level {
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash}/>",
                WIDTH - RIGHT,
                y = y(level)
            );
            legend(&mut svg, colour, dash, label);
        }
    }
    svg.push_str("</svg>");
    svg
}
