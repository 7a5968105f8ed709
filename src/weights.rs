//! `kaohe weights`: weights for rubric authors, from judgement (AHP) or from data (entropy,
//! CRITIC, standard deviation). Every method names its variant, because the variants give
//! different weights on the same data (the entropy of a sum-normalised matrix and of a
//! min-max-normalised one differ by up to 0.06 on the Elsayed (2017) matrix).
//!
//! These are suggestions for the person writing a set, computed in `f64`: nothing here is
//! scored. Each method is checked against published vectors (`fixtures/mcdm-vectors/`, copied from the outside reference data).

use thiserror::Error;

/// What can be wrong with a matrix given to a weighting method.
#[derive(Debug, Error, PartialEq)]
pub enum WeightsError {
    #[error("the matrix is empty")]
    Empty,
    #[error("row {row} has {got} values, expected {expected}")]
    Ragged {
        row: usize,
        got: usize,
        expected: usize,
    },
    #[error("the comparison matrix must be square: {rows} rows, {cols} columns")]
    NotSquare { rows: usize, cols: usize },
    #[error("value at row {row}, column {col} is {value}: judgements must be positive and finite")]
    NotPositive { row: usize, col: usize, value: f64 },
    #[error(
        "judgement ({row},{col}) = {a} but ({col},{row}) = {b}: a pairwise matrix must be reciprocal (a_ji = 1/a_ij)"
    )]
    NotReciprocal {
        row: usize,
        col: usize,
        a: f64,
        b: f64,
    },
    #[error("AHP needs at least 2 criteria and at most 15 (Saaty's random index table)")]
    AhpSize,
    #[error("value at row {row}, column {col} is not a finite number")]
    NotFinite { row: usize, col: usize },
    #[error("{method} needs at least 2 alternatives (rows)")]
    TooFewRows { method: &'static str },
    #[error("column {col} is constant: {method} cannot weigh a criterion that does not vary")]
    Constant { method: &'static str, col: usize },
    #[error("column {col} has a negative value: the sum-normalised entropy needs x ≥ 0")]
    Negative { col: usize },
}

/// Saaty's random consistency index RI for n = 1…15 (Saaty 1980; the table most software uses).
pub const SAATY_RI: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

/// The consistency ratio above which a judgement matrix is refused.
pub const CR_LIMIT: f64 = 0.1;

/// One judgement of an AHP matrix and how far it is from what the weights imply.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub row: usize,
    pub col: usize,
    /// What the author wrote: a_ij.
    pub given: f64,
    /// What the weights imply: w_i / w_j.
    pub implied: f64,
    /// |ln(a_ij · w_j / w_i)|: 0 for a judgement consistent with the weights.
    pub deviation: f64,
}

/// The result of AHP: eigenvector weights and the consistency figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Ahp {
    /// The principal eigenvector, summing to 1.
    pub weights: Vec<f64>,
    pub lambda_max: f64,
    /// CI = (λmax − n) / (n − 1).
    pub ci: f64,
    /// Saaty's RI for this n.
    pub ri: f64,
    /// CR = CI / RI (0 for n ≤ 2, where every reciprocal matrix is consistent).
    pub cr: f64,
    /// Upper-triangle judgements, most inconsistent first.
    pub judgements: Vec<Judgement>,
}

impl Ahp {
    /// Whether the matrix passes Saaty's gate (CR ≤ 0.1).
    pub fn consistent(&self) -> bool {
        self.cr <= CR_LIMIT
    }
}

fn check_rows(m: &[Vec<f64>]) -> Result<usize, WeightsError> {
    let cols = m.first().map(Vec::len).ok_or(WeightsError::Empty)?;
    if cols == 0 {
        return Err(WeightsError::Empty);
    }
    for (i, r) in m.iter().enumerate() {
        if r.len() != cols {
            return Err(WeightsError::Ragged {
                row: i + 1,
                got: r.len(),
                expected: cols,
            });
        }
        for (j, x) in r.iter().enumerate() {
            if !x.is_finite() {
                return Err(WeightsError::NotFinite {
                    row: i + 1,
                    col: j + 1,
                });
            }
        }
    }
    Ok(cols)
}

/// AHP, eigenvector method: the principal right eigenvector of the pairwise matrix (power
/// iteration; the matrix is positive so it converges to the Perron vector), normalised to
/// sum 1; λmax as the mean of (Aw)_i / w_i; CI and CR with Saaty's RI. The matrix must be
/// positive and reciprocal (within 1%, so that 0.33 stands for 1/3). Consistency is reported,
/// not enforced: the caller refuses CR > 0.1 ([`Ahp::consistent`]).
pub fn ahp(m: &[Vec<f64>]) -> Result<Ahp, WeightsError> {
    let n = check_rows(m)?;
    if m.len() != n {
        return Err(WeightsError::NotSquare {
            rows: m.len(),
            cols: n,
        });
    }
    if !(2..=SAATY_RI.len()).contains(&n) {
        return Err(WeightsError::AhpSize);
    }
    for (i, r) in m.iter().enumerate() {
        for (j, &a) in r.iter().enumerate() {
            if a <= 0.0 {
                return Err(WeightsError::NotPositive {
                    row: i + 1,
                    col: j + 1,
                    value: a,
                });
            }
            let b = m[j][i];
            if j > i && ((a * b) - 1.0).abs() > 0.01 {
                return Err(WeightsError::NotReciprocal {
                    row: i + 1,
                    col: j + 1,
                    a,
                    b,
                });
            }
        }
    }
    let mut w = vec![1.0 / n as f64; n];
    for _ in 0..10_000 {
        let next: Vec<f64> = m
            .iter()
            .map(|r| r.iter().zip(&w).map(|(a, x)| a * x).sum())
            .collect();
        let s: f64 = next.iter().sum();
        let next: Vec<f64> = next.into_iter().map(|x| x / s).collect();
        let diff: f64 = next.iter().zip(&w).map(|(a, b)| (a - b).abs()).sum();
        w = next;
        if diff < 1e-15 {
            break;
        }
    }
    let aw: Vec<f64> = m
        .iter()
        .map(|r| r.iter().zip(&w).map(|(a, x)| a * x).sum())
        .collect();
    let lambda_max = aw.iter().zip(&w).map(|(a, x)| a / x).sum::<f64>() / n as f64;
    let ci = if n > 1 {
        ((lambda_max - n as f64) / (n as f64 - 1.0)).max(0.0)
    } else {
        0.0
    };
    let ri = SAATY_RI[n - 1];
    let cr = if ri > 0.0 { ci / ri } else { 0.0 };
    let mut judgements = Vec::new();
    for i in 0..n {
        for j in (i + 1)..n {
            let implied = w[i] / w[j];
            judgements.push(Judgement {
                row: i + 1,
                col: j + 1,
                given: m[i][j],
                implied,
                deviation: (m[i][j] / implied).ln().abs(),
            });
        }
    }
    judgements.sort_by(|a, b| {
        b.deviation
            .total_cmp(&a.deviation)
            .then(a.row.cmp(&b.row))
            .then(a.col.cmp(&b.col))
    });
    Ok(Ahp {
        weights: w,
        lambda_max,
        ci,
        ri,
        cr,
        judgements,
    })
}

/// The two entropy variants, both with k = 1/ln m and w_j = (1 − E_j) / Σ(1 − E_k).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntropyVariant {
    /// p_ij = x_ij / Σ_i x_ij on the raw values (Shannon entropy weights as published, e.g.
    /// Elsayed et al. 2017; pymcdm's `entropy_weights`). Needs x ≥ 0.
    Sum,
    /// The common Chinese textbook variant (熵权法): min-max per column first,
    /// z_ij = (x_ij − min) / (max − min) (cost criteria reversed), then p_ij = z_ij / Σ_i z_ij,
    /// with 0·ln 0 = 0.
    MinMax,
}

impl EntropyVariant {
    pub fn name(self) -> &'static str {
        match self {
            EntropyVariant::Sum => "entropy (sum normalisation p = x/Σx, k = 1/ln m)",
            EntropyVariant::MinMax => {
                "entropy (min-max then p = z/Σz, 0·ln0 = 0, k = 1/ln m; textbook 熵权法)"
            }
        }
    }
}

fn column(m: &[Vec<f64>], j: usize) -> Vec<f64> {
    m.iter().map(|r| r[j]).collect()
}

/// Min-max normalisation of a column: (x − min)/(max − min), or (max − x)/(max − min) for a
/// cost criterion.
fn minmax(
    col: &[f64],
    cost: bool,
    method: &'static str,
    j: usize,
) -> Result<Vec<f64>, WeightsError> {
    let (lo, hi) = col
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let range = hi - lo;
    if range <= 0.0 {
        return Err(WeightsError::Constant { method, col: j + 1 });
    }
    Ok(col
        .iter()
        .map(|&x| {
            if cost {
                (hi - x) / range
            } else {
                (x - lo) / range
            }
        })
        .collect())
}

fn normalise(v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    v.into_iter().map(|x| x / s).collect()
}

fn is_cost(cost: &[bool], j: usize) -> bool {
    cost.get(j).copied().unwrap_or(false)
}

/// Entropy weights of a decision matrix (rows: alternatives, columns: criteria). `cost` marks
/// cost criteria (only the min-max variant uses it; the sum variant weighs dispersion, which
/// does not depend on direction).
pub fn entropy(
    m: &[Vec<f64>],
    variant: EntropyVariant,
    cost: &[bool],
) -> Result<Vec<f64>, WeightsError> {
    let n = check_rows(m)?;
    let rows = m.len();
    if rows < 2 {
        return Err(WeightsError::TooFewRows { method: "entropy" });
    }
    let k = 1.0 / (rows as f64).ln();
    let mut d = Vec::with_capacity(n);
    for j in 0..n {
        let col = column(m, j);
        let z = match variant {
            EntropyVariant::Sum => {
                if col.iter().any(|&x| x < 0.0) {
                    return Err(WeightsError::Negative { col: j + 1 });
                }
                col
            }
            EntropyVariant::MinMax => minmax(&col, is_cost(cost, j), "entropy", j)?,
        };
        let s: f64 = z.iter().sum();
        if s <= 0.0 {
            return Err(WeightsError::Constant {
                method: "entropy",
                col: j + 1,
            });
        }
        let e: f64 = -k
            * z.iter()
                .map(|&x| {
                    let p = x / s;
                    if p > 0.0 { p * p.ln() } else { 0.0 }
                })
                .sum::<f64>();
        d.push(1.0 - e);
    }
    Ok(normalise(d))
}

fn sample_sd(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Standard-deviation weights: w_j = s_j / Σ s_k with the sample standard deviation
/// (n − 1) of the raw columns (Jahan & Edwards 2013; pymcdm). The columns should share a
/// scale (the method is meant for normalised data).
pub fn stddev(m: &[Vec<f64>]) -> Result<Vec<f64>, WeightsError> {
    let n = check_rows(m)?;
    if m.len() < 2 {
        return Err(WeightsError::TooFewRows {
            method: "standard deviation",
        });
    }
    let sd: Vec<f64> = (0..n).map(|j| sample_sd(&column(m, j))).collect();
    if sd.iter().sum::<f64>() <= 0.0 {
        return Err(WeightsError::Constant {
            method: "standard deviation",
            col: 1,
        });
    }
    Ok(normalise(sd))
}

/// CRITIC (Diakoulaki et al. 1995) as pymcdm computes it: min-max per column (cost criteria
/// reversed), sample standard deviation s_j (n − 1), Pearson correlation r_jk of the
/// normalised columns, C_j = s_j · Σ_k (1 − r_jk), w_j = C_j / Σ C.
pub fn critic(m: &[Vec<f64>], cost: &[bool]) -> Result<Vec<f64>, WeightsError> {
    let n = check_rows(m)?;
    if m.len() < 3 {
        return Err(WeightsError::TooFewRows { method: "CRITIC" });
    }
    let z: Vec<Vec<f64>> = (0..n)
        .map(|j| minmax(&column(m, j), is_cost(cost, j), "CRITIC", j))
        .collect::<Result<_, _>>()?;
    let sd: Vec<f64> = z.iter().map(|c| sample_sd(c)).collect();
    let mean: Vec<f64> = z
        .iter()
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    let r = |a: usize, b: usize| -> f64 {
        let cov: f64 = z[a]
            .iter()
            .zip(&z[b])
            .map(|(x, y)| (x - mean[a]) * (y - mean[b]))
            .sum::<f64>()
            / (m.len() as f64 - 1.0);
        cov / (sd[a] * sd[b])
    };
    let c: Vec<f64> = (0..n)
        .map(|j| sd[j] * (0..n).map(|k| 1.0 - r(j, k)).sum::<f64>())
        .collect();
    Ok(normalise(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vectors: `case,field,row,col,value` and the decimals each is compared to.
    struct Case {
        matrix: Vec<Vec<f64>>,
        expected: Vec<f64>,
        decimals: i32,
    }

    fn data_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mcdm-vectors")
    }

    fn load(case: &str) -> Option<Case> {
        let dir = data_dir();
        let cases = std::fs::read_to_string(dir.join("mcdm_cases.csv")).ok()?;
        let meta = std::fs::read_to_string(dir.join("mcdm_cases_meta.csv")).ok()?;
        let mut rdr = csv::Reader::from_reader(meta.as_bytes());
        let decimals = rdr
            .records()
            .filter_map(Result::ok)
            .find(|r| r.get(0) == Some(case))
            .and_then(|r| r.get(2)?.parse().ok())?;
        let mut matrix: Vec<Vec<f64>> = Vec::new();
        let mut expected = Vec::new();
        for line in cases.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.first() != Some(&case) || f.len() != 5 {
                continue;
            }
            let col: usize = f[3].parse().ok()?;
            let v: f64 = f[4].parse().ok()?;
            match f[1] {
                "matrix" => {
                    let row: usize = f[2].parse().ok()?;
                    if matrix.len() < row {
                        matrix.resize(row, Vec::new());
                    }
                    let r = &mut matrix[row - 1];
                    if r.len() < col {
                        r.resize(col, 0.0);
                    }
                    r[col - 1] = v;
                }
                "expected" => {
                    if expected.len() < col {
                        expected.resize(col, 0.0);
                    }
                    expected[col - 1] = v;
                }
                _ => {}
            }
        }
        Some(Case {
            matrix,
            expected,
            decimals,
        })
    }

    fn round(x: f64, d: i32) -> f64 {
        let f = 10f64.powi(d);
        (x * f).round() / f
    }

    /// Compare at the published decimals: rounded to them, each weight equals the published one.
    fn check(name: &str, got: &[f64], c: &Case) {
        assert_eq!(got.len(), c.expected.len(), "{name}: length");
        for (j, (g, e)) in got.iter().zip(&c.expected).enumerate() {
            assert!(
                (round(*g, c.decimals) - e).abs() < 0.5 * 10f64.powi(-c.decimals) + 1e-12,
                "{name} weight {}: got {g}, published {e} ({} decimals)",
                j + 1,
                c.decimals
            );
        }
    }

    fn case(name: &str) -> Case {
        load(name).unwrap_or_else(|| panic!("{name}: fixtures/mcdm-vectors not readable"))
    }

    #[test]
    fn entropy_sum_variant_reproduces_elsayed_2017() {
        let c = case("entropy_elsayed2017");
        check(
            "entropy sum",
            &entropy(&c.matrix, EntropyVariant::Sum, &[]).expect("w"),
            &c,
        );
    }

    #[test]
    fn entropy_minmax_variant_reproduces_its_vector() {
        let c = case("entropy_elsayed2017_minmax_variant");
        check(
            "entropy min-max",
            &entropy(&c.matrix, EntropyVariant::MinMax, &[]).expect("w"),
            &c,
        );
    }

    #[test]
    fn critic_reproduces_tus_adali_2019() {
        let c = case("critic_tus_adali2019");
        check("CRITIC", &critic(&c.matrix, &[]).expect("w"), &c);
    }

    #[test]
    fn stddev_reproduces_jahan_2013() {
        let c = case("stddev_jahan2013");
        check("stddev", &stddev(&c.matrix).expect("w"), &c);
    }

    #[test]
    fn ahp_reproduces_wang_chin_2011_and_is_refused_as_inconsistent() {
        let c = case("ahp_wang_chin2011");
        let a = ahp(&c.matrix).expect("ahp");
        check("AHP", &a.weights, &c);
        // The metadata's λmax 7.41987, CI 0.283974, CR (Saaty RI) 0.229011.
        assert!((a.lambda_max - 7.41987).abs() < 5e-6, "{}", a.lambda_max);
        assert!((a.ci - 0.283974).abs() < 5e-7, "{}", a.ci);
        assert!((a.cr - 0.229011).abs() < 5e-7, "{}", a.cr);
        assert!(!a.consistent());
        assert!(a.judgements[0].deviation >= a.judgements[1].deviation);
    }

    #[test]
    fn consistent_ahp_matrix_gives_its_ratios() {
        // w = (0.5, 0.3, 0.2): a_ij = w_i / w_j exactly.
        let w = [0.5, 0.3, 0.2];
        let m: Vec<Vec<f64>> = w
            .iter()
            .map(|a| w.iter().map(|b| a / b).collect())
            .collect();
        let a = ahp(&m).expect("ahp");
        for (g, e) in a.weights.iter().zip(&w) {
            assert!((g - e).abs() < 1e-12);
        }
        assert!(a.cr.abs() < 1e-9 && a.consistent());
    }

    #[test]
    fn ahp_refuses_bad_matrices() {
        assert_eq!(
            ahp(&[vec![1.0, 2.0], vec![2.0, 1.0]]),
            Err(WeightsError::NotReciprocal {
                row: 1,
                col: 2,
                a: 2.0,
                b: 2.0
            })
        );
        assert!(matches!(
            ahp(&[vec![1.0, 2.0, 3.0], vec![0.5, 1.0, 1.0]]),
            Err(WeightsError::NotSquare { .. })
        ));
        assert!(matches!(
            ahp(&[vec![1.0, -2.0], vec![-0.5, 1.0]]),
            Err(WeightsError::NotPositive { .. })
        ));
        assert!(matches!(
            entropy(&[vec![1.0, 2.0]], EntropyVariant::Sum, &[]),
            Err(WeightsError::TooFewRows { .. })
        ));
        assert!(matches!(
            critic(&[vec![1.0, 2.0], vec![1.0, 3.0], vec![1.0, 4.0]], &[]),
            Err(WeightsError::Constant { col: 1, .. })
        ));
    }
}
