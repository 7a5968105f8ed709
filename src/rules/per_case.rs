//! R10–R13 `per_case`: points per verified case of the listed types in the item's window,
//! escalated by severity, late months, the finder's multiplier, and amnesty for self-reports.

use super::s as show;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct PerCase {
    /// Case-type indices counted.
    pub case_types: Vec<usize>,
    pub points: Decimal,
    pub escalate: Decimal,
    pub base_severity: u32,
    /// (finder label, multiplier)
    pub finder_multiplier: Vec<(String, Decimal)>,
    pub self_report_amnesty: bool,
    pub per_month: Decimal,
    pub max_months: Option<u32>,
}

/// The reason for `count` cases of the named types (joined with 、) costing `total` of `max`.
pub fn reason(names: &str, count: u32, total: Decimal, max: Decimal) -> String {
    if count == 0 {
        format!("无{names}案例,得满分{}分", show(max))
    } else {
        format!(
            "{names}共{count}例,扣{}分{}",
            show(total),
            if total > max { ",扣完为止" } else { "" }
        )
    }
}

/// What a per-case rule reads of one case of the ledger.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    pub date: Option<chrono::NaiveDate>,
    pub reported: Option<chrono::NaiveDate>,
    pub severity: Option<u32>,
    pub found_by: Option<&'a str>,
    pub self_reported: bool,
}

/// The deduction of one case under a per-case rule, with its explanation.
pub fn case_deduction(
    p: &PerCase,
    c: &CaseFacts<'_>,
    window_end: chrono::NaiveDate,
) -> (Decimal, String) {
    use chrono::Datelike;
    let mut parts = Vec::new();
    if p.points > Decimal::ZERO || p.per_month.is_zero() {
        parts.push(p.per_case_phrase());
    }
    let mut amount = p.points;
    if p.per_month > Decimal::ZERO
        && let Some(d) = c.date
    {
        let r = c.reported.unwrap_or(window_end);
        let months = (r.year() * 12 + r.month() as i32) - (d.year() * 12 + d.month() as i32);
        let months = u32::try_from(months.max(0)).unwrap_or(0);
        let charged = p.max_months.map_or(months, |m| months.min(m));
        if charged > 0 {
            let extra = p.per_month * Decimal::from(charged);
            amount += extra;
            parts.push(format!(
                "{}{}迟报{}个月{},每月扣{}分,计{}分",
                d,
                match c.reported {
                    Some(r) => format!("发生、{r}上报,"),
                    None => "发生、至考核期末未上报,".to_string(),
                },
                months,
                match p.max_months {
                    Some(m) if months > m => format!("(最多计{m}个月)"),
                    _ => String::new(),
                },
                show(p.per_month),
                show(extra)
            ));
        } else {
            parts.push("按时上报,不计迟报".to_string());
        }
    }
    if p.escalate > Decimal::ZERO
        && let Some(sev) = c.severity
        && sev > p.base_severity
    {
        let extra = Decimal::from(sev - p.base_severity) * p.escalate;
        amount += extra;
        parts.push(format!(
            "严重程度{}比基准{}高{}级,加扣{}分",
            sev,
            p.base_severity,
            sev - p.base_severity,
            show(extra)
        ));
    }
    if let Some(f) = c.found_by
        && let Some((_, m)) = p.finder_multiplier.iter().find(|(k, _)| k == f)
    {
        amount *= *m;
        parts.push(format!("由{}发现,×{}", finder_zh(f), show(*m)));
    }
    if p.self_report_amnesty && c.self_reported {
        return (Decimal::ZERO, "本单位自查并如实上报,不扣分".to_string());
    }
    parts.push(format!("扣{}分", show(amount)));
    (amount, parts.join(","))
}

/// The Chinese name of a finder level written as an id (`city` → 市级); other text as written.
pub fn finder_zh(f: &str) -> &str {
    match f {
        "self" | "unit" => "本单位",
        "village" => "村级",
        "township" | "street" => "乡镇(街道)级",
        "county" | "district" => "县(区)级",
        "city" => "市级",
        "province" => "省级",
        "national" | "nation" | "state" => "国家级",
        other => other,
    }
}

impl super::Shape for PerCase {
    fn name(&self) -> &'static str {
        "per_case"
    }
    fn family(&self) -> super::Family {
        super::Family::Cases
    }
    fn case_types(&self) -> &[usize] {
        &self.case_types
    }
}

impl PerCase {
    /// "每例扣10分".
    pub fn per_case_phrase(&self) -> String {
        format!("每例扣{}分", show(self.points))
    }

    /// The scoring standard (评分标准) in words, as the case deductions put it; `names` are
    /// the names of the case types counted.
    pub fn describe(&self, names: &[String], max: Decimal) -> String {
        let mut parts = vec![format!("{}{}", names.join("、"), self.per_case_phrase())];
        if self.escalate > Decimal::ZERO {
            parts.push(format!(
                "严重程度每比基准{}高一级,加扣{}分",
                self.base_severity,
                show(self.escalate)
            ));
        }
        if self.per_month > Decimal::ZERO {
            parts.push(format!(
                "迟报的每月扣{}分{}",
                show(self.per_month),
                match self.max_months {
                    Some(m) => format!("(最多计{m}个月)"),
                    None => String::new(),
                }
            ));
        }
        for (f, m) in &self.finder_multiplier {
            parts.push(format!("由{}发现的,×{}", finder_zh(f), show(*m)));
        }
        if self.self_report_amnesty {
            parts.push("本单位自查并如实上报的,不扣分".into());
        }
        format!("{};本项{}分,扣完为止", parts.join(";"), show(max))
    }
}
