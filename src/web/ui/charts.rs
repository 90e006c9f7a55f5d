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

/// Every chart is this many units wide and is drawn at that many CSS
/// pixels where there is room: on a 360 px phone it shrinks by a fifth at
/// most, so that its text stays legible.
const WIDTH: u32 = 360;

fn open(width: u32, height: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(title)
    )
}

/// The width of `text` in ems, as a CJK sans-serif draws it: ideographs and
/// full-width forms one em, everything else less.
fn ems(text: &str) -> f32 {
    text.chars()
        .map(|c| match c {
            c if u32::from(c) >= 0x2E80 => 1.0,
            ' ' => 0.3,
            'i' | 'l' | 'j' | 'I' | '.' | ',' | '\'' | '(' | ')' | ':' | ';' | '|' | '!' => 0.3,
            'm' | 'w' | 'M' | 'W' => 0.9,
            c if c.is_ascii_uppercase() => 0.68,
            _ => 0.58,
        })
        .sum()
}

/// Breaks a label into lines of at most `max_ems`: at spaces where the text
/// has them, else between any two characters (as Chinese breaks).
fn wrap(text: &str, max_ems: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_inclusive(' ') {
        if ems(&line) + ems(word.trim_end()) <= max_ems {
            line.push_str(word);
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
            line = String::new();
        }
        for c in word.chars() {
            if ems(&line) + ems(&c.to_string()) > max_ems && !line.trim().is_empty() {
                lines.push(line.trim_end().to_owned());
                line = String::new();
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// A horizontal bar chart of labelled counts: each label on its own line
/// above its bar, wrapped rather than cut, the count at the line's end.
pub fn bars(items: &[(String, i64)], title: &str) -> String {
    let font = 16u32;
    let line_h = 20u32;
    let bar_h = 12u32;
    let gap = 9u32;
    let value_w = 52u32;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let wrapped: Vec<Vec<String>> =
        items.iter().map(|(label, _)| wrap(label, (WIDTH - value_w) as f32 / font as f32)).collect();
    let rows: u32 = wrapped.iter().map(|l| u32::try_from(l.len()).unwrap_or(1) * line_h + bar_h + gap).sum();
    let height = (rows + 4).max(20);
    let mut svg = open(WIDTH, height, title);
    let mut y = 0u32;
    for ((_, n), lines) in items.iter().zip(&wrapped) {
        for line in lines {
            y += line_h;
            let _ = write!(
                svg,
                "<text x=\"0\" y=\"{ty}\" font-size=\"{font}\" fill=\"{INK}\">{label}</text>",
                ty = y - 5,
                label = esc(line),
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{WIDTH}\" y=\"{ty}\" font-size=\"{font}\" font-weight=\"700\" text-anchor=\"end\" fill=\"{INK}\">{n}</text>",
            ty = y - 5,
        );
        let w = u32::try_from(*n * i64::from(WIDTH) / max).unwrap_or(0);
        let _ = write!(svg, "<rect x=\"0\" y=\"{y}\" width=\"{w}\" height=\"{bar_h}\" fill=\"{BAR}\"/>");
        y += bar_h + gap;
    }
    svg.push_str("</svg>");
    svg
}

/// Counts by hour of the day, one row an hour from 00 to 23 (as its table
/// reads), the night window shaded.
pub fn hours(values: &[i64; 24], is_night: &dyn Fn(usize) -> bool, title: &str, night_label: &str) -> String {
    let (left, top, row, font) = (34u32, 26u32, 19u32, 14u32);
    let value_w = 40u32;
    let plot_w = WIDTH - left - value_w;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = open(WIDTH, top + 24 * row + 4, title);
    for h in 0..24u32 {
        if is_night(h as usize) {
            let _ = write!(
                svg,
                "<rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{row}\" fill=\"{NIGHT}\"/>",
                y = top + h * row
            );
        }
    }
    let _ = write!(
        svg,
        "<rect x=\"0\" y=\"5\" width=\"14\" height=\"14\" fill=\"{NIGHT}\" stroke=\"{GRID}\"/>\
         <text x=\"20\" y=\"17\" font-size=\"{font}\" fill=\"{INK}\">{label}</text>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b}\" stroke=\"{GRID}\"/>",
        label = esc(night_label),
        b = top + 24 * row,
    );
    for (h, n) in values.iter().enumerate() {
        let h32 = u32::try_from(h).unwrap_or(0);
        let y = top + h32 * row;
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" font-size=\"{font}\" text-anchor=\"end\" fill=\"{MUTED}\">{h:02}</text>",
            lx = left - 6,
            ty = y + row - 5,
        );
        if *n > 0 {
            let bar = u32::try_from(*n * i64::from(plot_w) / max).unwrap_or(0).max(2);
            let _ = write!(
                svg,
                "<rect x=\"{left}\" y=\"{by}\" width=\"{bar}\" height=\"{bh}\" fill=\"{BAR}\"><title>{h:02}:00 {n}</title></rect>\
                 <text x=\"{vx}\" y=\"{ty}\" font-size=\"{font}\" fill=\"{INK}\">{n}</text>",
                by = y + 3,
                bh = row - 6,
                vx = left + bar + 5,
                ty = y + row - 5,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// From white to the brand red, in steps a printer keeps apart.
const HEAT: [&str; 6] = ["#ffffff", "#f6d5d5", "#e9a3a3", "#d26262", "#b02a2a", "#8a1c1c"];

/// An hour × weekday heatmap of counts: a column a day (Monday first, as a
/// Chinese calendar reads), a row an hour, so that it keeps its size on a
/// phone.
pub fn heatmap(grid: &[[i64; 24]; 7], days: &[String], title: &str) -> String {
    let (left, top, row) = (34u32, 24u32, 16u32);
    let col = (WIDTH - left - 4) / 7;
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut svg = open(WIDTH, top + 24 * row + 34, title);
    for (column, d) in [1usize, 2, 3, 4, 5, 6, 0].iter().enumerate() {
        let x = left + u32::try_from(column).unwrap_or(0) * col;
        let label = esc(days.get(*d).map_or("", String::as_str));
        let _ = write!(
            svg,
            "<text x=\"{tx}\" y=\"17\" font-size=\"14\" text-anchor=\"middle\" fill=\"{INK}\">{label}</text>",
            tx = x + col / 2,
        );
        for (h, n) in grid[*d].iter().enumerate() {
            let y = top + u32::try_from(h).unwrap_or(0) * row;
            let level = if *n == 0 { 0 } else { 1 + (*n * 4 / max).min(4) };
            let fill = HEAT[usize::try_from(level).unwrap_or(0)];
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{col}\" height=\"{row}\" fill=\"{fill}\" stroke=\"{GRID}\"><title>{label} {h:02}:00 {n}</title></rect>",
            );
        }
    }
    for h in (0..24u32).step_by(3) {
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" font-size=\"14\" text-anchor=\"end\" fill=\"{MUTED}\">{h:02}</text>",
            lx = left - 6,
            ty = top + h * row + row - 3,
        );
    }
    // The scale: no complaint, then the steps up to the busiest hour.
    let y = top + 24 * row + 12;
    let _ = write!(
        svg,
        "<text x=\"{lx}\" y=\"{ty}\" font-size=\"14\" text-anchor=\"end\" fill=\"{MUTED}\">0</text>",
        lx = left - 6,
        ty = y + 12
    );
    for (i, fill) in HEAT.iter().enumerate() {
        let x = left + u32::try_from(i).unwrap_or(0) * 24;
        let _ = write!(svg, "<rect x=\"{x}\" y=\"{y}\" width=\"24\" height=\"14\" fill=\"{fill}\" stroke=\"{GRID}\"/>");
    }
    let _ = write!(
        svg,
        "<text x=\"{lx}\" y=\"{ty}\" font-size=\"14\" fill=\"{MUTED}\">{max}</text>",
        lx = left + 6 * 24 + 6,
        ty = y + 12
    );
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
        assert_eq!(svg.matches("</title></rect>").count(), 7 * 24, "a cell an hour of each day");
        assert_eq!(svg.matches("<rect").count(), 7 * 24 + HEAT.len(), "and the scale");
        assert!(svg.contains(">5</text>"), "which ends at the busiest hour's count");
        assert!(svg.contains("<title>一 21:00 5</title>"));
    }

    #[test]
    fn long_labels_wrap_inside_the_chart_instead_of_being_cut() {
        let long = "敦化南路64号院中心花园北侧小广场与3号楼之间的健身步道".to_owned();
        let english = "Neighbourhood relations including noise from shared facilities".to_owned();
        let svg = bars(&[(long.clone(), 4), (english.clone(), 1)], "by place");
        let texts: Vec<&str> = svg.split("<text ").skip(1).collect();
        let mut shown = String::new();
        for t in &texts {
            let attr = |name: &str| t.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next());
            let x: f32 = attr("x").and_then(|v| v.parse().ok()).expect("x");
            let size: f32 = attr("font-size").and_then(|v| v.parse().ok()).expect("size");
            let content = t.split('>').nth(1).and_then(|v| v.split('<').next()).expect("text");
            let (from, to) = if attr("text-anchor") == Some("end") {
                (x - ems(content) * size, x)
            } else {
                (x, x + ems(content) * size)
            };
            assert!(from >= 0.0, "no text starts left of the chart: {t}");
            assert!(to <= WIDTH as f32 + 0.5, "no text runs past the right edge: {content}");
            shown.push_str(content);
        }
        let plain = |s: &str| s.replace(' ', "");
        assert!(plain(&shown).contains(&plain(&long)), "every character of the place is drawn: {shown}");
        assert!(plain(&shown).contains(&plain(&english)), "and of the English category: {shown}");
        assert!(wrap(&english, 20.0).len() > 1 && wrap(&english, 20.0).iter().all(|l| !l.starts_with(' ')));
    }

    #[test]
    fn charts_are_drawn_at_a_size_a_phone_keeps_legible() {
        let night = |h: usize| !(6..22).contains(&h);
        let grid = [[1; 24]; 7];
        let days: Vec<String> = ["日", "一", "二", "三", "四", "五", "六"].iter().map(|d| (*d).to_owned()).collect();
        for svg in [bars(&[("邻里".into(), 2)], "t"), hours(&[1; 24], &night, "t", "夜间"), heatmap(&grid, &days, "t")]
        {
            assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "drawn {WIDTH} wide");
            // A 360 px phone leaves about 290 px for a chart.
            let scale = 290.0 / WIDTH as f32;
            for size in svg
                .split("font-size=\"")
                .skip(1)
                .map(|v| v.split('"').next().and_then(|n| n.parse::<f32>().ok()).expect("size"))
            {
                assert!(size * scale >= 10.0, "text at {size} shrinks to {} px", size * scale);
            }
        }
    }
}
