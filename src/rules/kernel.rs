//! Kernels: a value shape's points for many units or replications, its parameters taken out
//! of `Decimal` once per run instead of once per call, in whole numbers of the set's last
//! place. A kernel gives the item's points as the engine finishes them ([`super::finish`]:
//! limited to the maximum, raised to the floor, rounded once) or `None` when it does not
//! decide them; the filtered path ([`super::Shape::fx_num`], [`super::finish_fx`]) then
//! decides, and failing that the exact one. Each shape's kernel is in the shape's file
//! ([`super::Shape::kernel`]); what they share is here. Tested against the exact points for
//! every shape that has one (`rules::tests::kernels_give_the_engines_points`).

use super::Rule;
use crate::expr::fast::FxVal;
use crate::fx::Fx;
use rust_decimal::Decimal;

/// A shape's points in whole numbers of 10^-dp (dp the places the kernel was made for).
pub trait Kernel: Send + Sync {
    /// The points of a number `v` for an item whose maximum is `max`, finished by `f`.
    fn num(&self, v: Fx, max: i64, f: Finish) -> Option<i64>;
    /// The points of a yes/no value.
    fn flag(&self, _b: bool, _max: i64, _f: Finish) -> Option<i64> {
        None
    }
}

/// What finishes an item's raw points: its floor, in whole numbers of 10^-dp.
#[derive(Debug, Clone, Copy)]
pub struct Finish {
    floor: Option<i64>,
}

impl Finish {
    /// Raw points `raw` (exact in whole numbers of 10^-dp, so that rounding keeps them)
    /// limited to `max`, then raised to the floor, as [`super::finish`] does.
    #[inline]
    pub fn at(self, raw: i128, max: i64) -> Option<i64> {
        let mut p = raw.min(i128::from(max));
        if let Some(f) = self.floor {
            p = p.max(i128::from(f));
        }
        i64::try_from(p).ok()
    }
}

/// An item's kernel: its shape's, and its floor.
pub struct ItemKernel {
    shape: Box<dyn Kernel>,
    finish: Finish,
}

impl ItemKernel {
    /// The kernel of an item scored by `rule` with `floor`, for a set rounding to `dp`
    /// places; `None` when the shape has none or a parameter has more places.
    pub fn new(rule: &Rule, floor: Option<Decimal>, dp: u32) -> Option<Self> {
        let floor = match floor {
            Some(f) => Some(at_dp(f, dp)?),
            None => None,
        };
        Some(ItemKernel {
            shape: rule.as_shape().kernel(dp)?,
            finish: Finish { floor },
        })
    }

    /// The item's points for `v` when its maximum is `max` (whole numbers of 10^-dp).
    #[inline]
    pub fn points(&self, v: FxVal, max: i64) -> Option<i64> {
        match v {
            FxVal::Num(x) => self.shape.num(x, max, self.finish),
            FxVal::Bool(b) => self.shape.flag(b, max, self.finish),
            FxVal::Absent => None,
        }
    }
}

/// The kernels of a set's items and bonus items, made once per run.
pub struct Kernels {
    items: Vec<Option<ItemKernel>>,
    bonus: Vec<Option<ItemKernel>>,
    /// The grades' lower bounds ([`Kernels::with_grades`]).
    grade_mins: Vec<Option<Fx>>,
}

impl Kernels {
    /// The kernels of the items and of the bonus items, each `(rule, floor)`, for a set
    /// rounding to `dp` places.
    pub fn new<'r>(
        items: impl Iterator<Item = (&'r Rule, Option<Decimal>)>,
        bonus: impl Iterator<Item = (&'r Rule, Option<Decimal>)>,
        dp: u32,
    ) -> Self {
        let of = |(rule, floor)| ItemKernel::new(rule, floor, dp);
        Kernels {
            items: items.map(of).collect(),
            bonus: bonus.map(of).collect(),
            grade_mins: Vec::new(),
        }
    }

    /// With the grades' lower bounds (None: a grade without one), in order, taken out of
    /// `Decimal` once.
    pub fn with_grades(mut self, mins: impl Iterator<Item = Option<Decimal>>) -> Self {
        self.grade_mins = mins.map(|m| m.map(Fx::from_decimal)).collect();
        self
    }

    /// The grades' lower bounds, in order.
    #[inline]
    pub fn grade_mins(&self) -> &[Option<Fx>] {
        &self.grade_mins
    }

    /// Item `k`'s kernel.
    #[inline]
    pub fn item(&self, k: usize) -> Option<&ItemKernel> {
        self.items.get(k)?.as_ref()
    }

    /// Bonus item `k`'s kernel.
    #[inline]
    pub fn bonus(&self, k: usize) -> Option<&ItemKernel> {
        self.bonus.get(k)?.as_ref()
    }
}

/// `d` in whole numbers of 10^-dp; `None` when it has more places or does not fit.
pub fn at_dp(d: Decimal, dp: u32) -> Option<i64> {
    Fx::from_decimal(d).scaled(dp)
}

/// A parameter on the value's axis, exactly: mantissa and scale, for a kernel that computes
/// with it in whole numbers (comparisons alone take `Fx::order`).
#[derive(Debug, Clone, Copy)]
pub struct Exact {
    m: i64,
    s: u32,
}

/// The largest scale the kernels align to (10^18 × a 64-bit mantissa fits 128 bits).
const MAX_SCALE: u32 = 18;

impl Exact {
    /// `None` when the mantissa does not fit 64 bits or the scale is past [`MAX_SCALE`].
    pub fn of(d: Decimal) -> Option<Self> {
        let s = d.scale();
        (s <= MAX_SCALE).then_some(Exact {
            m: i64::try_from(d.mantissa()).ok()?,
            s,
        })
    }

    /// This parameter and the value `v` as whole numbers of one scale (`None` for a float).
    #[inline]
    pub fn aligned(self, v: Fx) -> Option<(i128, i128, u32)> {
        let Fx::Dec(vm, vs) = v else { return None };
        let w = self.s.max(vs);
        if w > MAX_SCALE {
            return None;
        }
        let p = crate::fx::pow10_128;
        Some((
            i128::from(self.m) * p(w - self.s),
            i128::from(vm) * p(w - vs),
            w,
        ))
    }

    /// Its scale.
    pub fn scale(self) -> u32 {
        self.s
    }

    /// This parameter in whole numbers of 10^-w (`w` ≥ its scale).
    #[inline]
    pub fn at(self, w: u32) -> i128 {
        i128::from(self.m) * crate::fx::pow10_128(w.saturating_sub(self.s))
    }
}
