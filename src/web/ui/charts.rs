//! Charts as inline SVG, drawn on the server: no script, nothing fetched,
//! and they print. Colours are presentation attributes (the page's CSP
//! allows no inline styles); every chart comes with its numbers in a table.

use std::fmt::Write;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const BAR: &str = "#8a1c1c";
const INK: &str = "#1b1f24";
const MUTED: &str = "#4a5361";
const GRID: &str = "#c9d0da";
const NIGHT: &str = "#e8eef7";

fn open(width: u32, height: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"{t}\"><title>{t}</title>",
        t = esc(title)
    )
}

/// A horizontal bar chart of labelled counts.
pub fn bars(items: &[(String, i64)], title: &str) -> String {
    let row = 26;
    let label_w = 170;
    let width = 560;
    let height = u32::try_from(items.len()).unwrap_or(0) * row + 10;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut svg = open(width, height.max(20), title);
    for (i, (label, n)) in items.iter().enumerate() {
        let y = u32::try_from(i).unwrap_or(0) * row + 5;
        let w = u32::try_from(*n * i64::from(width - label_w - 60) / max).unwrap_or(0);
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" font-size=\"13\" text-anchor=\"end\" fill=\"{INK}\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{BAR}\"/>\
             <text x=\"{vx}\" y=\"{ty}\" font-size=\"13\" fill=\"{INK}\">{n}</text>",
            lx = label_w - 8,
            ty = y + 15,
            label = esc(label),
            h = row - 8,
            vx = label_w + w + 6,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Counts by hour of the day, the night window shaded.
pub fn hours(values: &[i64; 24], is_night: &dyn Fn(usize) -> bool, title: &str, night_label: &str) -> String {
    let (left, top, plot_w, plot_h) = (30u32, 24u32, 576u32, 150u32);
    let col = plot_w / 24;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = open(left + plot_w + 10, top + plot_h + 30, title);
    for h in 0..24u32 {
        if is_night(h as usize) {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{top}\" width=\"{col}\" height=\"{plot_h}\" fill=\"{NIGHT}\"/>",
                left + h * col
            );
        }
    }
    let _ = write!(
        svg,
        "<rect x=\"{bx}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{NIGHT}\" stroke=\"{GRID}\"/>\
         <text x=\"{tx}\" y=\"14\" font-size=\"12\" text-anchor=\"end\" fill=\"{MUTED}\">{label}</text>",
        bx = left + plot_w - 12,
        tx = left + plot_w - 16,
        label = esc(night_label)
    );
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"{GRID}\"/><text x=\"{lx}\" y=\"{ty}\" font-size=\"11\" \
         text-anchor=\"end\" fill=\"{MUTED}\">{max}</text>",
        b = top + plot_h,
        r = left + plot_w,
        lx = left - 4,
        ty = top + 10,
    );
    for (h, n) in values.iter().enumerate() {
        let h32 = u32::try_from(h).unwrap_or(0);
        let bar = u32::try_from(*n * i64::from(plot_h) / max).unwrap_or(0);
        let x = left + h32 * col + 3;
        if *n > 0 {
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{bar}\" fill=\"{BAR}\"><title>{h:02}:00 {n}</title></rect>",
                y = top + plot_h - bar,
                w = col - 6,
            );
        }
        if h % 3 == 0 {
            let _ = write!(
                svg,
                "<text x=\"{tx}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{MUTED}\">{h:02}</text>",
                tx = left + h32 * col + col / 2,
                ty = top + plot_h + 16,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A weekday × hour heatmap of counts.
pub fn heatmap(grid: &[[i64; 24]; 7], days: &[String], title: &str) -> String {
    let (left, top, cell_w, cell_h) = (60u32, 8u32, 22u32, 22u32);
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut svg = open(left + 24 * cell_w + 10, top + 7 * cell_h + 24, title);
    // Monday first, as a Chinese calendar reads.
    for (row, d) in [1usize, 2, 3, 4, 5, 6, 0].iter().enumerate() {
        let y = top + u32::try_from(row).unwrap_or(0) * cell_h;
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"end\" fill=\"{INK}\">{label}</text>",
            lx = left - 6,
            ty = y + 15,
            label = esc(days.get(*d).map_or("", String::as_str)),
        );
        for (h, n) in grid[*d].iter().enumerate() {
            let x = left + u32::try_from(h).unwrap_or(0) * cell_w;
            // From white to the brand red, in steps a printer keeps apart.
            let level = if *n == 0 { 0 } else { 1 + (*n * 4 / max).min(4) };
            let fill =
                ["#ffffff", "#f6d5d5", "#e9a3a3", "#d26262", "#b02a2a", "#8a1c1c"][usize::try_from(level).unwrap_or(0)];
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h2}\" fill=\"{fill}\" stroke=\"{GRID}\"><title>{label} {h:02}:00 {n}</title></rect>",
                w = cell_w,
                h2 = cell_h,
                label = esc(days.get(*d).map_or("", String::as_str)),
            );
        }
    }
    for h in (0..24u32).step_by(3) {
        let _ = write!(
            svg,
            "<text x=\"{tx}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{MUTED}\">{h:02}</text>",
            tx = left + h * cell_w + cell_w / 2,
            ty = top + 7 * cell_h + 16,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_title_and_escaped_labels() {
        let svg = bars(&[("<script>".into(), 3), ("邻里".into(), 1)], "纠纷类型");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>纠纷类型</title>"));
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        let night = |h: usize| !(6..22).contains(&h);
        let mut counts = [0; 24];
        counts[21] = 4;
        counts[22] = 2;
        let svg = hours(&counts, &night, "按小时", "夜间");
        assert_eq!(svg.matches(&format!("fill=\"{NIGHT}\"")).count(), 8 + 1, "22:00–06:00 is shaded (and the legend)");
        assert!(svg.contains("<title>21:00 4</title>") && svg.contains("<title>22:00 2</title>"));
        let mut grid = [[0; 24]; 7];
        grid[1][21] = 5;
        let days: Vec<String> = ["日", "一", "二", "三", "四", "五", "六"].iter().map(|d| (*d).to_owned()).collect();
        let svg = heatmap(&grid, &days, "热力图");
        assert_eq!(svg.matches("<rect").count(), 7 * 24);
        assert!(svg.contains("<title>一 21:00 5</title>"));
    }
}
