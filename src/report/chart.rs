//! Chart geometry for the inline SVG charts.
//!
//! The charts are drawn by the templates from the shapes computed here: coordinates are plain
//! numbers, and every label is a string that tera escapes on output. Labels carry the numbers
//! themselves, so a chart reads the same printed in greyscale.

use super::format::{percent, show_pct};
use super::labels::Labels;
use crate::num::show;
use crate::result::{Assessment, UnitResult};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use unicode_width::UnicodeWidthChar;

/// Width of every chart's viewBox (the SVG scales to the page width, at most this many CSS px).
pub(crate) const WIDTH: u32 = 900;

/// Round a coordinate to one decimal (keeps the SVG short and byte-stable).
fn r1(x: f64) -> f64 {
    let v = (x * 10.0).round() / 10.0;
    if v == 0.0 { 0.0 } else { v }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Cut `s` to at most `cols` terminal columns (CJK counts two), adding `…` when cut.
pub(crate) fn clip(s: &str, cols: usize) -> String {
    let mut w = 0;
    let mut out = String::new();
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= cols {
        return s.to_string();
    }
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > cols.saturating_sub(1) {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

// ---------------------------------------------------------------------------------------------
// Distribution of scores (league table)

#[derive(Debug, Serialize)]
pub(crate) struct Histogram {
    pub width: u32,
    pub height: f64,
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    pub bars: Vec<HistBar>,
    pub zones: Vec<Zone>,
    pub cuts: Vec<Cut>,
    pub ticks: Vec<Tick>,
    pub marks: Vec<Mark>,
    pub marks_y: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct HistBar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub cx: f64,
    pub ly: f64,
    pub count: usize,
    pub range: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Zone {
    pub x: f64,
    pub w: f64,
    pub cx: f64,
    pub label: String,
    pub class: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cut {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tick {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Mark {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub title: String,
    pub vetoed: bool,
}

/// A "nice" bin width (1, 2, 2.5 or 5 × 10ⁿ) giving about `bins` bins over `range`.
fn nice_step(range: Decimal, bins: u32) -> Decimal {
    if range <= Decimal::ZERO {
        return Decimal::ONE;
    }
    let raw = range / Decimal::from(bins);
    let mut p = Decimal::ONE;
    while p * Decimal::TEN <= raw {
        p *= Decimal::TEN;
    }
    while p > raw && p > Decimal::new(1, 6) {
        p /= Decimal::TEN;
    }
    for m in [
        Decimal::ONE,
        Decimal::TWO,
        Decimal::new(25, 1),
        Decimal::new(5, 0),
        Decimal::TEN,
    ] {
        if p * m >= raw {
            return p * m;
        }
    }
    p * Decimal::TEN
}

fn floor_to(v: Decimal, step: Decimal) -> Decimal {
    (v / step).floor() * step
}

fn ceil_to(v: Decimal, step: Decimal) -> Decimal {
    (v / step).ceil() * step
}

/// Histogram of unit scores with the grade cut-offs and one rank marker per unit.
pub(crate) fn histogram<'g>(
    a: &'g Assessment,
    class_of: impl Fn(&'g str) -> &'static str,
) -> Histogram {
    let (top, bottom) = (30.0, 176.0);
    let axis = ScoreAxis::new(a, 40.0, f64::from(WIDTH) - 16.0);
    let (zones, cuts) = grade_bands(a, &axis, class_of);
    // Rank markers under the axis, stacked where they would overlap.
    let marks_y = bottom + 38.0;
    let (marks, rows_used) = rank_marks(a, &axis, marks_y);
    Histogram {
        width: WIDTH,
        height: r1(marks_y + MARK_ROW * rows_used as f64 + 4.0),
        x0: axis.x0,
        x1: axis.x1,
        top,
        bottom,
        bars: hist_bars(a, &axis, top, bottom),
        zones,
        cuts,
        ticks: axis.ticks(),
        marks,
        marks_y,
    }
}

/// The score axis of the histogram: from `lo` to `hi` in bins of `step`, drawn from `x0` to
/// `x1`.
struct ScoreAxis {
    lo: Decimal,
    hi: Decimal,
    step: Decimal,
    nbins: usize,
    x0: f64,
    x1: f64,
}

impl ScoreAxis {
    /// An axis over every score and cut-off and up to the scale, in "nice" bins.
    fn new(a: &Assessment, x0: f64, x1: f64) -> Self {
        let cut_values: Vec<Decimal> = a.grades.iter().filter_map(|g| g.min).collect();
        let lo_raw = a
            .units
            .iter()
            .filter_map(|u| u.score)
            .chain(cut_values.iter().copied())
            .min()
            .unwrap_or(Decimal::ZERO);
        let hi_raw = a
            .units
            .iter()
            .filter_map(|u| u.score)
            .chain(std::iter::once(a.indicator_set.scale))
            .max()
            .unwrap_or(Decimal::ONE);
        let step = nice_step(hi_raw - lo_raw, 16);
        let mut lo = floor_to(lo_raw, step);
        if lo == lo_raw && lo > Decimal::ZERO {
            lo -= step; // an empty band of margin left of the lowest cut-off
        }
        let mut hi = ceil_to(hi_raw, step);
        if hi <= lo {
            hi = lo + step;
        }
        let nbins = ((hi - lo) / step).to_usize().unwrap_or(1).clamp(1, 400);
        ScoreAxis {
            lo,
            hi,
            step,
            nbins,
            x0,
            x1,
        }
    }

    /// Where a score lies on the axis.
    fn x(&self, v: Decimal) -> f64 {
        let span = f(self.hi - self.lo);
        r1(self.x0 + f(v - self.lo) / span * (self.x1 - self.x0))
    }

    /// Axis ticks: at most ten labels.
    fn ticks(&self) -> Vec<Tick> {
        let mut every = 1usize;
        while self.nbins / every > 10 {
            every = match every {
                1 => 2,
                2 => 4,
                4 => 5,
                e => e * 2,
            };
        }
        (0..=self.nbins)
            .step_by(every)
            .map(|k| {
                let v = self.lo + self.step * Decimal::from(k);
                Tick {
                    x: self.x(v),
                    label: show(v),
                }
            })
            .collect()
    }
}

/// One bar per bin that holds a score, as high as its count allows between `top` and `bottom`.
fn hist_bars(a: &Assessment, axis: &ScoreAxis, top: f64, bottom: f64) -> Vec<HistBar> {
    let mut counts = vec![0usize; axis.nbins];
    // Withheld scores are not in the distribution.
    for score in a.units.iter().filter_map(|u| u.score) {
        let k = ((score - axis.lo) / axis.step)
            .floor()
            .to_usize()
            .unwrap_or(0);
        counts[k.min(axis.nbins - 1)] += 1;
    }
    let maxc = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| {
            let from = axis.lo + axis.step * Decimal::from(k);
            let to = from + axis.step;
            let bx = axis.x(from);
            let bw = axis.x(to) - bx;
            let h = r1((bottom - top - 16.0) * (*c as f64) / (maxc as f64));
            HistBar {
                x: r1(bx + 1.0),
                y: r1(bottom - h),
                w: r1((bw - 2.0).max(1.0)),
                h,
                cx: r1(bx + bw / 2.0),
                ly: r1(bottom - h - 4.0),
                count: *c,
                range: format!("{}–{}", show(from), show(to)),
            }
        })
        .collect()
}

/// Grade bands: grades in order, each from its minimum up to the previous one's; and a cut
/// line at each minimum on the axis.
fn grade_bands<'g>(
    a: &'g Assessment,
    axis: &ScoreAxis,
    class_of: impl Fn(&'g str) -> &'static str,
) -> (Vec<Zone>, Vec<Cut>) {
    let (lo, hi) = (axis.lo, axis.hi);
    let mut zones = Vec::new();
    let mut cuts = Vec::new();
    let mut upper = hi;
    let n = a.grades.len();
    for (i, g) in a.grades.iter().enumerate() {
        let from = match g.min {
            Some(m) => m.max(lo),
            None if i + 1 == n => lo,
            None => continue,
        };
        if from < upper {
            let zx = axis.x(from);
            let zw = r1(axis.x(upper) - zx);
            let label = match g.min {
                Some(m) if zw >= 70.0 => format!("{} ≥{}", g.label, show(m)),
                _ => g.label.clone(),
            };
            zones.push(Zone {
                x: zx,
                w: zw,
                cx: r1(zx + zw / 2.0),
                label,
                class: class_of(g.label.as_str()),
            });
        }
        if let Some(m) = g.min
            && m >= lo
            && m <= hi
        {
            cuts.push(Cut {
                x: axis.x(m),
                label: show(m),
            });
        }
        upper = upper.min(from);
    }
    (zones, cuts)
}

/// The height of a row of rank labels: a 10px label's box (a CJK font's ascent and descent,
/// about 1.45 em) and a little air.
const MARK_ROW: f64 = 16.0;

/// A rank marker per unit (up to 60 units) under the axis at `marks_y`, in as many rows as
/// it takes for no two to overlap; and the number of rows used.
fn rank_marks(a: &Assessment, axis: &ScoreAxis, marks_y: f64) -> (Vec<Mark>, usize) {
    let mut marks = Vec::new();
    let mut rows_used = 0usize;
    if a.units.len() > 60 {
        return (marks, rows_used);
    }
    let mut order: Vec<(&UnitResult, Decimal)> = a
        .units
        .iter()
        .filter_map(|u| u.score.map(|s| (u, s)))
        .collect();
    order.sort_by(|p, q| p.1.cmp(&q.1).then(q.0.rank.cmp(&p.0.rank)));
    // Labels are at most two digits (60 units) of a 10px font, about 6px a digit: a row takes
    // a label only where it clears the previous one, and a new row opens when none does, so
    // no two labels ever overlap (at most one row per unit).
    const GAP: f64 = 16.0;
    let mut last: Vec<f64> = Vec::new();
    for (u, score) in order {
        let mx = axis.x(score);
        let row = match last.iter().position(|l| mx - l >= GAP) {
            Some(r) => r,
            None => {
                last.push(f64::MIN);
                last.len() - 1
            }
        };
        last[row] = mx;
        rows_used = rows_used.max(row + 1);
        marks.push(Mark {
            x: mx,
            y: r1(marks_y + MARK_ROW * row as f64),
            label: u.rank.map(|r| r.to_string()).unwrap_or_default(),
            title: format!(
                "{} {} {}",
                u.rank.map(|r| r.to_string()).unwrap_or_default(),
                u.name,
                show(score)
            ),
            vetoed: u.vetoed,
        });
    }
    (marks, rows_used)
}

// ---------------------------------------------------------------------------------------------
// Line bars (unit report)

#[derive(Debug, Serialize)]
pub(crate) struct BarChart {
    pub width: u32,
    pub height: f64,
    pub label_x: f64,
    pub value_x: f64,
    pub track_x: f64,
    pub track_w: f64,
    pub rows: Vec<Bar>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Bar {
    pub y: f64,
    pub ty: f64,
    pub h: f64,
    pub w: f64,
    pub label: String,
    pub title: String,
    pub value: String,
    pub note: String,
    pub zeroed: bool,
}

/// One bar per line: points against the line's maximum.
pub(crate) fn line_bars(u: &UnitResult, t: &Labels) -> BarChart {
    let (track_x, track_w, row_h, bar_h) = (128.0, 400.0, 32.0, 18.0);
    let rows: Vec<Bar> = u
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let y = 6.0 + row_h * i as f64;
            let share = l.points.and_then(|p| percent(p, l.max_possible));
            let frac = share.map(f).unwrap_or(0.0).clamp(0.0, 100.0) / 100.0;
            Bar {
                y,
                ty: r1(y + bar_h / 2.0 + 4.5),
                h: bar_h,
                w: r1(track_w * frac),
                label: clip(&l.name, 18),
                title: l.name.clone(),
                value: format!(
                    "{} / {}{}",
                    crate::num::show_known(l.points),
                    show(l.max_possible),
                    share
                        .map(|p| format!("  ({})", show_pct(p)))
                        .unwrap_or_default()
                ),
                note: match (&l.zeroed_by, &l.grade) {
                    (Some(v), _) => format!("{} {}", t.zeroed_by, v),
                    (None, Some(g)) => format!("{} {}", t.grade, g),
                    (None, None) => String::new(),
                },
                zeroed: l.zeroed_by.is_some(),
            }
        })
        .collect();
    BarChart {
        width: WIDTH,
        height: r1(12.0 + row_h * rows.len() as f64),
        label_x: track_x - 8.0,
        value_x: track_x + track_w + 10.0,
        track_x,
        track_w,
        rows,
    }
}

// ---------------------------------------------------------------------------------------------
// Section bars with the peer-group median (unit report)

pub(crate) struct SectionInput {
    pub name: String,
    pub points: Decimal,
    pub max: Decimal,
    pub median: Option<Decimal>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SectionChart {
    pub width: u32,
    pub height: f64,
    pub label_x: f64,
    pub value_x: f64,
    pub median_x: f64,
    pub track_x: f64,
    pub track_w: f64,
    pub grid: Vec<Tick>,
    pub grid_top: f64,
    pub grid_bottom: f64,
    pub rows: Vec<SectionBar>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SectionBar {
    pub y: f64,
    pub ty: f64,
    pub h: f64,
    pub w: f64,
    pub label: String,
    pub title: String,
    pub value: String,
    pub has_median: bool,
    pub mx: f64,
    pub my1: f64,
    pub my2: f64,
    pub median: String,
}

/// One bar per section: points as a share of the section's maximum, with the peer median.
pub(crate) fn section_bars(sections: &[SectionInput]) -> SectionChart {
    let (track_x, track_w, row_h, bar_h, top) = (262.0, 320.0, 24.0, 15.0, 22.0);
    let rows: Vec<SectionBar> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let y = top + row_h * i as f64;
            let share = percent(s.points, s.max);
            let frac = share.map(f).unwrap_or(0.0).clamp(0.0, 100.0) / 100.0;
            let med = s.median.map(|m| f(m).clamp(0.0, 100.0) / 100.0);
            SectionBar {
                y,
                ty: r1(y + bar_h / 2.0 + 4.5),
                h: bar_h,
                w: r1(track_w * frac),
                label: clip(&s.name, 40),
                title: s.name.clone(),
                value: format!(
                    "{}  {}/{}",
                    share.map(show_pct).unwrap_or_default(),
                    show(s.points),
                    show(s.max)
                ),
                has_median: med.is_some(),
                mx: r1(track_x + track_w * med.unwrap_or(0.0)),
                my1: y - 3.0,
                my2: y + bar_h + 3.0,
                median: s.median.map(show_pct).unwrap_or_default(),
            }
        })
        .collect();
    let bottom = top + row_h * rows.len() as f64;
    SectionChart {
        width: WIDTH,
        height: r1(bottom + 4.0),
        label_x: track_x - 8.0,
        value_x: track_x + track_w + 24.0,
        median_x: track_x + track_w + 160.0,
        track_x,
        track_w,
        grid: [0u32, 25, 50, 75, 100]
            .iter()
            .map(|p| Tick {
                x: r1(track_x + track_w * f64::from(*p) / 100.0),
                label: format!("{p}%"),
            })
            .collect(),
        grid_top: top - 6.0,
        grid_bottom: bottom - row_h + bar_h + 4.0,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(dec!(425), 16), dec!(50));
        assert_eq!(nice_step(dec!(400), 16), dec!(25));
        assert_eq!(nice_step(dec!(100), 16), dec!(10));
        assert_eq!(nice_step(dec!(1), 16), dec!(0.1));
        assert_eq!(nice_step(dec!(0), 16), dec!(1));
    }

    #[test]
    fn clip_counts_wide_characters() {
        assert_eq!(
            clip("流动人口服务管理体制创新示范", 40),
            "流动人口服务管理体制创新示范"
        );
        assert_eq!(clip("流动人口服务管理", 8), "流动人…");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
