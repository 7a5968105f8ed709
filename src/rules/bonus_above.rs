//! R8 `bonus_above`: below the target, `deduct` per step of `per`; at or above it, `add` per
//! step, at most `extra_cap` above the item's maximum.

use super::{Ctx, Need, Raw, count_word, count_word_en, p2, pts_en, s};
use crate::model::choice::StepCount;
use crate::num::{show_dp, steps};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct BonusAbove {
    pub target: Decimal,
    pub per: Decimal,
    pub add: Decimal,
    pub deduct: Decimal,
    pub extra_cap: Decimal,
    pub count: StepCount,
}

#[derive(Debug, Clone)]
pub struct Trace<'r> {
    pub rule: &'r BonusAbove,
    pub value: Decimal,
    pub max: Decimal,
    /// At or above the target.
    pub above: bool,
    /// Steps of `per` from the target, counted as the rule says.
    pub steps: Decimal,
    /// The steps or the points are beyond what can be computed: no points.
    pub overflow: bool,
}

impl BonusAbove {
    pub fn trace(&self, v: Decimal, max: Decimal) -> Trace<'_> {
        let above = v >= self.target;
        let dist = if above {
            v.checked_sub(self.target)
        } else {
            self.target.checked_sub(v)
        };
        // Steps and points are checked: an overflow is no points, never full marks.
        let n = dist
            .and_then(|d| steps(d, self.per, self.count))
            .filter(|n| {
                let per_step = if above { self.add } else { self.deduct };
                n.checked_mul(per_step)
                    .and_then(|p| max.checked_sub(p))
                    .is_some()
            });
        Trace {
            rule: self,
            value: v,
            max,
            above,
            steps: n.unwrap_or_default(),
            overflow: n.is_none(),
        }
    }

    pub fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        let zero = Decimal::ZERO;
        let (t, per, add, deduct) = (self.target, self.per, self.add, self.deduct);
        if per <= zero {
            return None;
        }
        if target > max {
            let extra = target - max;
            if extra > self.extra_cap || add <= zero {
                return None;
            }
            let n = match self.count {
                StepCount::Partial => extra / add,
                _ => (extra / add).ceil(),
            };
            // Steps above the target: whole = floor((v−t)/per) ≥ n; started = ceil(…) ≥ n.
            return Some(match self.count {
                StepCount::Started if n > zero => Need::above(t + (n - Decimal::ONE) * per),
                _ => Need::at_least(t + n * per),
            });
        }
        if deduct <= zero {
            return Some(Need::Any);
        }
        let room = max - target;
        Some(match self.count {
            StepCount::Whole => {
                let n = (room / deduct).floor();
                Need::above(t - (n + Decimal::ONE) * per)
            }
            StepCount::Started => Need::at_least(t - (room / deduct).floor() * per),
            StepCount::Partial => Need::at_least(t - room / deduct * per),
        })
    }

    pub fn candidates(&self, max: Decimal) -> Vec<Decimal> {
        let limit = super::need::MAX_LEVELS as i64;
        let mut v = vec![max, max + self.extra_cap];
        if self.count != StepCount::Partial {
            if self.deduct > Decimal::ZERO {
                for n in 1..limit {
                    let p = max - Decimal::from(n) * self.deduct;
                    v.push(p);
                    if p <= Decimal::ZERO {
                        break;
                    }
                }
            }
            if self.add > Decimal::ZERO {
                for n in 1..limit {
                    let e = Decimal::from(n) * self.add;
                    v.push(max + e.min(self.extra_cap));
                    if e >= self.extra_cap {
                        break;
                    }
                }
            }
        }
        v
    }
}

impl Trace<'_> {
    /// Points gained above the maximum (0 below the target).
    pub fn gain(&self) -> Decimal {
        if self.above {
            (self.steps * self.rule.add).min(self.rule.extra_cap)
        } else {
            Decimal::ZERO
        }
    }

    /// Points deducted (0 at or above the target).
    pub fn deduction(&self) -> Decimal {
        if self.above {
            Decimal::ZERO
        } else {
            self.steps * self.rule.deduct
        }
    }

    pub fn raw(&self) -> Option<Raw> {
        if self.overflow {
            return None;
        }
        Some(if self.above {
            Raw {
                points: self.max + self.gain(),
                extra: self.rule.extra_cap,
            }
        } else {
            Raw::new(self.max - self.deduction())
        })
    }

    pub fn reason(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return self.reason_en(c);
        }
        let (r, du, num) = (self.rule, c.du(), self.value);
        if self.overflow {
            return format!(
                "{}{},加减分超出可计算范围(数值溢出),无法计分",
                c.name,
                c.fv(num)
            );
        }
        if self.above {
            format!(
                "{}{},高于{}{} {}{du},{},加{}分{}",
                c.name,
                c.fv(num),
                c.target,
                c.fv(r.target),
                s(num - r.target),
                r.per_gain(c),
                s(self.gain()),
                r.cap_phrase()
            )
        } else {
            format!(
                "{}{},低于{}{} {}{du},{},扣{}分",
                c.name,
                c.fv(num),
                c.target,
                c.fv(r.target),
                s(r.target - num),
                r.per_loss(c),
                s(self.deduction())
            )
        }
    }

    fn reason_en(&self, c: &Ctx<'_>) -> String {
        let (r, num) = (self.rule, self.value);
        if self.overflow {
            return format!(
                "{} {}: the points added or deducted are beyond what can be computed (overflow), not scored",
                c.name,
                c.fv(num)
            );
        }
        if self.above {
            format!(
                "{} {}, {} above {} {}; {}: {} added{}",
                c.name,
                c.fv(num),
                c.gap_en(num - r.target),
                c.target,
                c.fv(r.target),
                r.per_gain(c),
                pts_en(self.gain()),
                r.cap_phrase_en()
            )
        } else {
            format!(
                "{} {}, {} below {} {}; {}: {} deducted",
                c.name,
                c.fv(num),
                c.gap_en(r.target - num),
                c.target,
                c.fv(r.target),
                r.per_loss(c),
                pts_en(self.deduction())
            )
        }
    }

    fn steps_en(&self, c: &Ctx<'_>) -> Vec<String> {
        let (r, num, max) = (self.rule, self.value, self.max);
        if self.overflow {
            return vec![format!(
                "Target {}, actual {} → the points added or deducted are beyond what can be computed (overflow)",
                c.fv(r.target),
                c.fv(num)
            )];
        }
        let steps = format!(
            "{} {}",
            show_dp(self.steps, 4),
            super::plural(self.steps, "step", "steps")
        );
        if self.above {
            let gain = self.gain();
            vec![
                format!(
                    "Target {}, actual {}: {} above",
                    c.fv(r.target),
                    c.fv(num),
                    c.gap_en(num - r.target)
                ),
                format!(
                    "{} ({}): {steps} → {} added{}",
                    super::capitalised(&r.per_gain(c)),
                    count_word_en(r.count),
                    pts_en(super::round_points(gain, 2)),
                    if self.steps * r.add > r.extra_cap {
                        r.cap_phrase_en()
                    } else {
                        String::new()
                    }
                ),
                format!("→ {} + {} = {}", s(max), p2(gain), p2(max + gain)),
            ]
        } else {
            let d = self.deduction();
            vec![
                format!(
                    "Target {}, actual {}: {} below the target",
                    c.fv(r.target),
                    c.fv(num),
                    c.gap_en(r.target - num)
                ),
                format!(
                    "{} ({}): {steps} → {} deducted",
                    super::capitalised(&r.per_loss(c)),
                    count_word_en(r.count),
                    pts_en(super::round_points(d, 2))
                ),
                format!("→ {} − {} = {}", s(max), p2(d), p2(max - d)),
            ]
        }
    }

    pub fn steps(&self, c: &Ctx<'_>) -> Vec<String> {
        if c.lang.en() {
            return self.steps_en(c);
        }
        let (r, du, num, max) = (self.rule, c.du(), self.value, self.max);
        if self.overflow {
            return vec![format!(
                "目标{},实际{} → 加减分超出可计算范围(数值溢出)",
                c.fv(r.target),
                c.fv(num)
            )];
        }
        if self.above {
            let gain = self.gain();
            vec![
                format!(
                    "目标{},实际{},高出{}{du}",
                    c.fv(r.target),
                    c.fv(num),
                    s(num - r.target)
                ),
                format!(
                    "每{}{du}加{}分({}):{}步 → 加{}分{}",
                    s(r.per),
                    s(r.add),
                    count_word(r.count),
                    show_dp(self.steps, 4),
                    p2(gain),
                    if self.steps * r.add > r.extra_cap {
                        format!("(最多加{}分)", s(r.extra_cap))
                    } else {
                        String::new()
                    }
                ),
                format!("→ {}+{}={}", s(max), p2(gain), p2(max + gain)),
            ]
        } else {
            let d = self.deduction();
            vec![
                format!(
                    "目标{},实际{},低于目标{}{du}",
                    c.fv(r.target),
                    c.fv(num),
                    s(r.target - num)
                ),
                format!(
                    "每{}{du}扣{}分({}):{}步 → 扣{}分",
                    s(r.per),
                    s(r.deduct),
                    count_word(r.count),
                    show_dp(self.steps, 4),
                    p2(d)
                ),
                format!("→ {}−{}={}", s(max), p2(d), p2(max - d)),
            ]
        }
    }
}

impl super::Shape for BonusAbove {
    fn name(&self) -> &'static str {
        "bonus_above"
    }
    fn param_mut(&mut self, name: &str) -> Option<&mut Decimal> {
        (name == "target").then_some(&mut self.target)
    }
    fn trace_num(&self, v: Decimal, max: Decimal) -> super::Trace<'_> {
        super::Trace::BonusAbove(self.trace(v, max))
    }
    fn need(&self, max: Decimal, target: Decimal) -> Option<Need> {
        self.need(max, target)
    }
    fn candidates(&self, max: Decimal) -> Option<Vec<Decimal>> {
        Some(self.candidates(max))
    }
    fn top(&self, max: Decimal) -> Decimal {
        max + self.extra_cap
    }
    fn continuous(&self) -> bool {
        self.count == StepCount::Partial
    }
}

impl BonusAbove {
    /// "每1个百分点加0.5分": a step above the target and its gain.
    pub fn per_gain(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!("{} added per {}", pts_en(self.add), c.gap_en(self.per));
        }
        format!("每{}{}加{}分", s(self.per), c.du(), s(self.add))
    }

    /// "每1个百分点扣1分": a step below the target and its deduction.
    pub fn per_loss(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            return format!("{} off per {}", pts_en(self.deduct), c.gap_en(self.per));
        }
        format!("每{}{}扣{}分", s(self.per), c.du(), s(self.deduct))
    }

    /// "(最多加2分)".
    /// [`BonusAbove::cap_phrase`] in English.
    pub fn cap_phrase_en(&self) -> String {
        format!(" (at most {} added)", pts_en(self.extra_cap))
    }

    pub fn cap_phrase(&self) -> String {
        format!("(最多加{}分)", s(self.extra_cap))
    }

    /// The scoring standard (评分标准) in words, as the reasons put it.
    pub fn describe(&self, c: &Ctx<'_>) -> String {
        if c.lang.en() {
            let mut out = format!(
                "{} at the target {}: {}; above the target, {}{}",
                c.name,
                c.fv(self.target),
                pts_en(c.max),
                self.per_gain(c),
                self.cap_phrase_en()
            );
            if self.deduct > Decimal::ZERO {
                out.push_str(&format!(
                    "; below the target, {}, until no points are left",
                    self.per_loss(c)
                ));
            }
            out.push_str(&format!(" ({})", count_word_en(self.count)));
            return out;
        }
        let mut out = format!(
            "{}达到目标{}的,得{}分;高于目标的,{}{}",
            c.name,
            c.fv(self.target),
            s(c.max),
            self.per_gain(c),
            self.cap_phrase()
        );
        if self.deduct > Decimal::ZERO {
            out.push_str(&format!(";低于目标的,{},扣完为止", self.per_loss(c)));
        }
        out.push_str(&format!("({})", count_word(self.count)));
        out
    }
}
