//! `report.html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) with every stage's figures and charts.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::Context;

use super::{StageOutcome, StageStatus, Summary};

const CHART_WIDTH: u32 = 860;
const CHART_HEIGHT: u32 = 320;

/// Writes the report of `summary` to `path`.
pub(super) fn write_report(summary: &Summary, path: &Path) -> anyhow::Result<()> {
    let html = render(summary)?;
    fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))
}

fn render(summary: &Summary) -> anyhow::Result<String> {
    let mut html = String::with_capacity(256 * 1024);
    let title = format!(
        "Homeostat demo: seed {}{}",
        summary.seed,
        if summary.quick { ", quick run" } else { "" }
    );
    write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <p class=\"lede\">The stability loop run end to end on the built-in simulator: \
         a cluster with labelled faults, its metrics as features, and each stage that \
         this build provides. Same seed, same report. Homeostat {}.</p>\n",
        escape(&title),
        escape(&title),
        escape(summary.homeostat_version),
    )?;

    html.push_str("<table class=\"stages\">\n<tr><th>#</th><th>stage</th><th>crate</th><th>status</th></tr>\n");
    for (i, stage) in summary.stages.iter().enumerate() {
        let (class, status) = status_text(stage.status);
        writeln!(
            html,
            "<tr><td>{i}</td><td><a href=\"#stage-{i}\">{}</a></td><td><code>{}</code></td>\
             <td class=\"{class}\">{status}</td></tr>",
            escape(stage.stage),
            escape(stage.provided_by),
        )?;
    }
    html.push_str("</table>\n");

    for (i, stage) in summary.stages.iter().enumerate() {
        render_stage(&mut html, i, stage)?;
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

fn render_stage(html: &mut String, index: usize, stage: &StageOutcome) -> anyhow::Result<()> {
    let (class, status) = status_text(stage.status);
    writeln!(
        html,
        "<section id=\"stage-{index}\">\n<h2>{index}. {} <span class=\"{class}\">{status}</span></h2>",
        escape(stage.stage)
    )?;
    if stage.status == StageStatus::NotAvailable {
        writeln!(
            html,
            "<p>This build does not include <code>{}</code>.</p>\n</section>",
            escape(stage.provided_by)
        )?;
        return Ok(());
    }
    for note in &stage.lines {
        writeln!(html, "<p>{}</p>", escape(note))?;
    }
    for chart in &stage.charts {
        html.push_str("<figure>");
        html.push_str(&chart.to_svg(CHART_WIDTH, CHART_HEIGHT)?);
        html.push_str("</figure>\n");
    }
    html.push_str("<table class=\"figures\">\n");
    for (name, value) in &stage.figures {
        writeln!(
            html,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&name.replace('_', " ")),
            format_figure(*value)
        )?;
    }
    html.push_str("</table>\n</section>\n");
    Ok(())
}

fn status_text(status: StageStatus) -> (&'static str, &'static str) {
    match status {
        StageStatus::Ok => ("ok", "ran"),
        StageStatus::NotAvailable => ("na", "not in this build"),
    }
}

/// A figure as people read it: integers without decimals, small fractions
/// with four significant digits.
pub(super) fn format_figure(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{value:.0}");
    }
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.4}")
    }
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:900px;\
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
.lede{color:#555}table{border-collapse:collapse;margin:.8em 0}\
td,th{padding:.25em .8em;border-bottom:1px solid #eee;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums}\
.ok{color:#1a7f37;font-weight:600}.na{color:#888}\
h2 span{font-size:.7em;margin-left:.5em}figure{margin:1em 0}code{font-size:.95em}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_figures_for_reading() {
        assert_eq!(format_figure(3.0), "3");
        assert_eq!(format_figure(1234.567), "1234.6");
        assert_eq!(format_figure(2.5), "2.500");
        assert_eq!(format_figure(0.012345), "0.0123");
        assert_eq!(format_figure(f64::NAN), "NaN");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
