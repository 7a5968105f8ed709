//! Exact decimal arithmetic for rubric values and the one rounding rule.
//!
//! Every threshold, step and point value a rubric author writes is a short decimal, so the
//! engine computes with [`Decimal`] (base 10, 28 significant digits): `95 − 94.7` is exactly
//! three steps of `0.1`. Points are rounded **half up (away from zero) to the set's `rounding`
//! decimals, once per indicator** by [`round_points`]; lines and totals are exact sums of
//! rounded points, and the weighted combination is rounded once more with the same rule.

use crate::model::choice::StepCount;
use rust_decimal::{Decimal, RoundingStrategy};

pub use rust_decimal::Decimal as Dec;

/// Round half away from zero ("四舍五入") to `dp` decimals: the one rounding rule, for points
/// and for every number shown. (`Decimal::round_dp` is banker's rounding and is banned in
/// `clippy.toml`.)
#[allow(clippy::disallowed_methods)]
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Round points half away from zero ("四舍五入") to `dp` decimals, without trailing zeros.
pub fn round_points(value: Decimal, dp: u32) -> Decimal {
    round_half_up(value, dp).normalize()
}

/// `round_points(x × f, dp)` (the product rounded half away from zero, without trailing
/// zeros), the same value and representation, in integer arithmetic when both mantissas fit
/// in 64 bits and the product's scale is at most 28 (the product is then exact, as
/// `Decimal::checked_mul` gives it); otherwise through `Decimal`. The weighted points of the
/// robustness replications (every item in every replication) take this path.
pub fn mul_round_points(x: Decimal, f: Decimal, dp: u32) -> Option<Decimal> {
    let (a, b) = (x.mantissa(), f.mantissa());
    let scale = x.scale() + f.scale();
    // Points and factors are short: 64-bit arithmetic (a 128-bit division is a library call).
    if let (Ok(a), Ok(b)) = (i32::try_from(a), i32::try_from(b))
        && scale <= 18
    {
        let mut m = i64::from(a) * i64::from(b);
        let mut s = scale;
        if s > dp {
            let div = 10i64.pow(s - dp);
            let (q, r) = (m / div, m % div);
            m = if 2 * r.abs() >= div {
                q + m.signum()
            } else {
                q
            };
            s = dp;
        }
        if m == 0 {
            return Some(Decimal::ZERO);
        }
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        return Some(Decimal::new(m, s));
    }
    if let (Ok(a), Ok(b)) = (i64::try_from(a), i64::try_from(b))
        && scale <= 28
    {
        let mut m = i128::from(a) * i128::from(b);
        let mut s = scale;
        if m.unsigned_abs() >= 1u128 << 96 {
            // Beyond 96 bits `checked_mul` rescales: take its path.
            return x.checked_mul(f).map(|p| round_points(p, dp));
        }
        if s > dp {
            let div = 10i128.pow(s - dp);
            let (q, r) = (m / div, m % div);
            // Half away from zero: |r| ≥ div/2 moves |q| up by one.
            m = if 2 * r.abs() >= div {
                q + m.signum()
            } else {
                q
            };
            s = dp;
        }
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        if m == 0 {
            return Some(Decimal::ZERO);
        }
        return Decimal::try_from_i128_with_scale(m, s).ok();
    }
    x.checked_mul(f).map(|p| round_points(p, dp))
}

/// Display a number rounded half away from zero to at most `dp` decimals (`2.345` → `2.35`).
pub fn show_dp(value: Decimal, dp: u32) -> String {
    show(round_points(value, dp))
}

/// Display a value as written: a value with at most `dp` decimals keeps the decimals it was
/// written with (`0.950` stays `0.950`, as the evidence gave it); one with more is rounded half
/// away from zero to `dp` decimals without trailing zeros. Computed values reach here already
/// normalised (the expression evaluator strips trailing zeros), so only written zeros show.
pub fn show_written(value: Decimal, dp: u32) -> String {
    if value.scale() <= dp {
        value.to_string()
    } else {
        show_dp(value, dp)
    }
}

/// Display a decimal without trailing zeros (`7.60` → `7.6`, `95.0` → `95`).
pub fn show(value: Decimal) -> String {
    value.normalize().to_string()
}

/// [`show`] of `m × 10^-dp` (`dp` ≤ 18) appended to `out`, without making a `Decimal`: the
/// figures of a large run's rows (`tests::scaled_numbers_show_as_decimals_do`).
pub fn push_scaled(out: &mut String, m: i64, dp: u32) {
    // Digits from the last: at most 20 for the whole part, `.` and 18 places.
    let mut buf = [0u8; 48];
    let mut i = buf.len();
    let mut a = m.unsigned_abs();
    let mut places = dp.min(18);
    // Trailing zeros of the fraction are not shown.
    while places > 0 && a.is_multiple_of(10) {
        a /= 10;
        places -= 1;
    }
    if places > 0 {
        for _ in 0..places {
            i -= 1;
            buf[i] = b'0' + (a % 10) as u8;
            a /= 10;
        }
        i -= 1;
        buf[i] = b'.';
    }
    loop {
        i -= 1;
        buf[i] = b'0' + (a % 10) as u8;
        a /= 10;
        if a == 0 {
            break;
        }
    }
    if m < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// A deterministic stream of pseudo-random numbers (xorshift64) for tests that sweep many
/// generated cases; `seed` must not be 0.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A shown number for people to read: the digits of its whole part grouped by threes with `,`
/// when it has five or more (`3345000` → `3,345,000`, `12345.67` → `12,345.67`); four digits or
/// fewer stay as they are (`2010`, `1000`), as GB/T 15835-2011 allows, so years and thousand-point
/// totals never get a separator. Decimals are not touched. Only for text people read (reasons,
/// `explain`, reports, the brief, text cells): machine outputs (JSON numbers and values, CSV
/// numeric columns) and ids keep the plain form. Anything that is not a plain number (`—`, text)
/// is returned unchanged.
pub fn grouped(shown: &str) -> String {
    let (sign, rest) = match shown.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", shown),
    };
    let (whole, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if whole.len() < 5
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().skip(1).all(|b| b.is_ascii_digit())
    {
        return shown.to_string();
    }
    let mut out = String::with_capacity(shown.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// [`show`] with the whole part grouped for people ([`grouped`]).
pub fn show_grouped(value: Decimal) -> String {
    grouped(&show(value))
}

/// Display a figure that may be withheld (missing evidence): `—` when it is.
pub fn show_known(value: Option<Decimal>) -> String {
    value.map_or_else(|| "—".to_string(), show)
}

/// `m × 10^-dp` as a float, the same float as `Decimal::new(m, dp).to_f64()` gives (rust_decimal
/// 1.43's `as_f64`, step for step, in 64 bits: a conversion of the same whole number to a float
/// is the same in 64 and 128 bits). `None` for `i64::MIN` or more than 19 places.
pub fn f64_of_scaled(m: i64, dp: u32) -> Option<f64> {
    if dp == 0 {
        #[allow(clippy::cast_precision_loss)]
        return Some(m as f64);
    }
    if m == i64::MIN {
        return None;
    }
    let (neg, mantissa) = (m < 0, m.unsigned_abs());
    let precision = 10u64.checked_pow(dp)?;
    let (integral_part, frac_part) = (mantissa / precision, mantissa % precision);
    #[allow(clippy::cast_precision_loss)]
    let (frac, integral) = (frac_part as f64 / precision as f64, integral_part as f64);
    if frac == 0.0 {
        return Some(if neg { -integral } else { integral });
    }
    let round_to = 10f64.powi(dp.cast_signed());
    let rounded = ((integral + frac) * round_to).round() / round_to;
    Some(if neg { -rounded } else { rounded })
}

/// Number of steps of size `per` in `amount` (amount ≥ 0, per > 0), counted as the rule says.
pub fn steps(amount: Decimal, per: Decimal, count: StepCount) -> Option<Decimal> {
    if amount <= Decimal::ZERO {
        return Some(Decimal::ZERO);
    }
    let ratio = amount.checked_div(per)?;
    Some(match count {
        StepCount::Whole => ratio.floor(),
        StepCount::Started => ratio.ceil(),
        StepCount::Partial => ratio,
    })
}

/// [`steps`] in filtered arithmetic ([`crate::fx`]); `None` when not decided there (a zero
/// step included, which the exact path reports).
pub fn steps_fx(
    amount: crate::fx::Fx,
    per: crate::fx::Fx,
    count: StepCount,
) -> Option<crate::fx::Fx> {
    use crate::fx::Fx;
    if amount.le(Fx::ZERO)? {
        return Some(Fx::ZERO);
    }
    if per.is_zero() {
        return None;
    }
    let up = match count {
        StepCount::Whole => Some(false),
        StepCount::Started => Some(true),
        StepCount::Partial => None,
    };
    if let Some(n) = up.and_then(|up| amount.whole_steps(per, up)) {
        return Some(Fx::Dec(n, 0));
    }
    let ratio = amount.over(per)?;
    match count {
        StepCount::Whole => ratio.floor(),
        StepCount::Started => ratio.ceil(),
        StepCount::Partial => Some(ratio),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    proptest::proptest! {
        /// The float of a scaled whole number is `Decimal`'s, bit for bit, for any mantissa
        /// and the places a set rounds to and more.
        #[test]
        fn floats_of_scaled_numbers_are_decimals(m in proptest::num::i64::ANY, dp in 0u32..=12) {
            use rust_decimal::prelude::ToPrimitive;
            let want = Decimal::new(m, dp).to_f64();
            match f64_of_scaled(m, dp) {
                Some(x) => proptest::prop_assert_eq!(Some(x.to_bits()), want.map(f64::to_bits)),
                None => proptest::prop_assert_eq!(m, i64::MIN),
            }
        }
    }

    #[test]
    fn written_decimals_are_kept_computed_ones_rounded() {
        assert_eq!(show_written(dec!(0.950), 4), "0.950");
        assert_eq!(show_written(dec!(95), 4), "95");
        assert_eq!(show_written(dec!(1) / dec!(3), 4), "0.3333");
        assert_eq!(show_written(dec!(2.000049), 4), "2");
    }

    #[test]
    fn scaled_numbers_show_as_decimals_do() {
        let mut next = crate::num::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let edges = [
            0,
            1,
            -1,
            5,
            -5,
            10,
            100,
            105,
            -100,
            1_000_000,
            i64::MAX,
            i64::MIN + 1,
        ];
        for dp in 0..=6u32 {
            let random = (0..5_000).map(|_| {
                let m = next() as i64;
                // Small, round and large mantissas.
                match m & 3 {
                    0 => m % 10_000,
                    1 => (m % 1_000) * 100,
                    _ => m >> (m & 63),
                }
            });
            for m in edges.into_iter().chain(random) {
                let mut s = String::new();
                push_scaled(&mut s, m, dp);
                assert_eq!(s, show(Decimal::new(m, dp)), "{m} at {dp}");
            }
        }
    }

    #[test]
    fn integer_weighting_matches_decimal_rounding() {
        // Every combination of points and factors at the scales the engine uses, and signs.
        let mut next = crate::num::xorshift(0x2545_F491_4F6C_DD1Du64);
        for _ in 0..200_000 {
            let x = Decimal::new((next() % 2_000_001) as i64 - 1_000_000, (next() % 5) as u32);
            let f = Decimal::new((next() % 30_001) as i64, (next() % 5) as u32);
            for dp in 0..4 {
                let want = x.checked_mul(f).map(|p| round_points(p, dp));
                let got = mul_round_points(x, f, dp);
                assert_eq!(got, want, "{x} × {f} to {dp}");
                assert_eq!(
                    got.map(|d| d.to_string()),
                    want.map(|d| d.to_string()),
                    "{x} × {f} to {dp}"
                );
            }
        }
        assert_eq!(
            mul_round_points(dec!(2.5), dec!(0.1), 0),
            Some(dec!(0)),
            "0.25 → 0"
        );
        assert_eq!(mul_round_points(dec!(-2.5), dec!(1), 0), Some(dec!(-3)));
        assert_eq!(
            mul_round_points(dec!(0.125), dec!(1.0000), 2),
            Some(dec!(0.13))
        );
    }

    #[test]
    fn steps_are_exact_for_written_decimals() {
        assert_eq!(
            steps(dec!(95) - dec!(94.7), dec!(0.1), StepCount::Whole),
            Some(dec!(3))
        );
        assert_eq!(
            steps(dec!(95) - dec!(94.2), dec!(0.1), StepCount::Whole),
            Some(dec!(8))
        );
        assert_eq!(
            steps(dec!(0.05), dec!(0.1), StepCount::Whole),
            Some(dec!(0))
        );
        assert_eq!(
            steps(dec!(0.05), dec!(0.1), StepCount::Started),
            Some(dec!(1))
        );
        assert_eq!(
            steps(dec!(0.05), dec!(0.1), StepCount::Partial),
            Some(dec!(0.5))
        );
        assert_eq!(steps(dec!(-1), dec!(0.1), StepCount::Whole), Some(dec!(0)));
    }

    #[test]
    fn whole_parts_of_five_digits_or_more_are_grouped() {
        assert_eq!(grouped("3345000"), "3,345,000");
        assert_eq!(grouped("12345.6789"), "12,345.6789");
        assert_eq!(grouped("-123456"), "-123,456");
        assert_eq!(grouped("100000"), "100,000");
        // Four digits or fewer (years, thousand-point totals) and decimals stay as they are.
        assert_eq!(grouped("2010"), "2010");
        assert_eq!(grouped("1000.55"), "1000.55");
        assert_eq!(grouped("0.123456"), "0.123456");
        // Not a plain number: unchanged.
        assert_eq!(grouped("—"), "—");
        assert_eq!(grouped("12345a"), "12345a");
        assert_eq!(show_grouped(dec!(3345000.0)), "3,345,000");
    }

    #[test]
    fn rounding_is_half_up_once() {
        assert_eq!(round_points(dec!(2.345), 2), dec!(2.35));
        assert_eq!(round_points(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(round_points(dec!(89.995), 2), dec!(90));
        assert_eq!(show(dec!(7.60)), "7.6");
        assert_eq!(show(dec!(95.0)), "95");
        assert_eq!(show_dp(dec!(2.345), 2), "2.35");
        assert_eq!(show_dp(dec!(-2.345), 2), "-2.35");
    }
}
