//! Filtered arithmetic: numbers for the hot loops that give the exact engine's answers without
//! its cost (the replications of `kaohe robustness`).
//!
//! An [`Fx`] is either an exact decimal in 64 bits (`Dec`: mantissa and scale, what evidence
//! and most arithmetic on it give) or, after a division that does not come out exact, a float
//! (`Approx`) within about 1e-15 of the exact value. Sums, differences and products of
//! decimals stay exact; every decision that a float could get wrong — a comparison, a
//! rounding, a floor — is taken only when the float is at least [`TOL`] (relative) away from
//! the edge, and otherwise refused (`None`). The engine's `Decimal` keeps 28 significant
//! digits, so any decision taken here is the one it takes; a refused one is left to it.
//! `fx::tests` check every operation against `Decimal`.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// How far (relative, at least absolute for values below 1) a float must be from an edge for
/// a decision on it to be taken.
pub const TOL: f64 = 1e-9;

/// The largest scale kept exact.
pub const MAX_SCALE: u32 = 18;

/// A number: an exact decimal `m × 10^-s` or a float near the exact value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fx {
    Dec(i64, u32),
    Approx(f64),
}

const POW10: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Powers of ten as floats, each exact.
const POW10F: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

/// `LIMIT[k]`: the largest magnitude that can be multiplied by 10^k in 64 bits.
const LIMIT: [u64; 19] = {
    let mut t = [0u64; 19];
    let mut i = 0;
    while i < 19 {
        t[i] = (i64::MAX as u64) / (POW10[i] as u64);
        i += 1;
    }
    t
};

/// 10^k in 128 bits for k ≤ 38, from a table (`i128::pow` multiplies in a loop).
const POW10_128: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// 10^k in 128 bits; `k` past 38 overflows as `10i128.pow(k)` would (a panic in debug
/// builds), so callers keep it below.
#[inline]
pub(crate) fn pow10_128(k: u32) -> i128 {
    match POW10_128.get(k as usize) {
        Some(p) => *p,
        None => 10i128.pow(k),
    }
}

#[inline]
pub(crate) fn pow10(k: u32) -> Option<i64> {
    POW10.get(k as usize).copied()
}

/// Both mantissas on the larger scale.
#[inline]
fn align(a: i64, sa: u32, b: i64, sb: u32) -> Option<(i64, i64, u32)> {
    match sa.cmp(&sb) {
        Ordering::Equal => Some((a, b, sa)),
        Ordering::Less => Some((a.checked_mul(pow10(sb - sa)?)?, b, sb)),
        Ordering::Greater => Some((a, b.checked_mul(pow10(sa - sb)?)?, sa)),
    }
}

/// Trailing zeros dropped (the value is unchanged).
fn trim(mut m: i64, mut s: u32) -> Fx {
    if m == 0 {
        return Fx::Dec(0, 0);
    }
    // Eight and four zeros at a time first: a quotient scaled up to 18 places has many.
    while s >= 8 && m % 100_000_000 == 0 {
        m /= 100_000_000;
        s -= 8;
    }
    while s >= 4 && m % 10_000 == 0 {
        m /= 10_000;
        s -= 4;
    }
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    Fx::Dec(m, s)
}

/// The largest k ≤ 18 with `ua`·10^k in 64 bits (0 when none).
fn room(ua: u64) -> u32 {
    // With d digits, ua·10^k fits for k = 18 − d and not for k = 20 − d: the largest k is
    // 19 − d or one less.
    let mut k = match ua.checked_ilog10() {
        Some(l) => MAX_SCALE.saturating_sub(l),
        None => MAX_SCALE,
    };
    if k > 0 && LIMIT.get(k as usize).is_some_and(|l| ua > *l) {
        k -= 1;
    }
    k
}

/// Whether a float divisor is too near zero to divide by (as [`Fx::over`] refuses it).
pub(crate) fn near_zero(x: f64) -> bool {
    near(x, 0.0)
}

/// Whether `x` is within [`TOL`] of `edge`: too close to decide on a float.
pub(crate) fn near(x: f64, edge: f64) -> bool {
    !x.is_finite() || (x - edge).abs() <= TOL * x.abs().max(edge.abs()).max(1.0)
}

impl Fx {
    pub const ZERO: Fx = Fx::Dec(0, 0);

    /// The decimal, exactly when its mantissa fits in 64 bits and its scale is at most 18.
    #[inline]
    pub fn from_decimal(d: Decimal) -> Fx {
        let s = d.scale();
        match i64::try_from(d.mantissa()) {
            Ok(m) if s <= MAX_SCALE => Fx::Dec(m, s),
            _ => Fx::Approx(rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(f64::NAN)),
        }
    }

    /// As a whole number of 10^-dp; `None` for a float, more places, or too large.
    #[inline]
    pub fn scaled(self, dp: u32) -> Option<i64> {
        match self {
            Fx::Dec(m, s) if s <= dp => m.checked_mul(10i64.checked_pow(dp - s)?),
            _ => None,
        }
    }

    /// The exact decimal; `None` for a float.
    pub fn to_decimal(self) -> Option<Decimal> {
        match self {
            Fx::Dec(m, s) => Some(Decimal::new(m, s)),
            Fx::Approx(_) => None,
        }
    }

    /// The nearest float (correctly rounded for mantissas below 2^53).
    #[inline]
    pub fn f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Fx::Dec(m, s) => match POW10F.get(s as usize) {
                Some(p) => m as f64 / p,
                None => m as f64 / 10f64.powi(s.cast_signed()),
            },
            Fx::Approx(v) => v,
        }
    }

    #[inline]
    pub fn is_zero(self) -> bool {
        matches!(self, Fx::Dec(0, _))
    }

    #[inline]
    pub fn negated(self) -> Fx {
        match self {
            Fx::Dec(m, s) => m
                .checked_neg()
                .map_or(Fx::Approx(-self.f64()), |m| Fx::Dec(m, s)),
            Fx::Approx(v) => Fx::Approx(-v),
        }
    }

    pub fn abs(self) -> Fx {
        match self {
            Fx::Dec(m, s) => m
                .checked_abs()
                .map_or(Fx::Approx(self.f64().abs()), |m| Fx::Dec(m, s)),
            Fx::Approx(v) => Fx::Approx(v.abs()),
        }
    }

    #[inline]
    pub fn plus(self, o: Fx) -> Fx {
        if let (Fx::Dec(a, sa), Fx::Dec(b, sb)) = (self, o)
            && let Some((a, b, s)) = align(a, sa, b, sb)
            && let Some(m) = a.checked_add(b)
        {
            return Fx::Dec(m, s);
        }
        Fx::Approx(self.f64() + o.f64())
    }

    #[inline]
    pub fn minus(self, o: Fx) -> Fx {
        self.plus(o.negated())
    }

    #[inline]
    pub fn times(self, o: Fx) -> Fx {
        if let (Fx::Dec(a, sa), Fx::Dec(b, sb)) = (self, o)
            && let Some(m) = a.checked_mul(b)
        {
            let s = sa + sb;
            if s <= MAX_SCALE {
                return Fx::Dec(m, s);
            }
            if let Fx::Dec(m, s) = trim(m, s)
                && s <= MAX_SCALE
            {
                return Fx::Dec(m, s);
            }
        }
        Fx::Approx(self.f64() * o.f64())
    }

    /// `self ÷ o`: exact when the quotient is a decimal of at most 18 places that fits; `None`
    /// when `o` is zero, or a float too near zero to tell.
    pub fn over(self, o: Fx) -> Option<Fx> {
        if o.is_zero() || matches!(o, Fx::Approx(v) if near(v, 0.0)) {
            return None;
        }
        if let (Fx::Dec(a, sa), Fx::Dec(b, sb)) = (self, o) {
            // a·10^k ÷ b with the largest k that cannot overflow.
            let k = room(a.unsigned_abs());
            if let Some(n) = pow10(k).and_then(|p| a.checked_mul(p))
                // Checked: i64::MIN ÷ −1 overflows.
                && n.checked_rem(b) == Some(0)
                && let Some(q) = n.checked_div(b)
            {
                // The quotient's scale: sa + k − sb.
                let s = i64::from(sa) + i64::from(k) - i64::from(sb);
                if s >= 0 {
                    let exact = trim(q, u32::try_from(s).unwrap_or(u32::MAX));
                    if matches!(exact, Fx::Dec(_, s) if s <= MAX_SCALE) {
                        return Some(exact);
                    }
                } else if let Some(m) =
                    pow10(u32::try_from(-s).unwrap_or(u32::MAX)).and_then(|p| q.checked_mul(p))
                {
                    return Some(Fx::Dec(m, 0));
                }
            }
        }
        Some(Fx::Approx(self.f64() / o.f64()))
    }

    /// The order of two numbers; `None` when a float is too near the other to tell.
    #[inline]
    pub fn order(self, o: Fx) -> Option<Ordering> {
        if let (Fx::Dec(a, sa), Fx::Dec(b, sb)) = (self, o) {
            if let Some((a, b, _)) = align(a, sa, b, sb) {
                return Some(a.cmp(&b));
            }
            let (a, b) = (i128::from(a), i128::from(b));
            let p = |k: u32| 10i128.pow(k);
            return Some(match sa.cmp(&sb) {
                Ordering::Equal => a.cmp(&b),
                Ordering::Less => (a * p(sb - sa)).cmp(&b),
                Ordering::Greater => a.cmp(&(b * p(sa - sb))),
            });
        }
        let (a, b) = (self.f64(), o.f64());
        if near(a, b) {
            return None;
        }
        a.partial_cmp(&b)
    }

    /// Rounded half away from zero to `dp` places (四舍五入), as `num::round_half_up`;
    /// `None` for a float too near a half to tell.
    #[inline]
    pub fn round(self, dp: u32) -> Option<Fx> {
        match self {
            Fx::Dec(m, s) if s <= dp => Some(Fx::Dec(m, s)),
            Fx::Dec(m, s) => {
                let div = pow10(s - dp)?;
                let (q, r) = (m / div, m % div);
                let q = if 2 * u128::from(r.unsigned_abs()) >= u128::from(div.unsigned_abs()) {
                    q + m.signum()
                } else {
                    q
                };
                Some(Fx::Dec(q, dp))
            }
            Fx::Approx(v) => {
                let y = v * POW10F.get(dp as usize).copied().unwrap_or(f64::INFINITY);
                let t = y.trunc();
                let off_half = ((y - t).abs() - 0.5).abs();
                if !y.is_finite() || y.abs() >= 9.0e15 || off_half <= TOL * y.abs().max(1.0) {
                    return None;
                }
                #[allow(clippy::cast_possible_truncation)]
                let q = y.round() as i64;
                Some(Fx::Dec(q, dp))
            }
        }
    }

    /// The largest whole number not above it; `None` for a float too near a whole number.
    pub fn floor(self) -> Option<Fx> {
        self.whole(false)
    }

    /// The smallest whole number not below it; `None` for a float too near a whole number.
    pub fn ceil(self) -> Option<Fx> {
        self.whole(true)
    }

    /// The whole steps of `per` in `self` (both positive decimals), rounded down or, with
    /// `up`, up: the quotient's floor or ceiling in integer arithmetic, without the quotient.
    /// `None` when either is a float, the mantissas do not align in 64 bits, or there are
    /// 10^8 steps or more. Below that bound it is also what the engine's `Decimal` gives
    /// (its quotient rounded to 28 digits, then floored): a quotient that is not whole is at
    /// least 1/b from one (b < 2^63 the aligned divisor, about 1e-19), far more than half of
    /// the 28th digit of a quotient below 10^8 (5e-21).
    pub fn whole_steps(self, per: Fx, up: bool) -> Option<i64> {
        let (Fx::Dec(a, sa), Fx::Dec(b, sb)) = (self, per) else {
            return None;
        };
        let (a, b, _) = align(a, sa, b, sb)?;
        if a <= 0 || b <= 0 {
            return None;
        }
        let (q, r) = (a / b, a % b);
        (q < 100_000_000).then_some(q + i64::from(up && r != 0))
    }

    fn whole(self, up: bool) -> Option<Fx> {
        match self {
            Fx::Dec(m, 0) => Some(Fx::Dec(m, 0)),
            Fx::Dec(m, s) => {
                let div = pow10(s)?;
                let (q, r) = (m / div, m % div);
                let q = match (up, r.signum()) {
                    (true, 1) => q + 1,
                    (false, -1) => q - 1,
                    _ => q,
                };
                Some(Fx::Dec(q, 0))
            }
            Fx::Approx(v) => {
                if v.abs() >= 9.0e15 || near(v, v.round()) {
                    return None;
                }
                #[allow(clippy::cast_possible_truncation)]
                let q = if up { v.ceil() } else { v.floor() } as i64;
                Some(Fx::Dec(q, 0))
            }
        }
    }

    pub fn min(self, o: Fx) -> Option<Fx> {
        Some(if self.order(o)? == Ordering::Greater {
            o
        } else {
            self
        })
    }

    pub fn max(self, o: Fx) -> Option<Fx> {
        Some(if self.order(o)? == Ordering::Less {
            o
        } else {
            self
        })
    }

    /// `self < o`, `self <= o`, …: `None` when it cannot be told.
    #[inline]
    pub fn lt(self, o: Fx) -> Option<bool> {
        Some(self.order(o)? == Ordering::Less)
    }

    #[inline]
    pub fn le(self, o: Fx) -> Option<bool> {
        Some(self.order(o)? != Ordering::Greater)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec() -> impl Strategy<Value = Decimal> {
        (-2_000_000i64..2_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s))
    }

    /// Decimals and the floats that divisions give.
    fn fx(d: Decimal, approx: bool) -> Fx {
        if approx {
            Fx::Approx(rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(0.0))
        } else {
            Fx::from_decimal(d)
        }
    }

    proptest! {
        #[test]
        fn arithmetic_is_decimals(a in dec(), b in dec()) {
            let (x, y) = (Fx::from_decimal(a), Fx::from_decimal(b));
            prop_assert_eq!(x.plus(y).to_decimal(), Some(a + b));
            prop_assert_eq!(x.minus(y).to_decimal(), Some(a - b));
            prop_assert_eq!(x.times(y).to_decimal(), Some(a * b));
            prop_assert_eq!(x.order(y), Some(a.cmp(&b)));
            if !b.is_zero() {
                let q = x.over(y).expect("not zero");
                match q {
                    Fx::Dec(..) => prop_assert_eq!(q.to_decimal(), Some(a / b)),
                    Fx::Approx(v) => {
                        let e = rust_decimal::prelude::ToPrimitive::to_f64(&(a / b)).unwrap_or(0.0);
                        prop_assert!((v - e).abs() <= 1e-12 * e.abs().max(1.0));
                    }
                }
            }
        }

        #[test]
        fn decisions_taken_are_the_decimal_ones(a in dec(), b in dec(), dp in 0u32..4, approx in any::<bool>()) {
            // A quotient: exact or a float near it, as divisions give.
            let Some(q) = (!b.is_zero()).then(|| a / b) else { return Ok(()) };
            let x = fx(q, approx);
            if let Some(r) = x.round(dp) {
                prop_assert_eq!(r.to_decimal(), Some(crate::num::round_half_up(q, dp)));
            }
            if let Some(f) = x.floor() {
                prop_assert_eq!(f.to_decimal(), Some(q.floor()));
            }
            if let Some(c) = x.ceil() {
                prop_assert_eq!(c.to_decimal(), Some(q.ceil()));
            }
            if let Some(o) = x.order(Fx::from_decimal(a)) {
                prop_assert_eq!(o, q.cmp(&a));
            }
            // An exact decimal is always decided (a quotient of 28 digits is a float here).
            if matches!(x, Fx::Dec(..)) {
                prop_assert!(x.round(dp).is_some() && x.floor().is_some());
            }
        }

        #[test]
        fn whole_steps_are_the_engines(
            (am, sa) in (1i64..i64::MAX, 0u32..19),
            (pm, sp) in (1i64..i64::MAX, 0u32..19),
            narrow in any::<bool>(),
            up in any::<bool>(),
        ) {
            // Narrow: the small figures rubrics have; wide: every mantissa 64 bits hold.
            let (am, pm) = if narrow { (am % 10_000_000, pm % 100_000 + 1) } else { (am, pm) };
            let (am, sa, sp) = (am.max(1), if narrow { sa % 5 } else { sa }, if narrow { sp % 5 } else { sp });
            let (a, p) = (Decimal::new(am, sa), Decimal::new(pm, sp));
            let count = if up { crate::model::choice::StepCount::Started } else { crate::model::choice::StepCount::Whole };
            if let Some(n) = Fx::Dec(am, sa).whole_steps(Fx::Dec(pm, sp), up) {
                prop_assert_eq!(Some(Decimal::from(n)), crate::num::steps(a, p, count).map(|d| d.normalize()));
            } else {
                prop_assert!(!narrow || a / p >= Decimal::from(100_000_000));
            }
        }
    }

    /// The quotient's places come from the largest power of ten the dividend can take: the
    /// direct choice is the search over every power.
    #[test]
    fn a_quotient_keeps_every_place_that_fits() {
        let search = |ua: u64| {
            let mut k = MAX_SCALE;
            while k > 0 && ua > LIMIT[k as usize] {
                k -= 1;
            }
            k
        };
        let mut rng = crate::num::xorshift(11);
        let mut cases: Vec<u64> = vec![0, 1, 9, 10, u64::MAX, i64::MAX as u64, 1 << 63];
        for k in 0..19u32 {
            let (l, p) = (LIMIT[k as usize], 10u64.pow(k));
            cases.extend([l.saturating_sub(1), l, l + 1, p - 1, p, p + 1]);
        }
        cases.extend((0..100_000).map(|_| {
            let r = rng();
            r >> (r % 64)
        }));
        for ua in cases {
            assert_eq!(room(ua), search(ua), "{ua}");
        }
    }

    #[test]
    fn floats_at_an_edge_are_refused() {
        // 1/3·3 as a float is 1 to within a rounding: no floor, no comparison with 1.
        let third = Fx::Dec(1, 0).over(Fx::Dec(3, 0)).expect("not zero");
        assert!(matches!(third, Fx::Approx(_)));
        let one = third.times(Fx::Dec(3, 0));
        assert_eq!(one.floor(), None);
        assert_eq!(one.order(Fx::Dec(1, 0)), None);
        // 0.125 is exact: rounded half away from zero, as the engine does.
        let eighth = Fx::Dec(1, 0).over(Fx::Dec(8, 0)).expect("not zero");
        assert_eq!(eighth, Fx::Dec(125, 3));
        assert_eq!(eighth.round(2), Some(Fx::Dec(13, 2)));
        assert_eq!(Fx::Dec(1, 0).over(Fx::Dec(0, 2)), None);
        // The one quotient of 64-bit integers that does not fit: a float, not a panic.
        let q = Fx::Dec(i64::MIN, 0).over(Fx::Dec(-1, 0));
        assert!(matches!(q, Some(Fx::Approx(v)) if v == 9.223_372_036_854_776e18));
        assert_eq!(
            Fx::Dec(-125, 3).round(2).and_then(Fx::to_decimal),
            Some(Decimal::new(-13, 2))
        );
    }
}
