//! R10–R13 `per_case`: points per verified case of the listed types in the item's window,
//! escalated by severity, late months, the finder's multiplier, and amnesty for self-reports.

use super::s as show;
use super::{floor_en, full_marks_en, pts_en};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct PerCase {
    /// Case-type indices counted.
    pub case_types: Vec<usize>,
    /// Deduction per case of a type without its own price.
    pub points: Decimal,
    /// (case-type index, deduction per case) for types priced on their own.
    pub prices: Vec<(usize, Decimal)>,
    pub escalate: Decimal,
    pub base_severity: u32,
    /// (finder label, multiplier)
    pub finder_multiplier: Vec<(String, Decimal)>,
    pub self_report_amnesty: bool,
    pub per_month: Decimal,
    pub max_months: Option<u32>,
}

/// The reason for `count` cases of the named types (joined with 、) costing `total` of `max`;
/// `floored`: the item stops at its floor (扣完为止), false for a negative item without one.
pub fn reason(names: &str, count: u32, total: Decimal, max: Decimal, floored: bool) -> String {
    if count == 0 {
        format!("无{names}案例,{}", super::full_marks(max))
    } else {
        format!(
            "{names}共{count}例,扣{}分{}",
            show(total),
            if total > max && floored {
                ",扣完为止"
            } else {
                ""
            }
        )
    }
}

/// What a per-case rule reads of one case of the ledger.
/// [`reason`] in English; `floor` is the item's floor (`None`: a negative item without one).
pub fn reason_en(
    names: &str,
    count: u32,
    total: Decimal,
    max: Decimal,
    floor: Option<Decimal>,
) -> String {
    if count == 0 {
        format!("No cases of {names}: {}", full_marks_en(max))
    } else {
        format!(
            "{names}: {}, {} deducted{}",
            super::count_en(count as usize, "case", "cases"),
            pts_en(total),
            if total > max {
                floor_en(floor)
            } else {
                String::new()
            }
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    /// The case type (index into the set's case types).
    pub case_type: usize,
    pub date: Option<chrono::NaiveDate>,
    pub reported: Option<chrono::NaiveDate>,
    /// Months late as the ledger states it; when given it is used instead of the dates.
    pub months_late: Option<u32>,
    pub severity: Option<u32>,
    pub found_by: Option<&'a str>,
    pub self_reported: bool,
}

/// The deduction of one case under a per-case rule, with its explanation in Chinese; `None`
/// when it overflows (the scorer reports it as an error).
pub fn case_deduction(
    p: &PerCase,
    c: &CaseFacts<'_>,
    window_end: chrono::NaiveDate,
) -> Option<(Decimal, String)> {
    case_charge(p, c, window_end).map(|ch| (ch.amount, ch.render(crate::lang::Lang::Zh)))
}

/// How a case's late months were counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Late {
    /// Reported in time: nothing for lateness.
    OnTime,
    /// `months` late (as the ledger states it, or from `dated`: the date it happened and when it
    /// was reported, `None` not by the end of the window), `cap` when more than the rule counts.
    Months {
        dated: Option<(chrono::NaiveDate, Option<chrono::NaiveDate>)>,
        months: u32,
        cap: Option<u32>,
        per_month: Decimal,
        extra: Decimal,
    },
}

/// The numbers of one case's deduction under a per-case rule; rendered in either language
/// ([`Charge::render`]), never stored as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The price per case, when it is part of the deduction.
    pub price: Option<Decimal>,
    pub late: Option<Late>,
    /// (severity, base severity, extra points)
    pub escalated: Option<(u32, u32, Decimal)>,
    /// (finder as written, multiplier)
    pub finder: Option<(String, Decimal)>,
    /// Self-reported under an amnesty: nothing deducted.
    pub amnesty: bool,
    pub amount: Decimal,
}

impl Charge {
    /// The explanation: `每例扣2分,由市级发现,×2,扣4分` / `2 points per case, found by the
    /// city, ×2: 4 points deducted`.
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        let en = lang.en();
        if self.amnesty {
            return lang
                .pick(
                    "本单位自查并如实上报,不扣分",
                    "Found and reported by the unit itself: no deduction",
                )
                .to_string();
        }
        let mut parts = Vec::new();
        if let Some(price) = self.price {
            parts.push(if en {
                format!("{} per case", pts_en(price))
            } else {
                format!("每例扣{}分", show(price))
            });
        }
        match &self.late {
            None => {}
            Some(Late::OnTime) => parts.push(
                lang.pick("按时上报,不计迟报", "reported in time, not late")
                    .to_string(),
            ),
            Some(Late::Months {
                dated,
                months,
                cap,
                per_month,
                extra,
            }) => parts.push(if en {
                format!(
                    "{}{} late{}, {} a month: {}",
                    match dated {
                        Some((d, Some(r))) => format!("happened {d}, reported {r}: "),
                        Some((d, None)) => {
                            format!("happened {d}, not reported by the end of the period: ")
                        }
                        None => String::new(),
                    },
                    super::count_en(*months as usize, "month", "months"),
                    cap.map(|m| format!(" (at most {m} counted)"))
                        .unwrap_or_default(),
                    pts_en(*per_month),
                    pts_en(*extra)
                )
            } else {
                format!(
                    "{}迟报{months}个月{},每月扣{}分,计{}分",
                    match dated {
                        Some((d, Some(r))) => format!("{d}发生、{r}上报,"),
                        Some((d, None)) => format!("{d}发生、至考核期末未上报,"),
                        None => String::new(),
                    },
                    cap.map(|m| format!("(最多计{m}个月)")).unwrap_or_default(),
                    show(*per_month),
                    show(*extra)
                )
            }),
        }
        if let Some((sev, base, extra)) = self.escalated {
            parts.push(if en {
                format!(
                    "severity {sev}, {} above the base {base}: {} more",
                    super::count_en((sev - base) as usize, "level", "levels"),
                    pts_en(extra)
                )
            } else {
                format!(
                    "严重程度{sev}比基准{base}高{}级,加扣{}分",
                    sev - base,
                    show(extra)
                )
            });
        }
        if let Some((f, m)) = &self.finder {
            parts.push(if en {
                format!("found by {}, ×{}", finder_en(f), show(*m))
            } else {
                format!("由{}发现,×{}", finder_zh(f), show(*m))
            });
        }
        if en {
            let head = parts.join(", ");
            let tail = format!("{} deducted", pts_en(self.amount));
            if head.is_empty() {
                tail
            } else {
                format!("{head}: {tail}")
            }
        } else {
            parts.push(format!("扣{}分", show(self.amount)));
            parts.join(",")
        }
    }
}

/// The deduction of one case under a per-case rule, as numbers ([`Charge`]); `None` when it
/// overflows (the scorer reports it as an error).
pub fn case_charge(
    p: &PerCase,
    c: &CaseFacts<'_>,
    window_end: chrono::NaiveDate,
) -> Option<Charge> {
    use chrono::Datelike;
    let price = p.price(c.case_type);
    let mut charge = Charge {
        price: (price > Decimal::ZERO || p.per_month.is_zero()).then_some(price),
        late: None,
        escalated: None,
        finder: None,
        amnesty: false,
        amount: Decimal::ZERO,
    };
    let mut amount = price;
    let late_by = |months: u32, dated| -> Option<(Late, Decimal)> {
        let charged = p.max_months.map_or(months, |m| months.min(m));
        if charged == 0 {
            return Some((Late::OnTime, Decimal::ZERO));
        }
        let extra = p.per_month.checked_mul(Decimal::from(charged))?;
        Some((
            Late::Months {
                dated,
                months,
                cap: p.max_months.filter(|m| months > *m),
                per_month: p.per_month,
                extra,
            },
            extra,
        ))
    };
    if p.per_month > Decimal::ZERO
        && let Some(months) = c.months_late
    {
        let (late, extra) = late_by(months, None)?;
        amount = amount.checked_add(extra)?;
        charge.late = Some(late);
    } else if p.per_month > Decimal::ZERO
        && let Some(d) = c.date
    {
        let r = c.reported.unwrap_or(window_end);
        let months = (r.year() * 12 + r.month() as i32) - (d.year() * 12 + d.month() as i32);
        let months = u32::try_from(months.max(0)).unwrap_or(0);
        let (late, extra) = late_by(months, Some((d, c.reported)))?;
        amount = amount.checked_add(extra)?;
        charge.late = Some(late);
    }
    if p.escalate > Decimal::ZERO
        && let Some(sev) = c.severity
        && sev > p.base_severity
    {
        let extra = Decimal::from(sev - p.base_severity).checked_mul(p.escalate)?;
        amount = amount.checked_add(extra)?;
        charge.escalated = Some((sev, p.base_severity, extra));
    }
    if let Some(f) = c.found_by
        && let Some((_, m)) = p.finder_multiplier.iter().find(|(k, _)| k == f)
    {
        amount = amount.checked_mul(*m)?;
        charge.finder = Some((f.to_string(), *m));
    }
    if p.self_report_amnesty && c.self_reported {
        charge.amnesty = true;
        amount = Decimal::ZERO;
    }
    charge.amount = amount;
    Some(charge)
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

/// [`finder_zh`] in English.
pub fn finder_en(f: &str) -> &str {
    match f {
        "self" | "unit" => "the unit itself",
        "village" => "a village",
        "township" | "street" => "a township (street)",
        "county" | "district" => "a county (district)",
        "city" => "the city",
        "province" => "the province",
        "national" | "nation" | "state" => "the state",
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
    /// The deduction per case of a type.
    pub fn price(&self, case_type: usize) -> Decimal {
        self.prices
            .iter()
            .find(|(t, _)| *t == case_type)
            .map_or(self.points, |(_, p)| *p)
    }

    /// "每例扣10分".
    pub fn per_case_phrase(&self) -> String {
        format!("每例扣{}分", show(self.points))
    }

    /// The scoring standard (评分标准) in words, as the case deductions put it; `names` are
    /// the names of the case types counted.
    /// The rule's own clauses in English, without the item's maximum and floor (a clause of
    /// a `deductions` item says only these).
    pub fn describe_parts_en(&self, names: &[String]) -> String {
        let per = |p: Decimal| format!("{} off per case", pts_en(p));
        let mut parts = if self.prices.is_empty() {
            vec![format!("{}: {}", names.join(", "), per(self.points))]
        } else {
            let priced: Vec<String> = self
                .case_types
                .iter()
                .zip(names)
                .map(|(t, n)| format!("{n}: {}", per(self.price(*t))))
                .collect();
            vec![priced.join(", ")]
        };
        if self.escalate > Decimal::ZERO {
            parts.push(format!(
                "{} more for each level of severity above {}",
                pts_en(self.escalate),
                self.base_severity
            ));
        }
        if self.per_month > Decimal::ZERO {
            parts.push(format!(
                "reported late: {} off per month{}",
                pts_en(self.per_month),
                match self.max_months {
                    Some(m) => format!(" (at most {m} months)"),
                    None => String::new(),
                }
            ));
        }
        for (f, m) in &self.finder_multiplier {
            parts.push(format!("found by {}: × {}", finder_en(f), show(*m)));
        }
        if self.self_report_amnesty {
            parts.push("found and truthfully reported by the unit itself: nothing deducted".into());
        }
        parts.join("; ")
    }

    pub fn describe(&self, names: &[String], max: Decimal) -> String {
        let mut parts = if self.prices.is_empty() {
            vec![format!("{}{}", names.join("、"), self.per_case_phrase())]
        } else {
            // Each type with its own price, in the order the rule lists them.
            let priced: Vec<String> = self
                .case_types
                .iter()
                .zip(names)
                .map(|(t, n)| format!("{n}每例扣{}分", show(self.price(*t))))
                .collect();
            vec![priced.join("、")]
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn rule() -> PerCase {
        PerCase {
            case_types: vec![0, 1],
            points: dec("1"),
            prices: vec![(1, dec("3"))],
            escalate: Decimal::ZERO,
            base_severity: 1,
            finder_multiplier: Vec::new(),
            self_report_amnesty: false,
            per_month: dec("0.2"),
            max_months: Some(6),
        }
    }

    fn facts(months_late: Option<u32>) -> CaseFacts<'static> {
        CaseFacts {
            case_type: 0,
            date: chrono::NaiveDate::from_ymd_opt(2011, 1, 10),
            reported: chrono::NaiveDate::from_ymd_opt(2011, 2, 1),
            months_late,
            severity: None,
            found_by: None,
            self_reported: false,
        }
    }

    #[test]
    fn a_type_with_its_own_price_costs_that_price() {
        let end = chrono::NaiveDate::from_ymd_opt(2011, 12, 31).expect("date");
        // Type 1 costs 3 per case (its price), plus 2 months late × 0.2 = 3.4.
        let late = CaseFacts {
            case_type: 1,
            ..facts(Some(2))
        };
        let (a, why) = case_deduction(&rule(), &late, end).expect("computable");
        assert_eq!(a, dec("3.4"));
        assert!(why.starts_with("每例扣3分"), "{why}");
        // Type 0 has no price of its own: the rule's points, 1 + 0.4.
        assert_eq!(
            case_deduction(&rule(), &facts(Some(2)), end).map(|d| d.0),
            Some(dec("1.4"))
        );
        let names = ["迟报".to_string(), "瞒报".to_string()];
        assert!(
            rule()
                .describe(&names, dec("10"))
                .starts_with("迟报每例扣1分、瞒报每例扣3分"),
            "{}",
            rule().describe(&names, dec("10"))
        );
    }

    #[test]
    fn a_negative_item_does_not_claim_a_floor() {
        let (ten, thirty) = (dec("10"), dec("30"));
        assert_eq!(
            reason("两非", 3, thirty, ten, true),
            "两非共3例,扣30分,扣完为止"
        );
        assert_eq!(reason("两非", 3, thirty, ten, false), "两非共3例,扣30分");
    }

    #[test]
    fn a_stated_months_late_is_used_instead_of_the_dates() {
        let end = chrono::NaiveDate::from_ymd_opt(2011, 9, 30).expect("date");
        // From the dates: 1 month late → 1 + 0.2.
        assert_eq!(
            case_deduction(&rule(), &facts(None), end).expect("fits").0,
            dec("1.2")
        );
        // Stated 3 months → 1 + 3 × 0.2 = 1.6; stated 9 → capped at 6 → 1 + 1.2 = 2.2.
        let (a, why) = case_deduction(&rule(), &facts(Some(3)), end).expect("fits");
        assert_eq!(
            (a, why.as_str()),
            (
                dec("1.6"),
                "每例扣1分,迟报3个月,每月扣0.2分,计0.6分,扣1.6分"
            )
        );
        let (a, why) = case_deduction(&rule(), &facts(Some(9)), end).expect("fits");
        assert_eq!(a, dec("2.2"));
        assert!(why.contains("迟报9个月(最多计6个月)"), "{why}");
        let (a, why) = case_deduction(&rule(), &facts(Some(0)), end).expect("fits");
        assert_eq!(a, dec("1"));
        assert!(why.contains("按时上报"), "{why}");
    }
}
