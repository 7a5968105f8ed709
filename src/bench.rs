//! Synthetic workloads for benchmarks and scale tests (not used by the CLI).

use crate::evidence::{Evidence, Unit};
use crate::expr::Val;
use crate::model::{FieldType, IndicatorSet};
use rust_decimal::Decimal;

/// `n` synthetic units of the scored kind, made from the given evidence's scored units:
/// unit `k` copies template `k % templates` with its numbers nudged deterministically, so
/// grades, vetoes and ties vary. Context units (parents) are kept.
pub fn replicate(set: &IndicatorSet, ev: &Evidence, n: usize) -> Evidence {
    let mut units: Vec<Unit> = ev
        .units
        .iter()
        .filter(|u| u.kind != Some(0))
        .cloned()
        .collect();
    // Parents are re-indexed: keep a map from old index to new.
    let mut remap = vec![None; ev.units.len()];
    let mut j = 0;
    for (i, u) in ev.units.iter().enumerate() {
        if u.kind != Some(0) {
            remap[i] = Some(j);
            j += 1;
        }
    }
    for u in &mut units {
        u.parent = u.parent.and_then(|p| remap[p]);
    }
    let templates: Vec<&Unit> = ev.scored.iter().map(|&i| &ev.units[i]).collect();
    let mut scored = Vec::with_capacity(n);
    if templates.is_empty() {
        return ev.clone();
    }
    for k in 0..n {
        let t = templates[k % templates.len()];
        let mut u = t.clone();
        u.id = format!("{}-{k:06}", t.id);
        u.name = format!("{}{k}", t.name);
        u.parent = t.parent.and_then(|p| remap[p]);
        // Nudge numbers by −2%…+2% in steps, deterministic in k.
        let nudge = Decimal::new(i64::try_from(k % 41).unwrap_or(0) - 20, 3);
        let fields = &set.unit_kind().fields;
        for (i, v) in u.values.iter_mut().enumerate().take(fields.len()) {
            if let Some(Val::Num(x)) = v
                && !x.is_zero()
            {
                let y = crate::num::round_points(*x + *x * nudge, 2).max(Decimal::ZERO);
                *x = match fields[i].ty {
                    FieldType::Count => y.round(),
                    FieldType::Percent => y.min(Decimal::ONE_HUNDRED),
                    FieldType::PerMille => y.min(Decimal::ONE_THOUSAND),
                    _ => y,
                };
            }
        }
        scored.push(units.len());
        units.push(u);
    }
    let descendants =
        vec![vec![Vec::new(); ev.descendants.first().map_or(1, Vec::len)]; units.len()];
    Evidence {
        units,
        scored,
        descendants,
        period: ev.period.clone(),
        phases: Vec::new(),
    }
}

/// A small deterministic generator (SplitMix64): the same seed gives the same villages on
/// every machine and build.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Whole number in [lo, hi].
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next_u64() % xs.len() as u64) as usize]
    }
}

/// The header of [`write_villages`]: the unit's code and name, then the fields of
/// `indicators/village.yaml` by their Chinese names, as a township's statistics office would
/// head its sheet.
pub const VILLAGE_HEADER: [&str; 30] = [
    "单位代码",
    "单位名称",
    "所属乡镇",
    "户籍人口",
    "已婚育龄妇女数",
    "年度出生计划数",
    "出生人数",
    "符合政策出生人数",
    "政策外多孩出生人数",
    "抽样调查出生人数",
    "落实长效节育措施人数",
    "查环查孕率",
    "流动人口信息采集率",
    "流动人口合同签订率",
    "社会抚养费征收到位率",
    "奖励扶助兑现率",
    "群众满意率",
    "村级计生经费",
    "有领导小组",
    "有办公场地",
    "有专职人员",
    "有工作制度",
    "有信息交流平台",
    "村民自治章程含计生内容",
    "计生例会次数",
    "信息及时入库率",
    "统计弄虚作假查实",
    "有意瞒报违法出生",
    "发生恶性责任事故",
    "区检查不合格",
];

/// `n` generated villages ([`write_villages`]) read as CSV and bound to `set` (the village
/// set, possibly with more declared): the evidence the tests and benches score. An error names
/// what the reader or the binder refused.
pub fn villages(set: &IndicatorSet, n: usize, seed: u64) -> Result<Evidence, String> {
    let mut csv = Vec::new();
    write_villages(&mut csv, n, seed).map_err(|e| e.to_string())?;
    let mut read = crate::read::ReadEvidence::default();
    let mut diags = Vec::new();
    crate::read::csv::read_csv(
        "villages.csv",
        &csv,
        crate::read::csv::TextEncoding::Utf8,
        &mut read,
        &mut diags,
    );
    if !diags.is_empty() {
        return Err(format!("{diags:?}"));
    }
    crate::bind::bind(set, read).map_err(|e| e.to_string())
}

/// Write `n` generated villages for `indicators/village.yaml` as a UTF-8 CSV (header
/// [`VILLAGE_HEADER`]): realistic sizes and rates, a few vetoes, and about 1% of the value cells
/// blank. Deterministic in `seed`. Codes are 12-digit 统计用区划代码-like (county, township,
/// village), 20 villages a township, 30 townships a county.
pub fn write_villages(out: &mut impl std::io::Write, n: usize, seed: u64) -> std::io::Result<()> {
    const FIRST: [&str; 12] = [
        "东", "西", "南", "北", "上", "下", "大", "小", "新", "老", "前", "后",
    ];
    const SURNAME: [&str; 20] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱",
        "郭", "何", "林", "高", "罗",
    ];
    const PLACE: [&str; 10] = ["庄", "家湾", "屯", "店", "营", "坪", "岗", "寨", "河", "桥"];
    const TOWN: [&str; 15] = [
        "城关", "石桥", "龙泉", "白沙", "青山", "长乐", "太平", "新安", "永丰", "黄土", "三河",
        "柳林", "清水", "双庙", "高桥",
    ];
    let mut rng = Rng::new(seed);
    writeln!(out, "{}", VILLAGE_HEADER.join(","))?;
    let yes_no = |b: bool| if b { "是" } else { "否" };
    let mut row: Vec<String> = Vec::with_capacity(VILLAGE_HEADER.len());
    for i in 0..n {
        row.clear();
        let (county, town, village) = (i / 600, (i / 20) % 30, i % 20);
        row.push(format!(
            "{:06}{:03}{:03}",
            110_000 + county,
            town + 1,
            village + 1
        ));
        let community = rng.chance(0.05);
        row.push(if community {
            format!("{}{}社区居委会", rng.pick(&FIRST), rng.pick(&PLACE))
        } else {
            format!(
                "{}{}{}村",
                rng.pick(&FIRST),
                rng.pick(&SURNAME),
                rng.pick(&PLACE)
            )
        });
        let tname = TOWN[(county * 7 + town) % TOWN.len()];
        row.push(format!(
            "{tname}{}",
            if town % 5 == 0 { "街道" } else { "镇" }
        ));
        // Population: mostly 600–3,000, a long tail up to 8,000.
        let pop = (rng.range(6.0, 8.0).exp() + rng.range(0.0, 1.0).powi(4) * 5000.0) as u64;
        let women = (pop as f64 * rng.range(0.15, 0.22)) as u64;
        let plan = ((pop as f64 * rng.range(0.009, 0.013)).round() as u64).max(1);
        let births = (plan as f64 * rng.range(0.8, 1.05)).round() as u64;
        let out_of_policy = if rng.chance(0.9) {
            (births as f64 * rng.range(0.0, 0.06)) as u64
        } else {
            (births as f64 * rng.range(0.0, 0.25)) as u64
        };
        let policy = births - out_of_policy.min(births);
        let multi = if rng.chance(0.97) {
            0
        } else if rng.chance(0.8) {
            1
        } else {
            2
        };
        let survey = if rng.chance(0.85) {
            births
        } else if rng.chance(0.9) {
            births + rng.int(0, 2)
        } else {
            births + rng.int(1, 4)
        };
        let ltc = (women as f64 * rng.range(0.84, 0.99)) as u64;
        let pct = |r: &mut Rng, lo: f64, hi: f64| format!("{:.1}", r.range(lo, hi));
        let reward = if rng.chance(0.85) {
            "100".to_string()
        } else {
            pct(&mut rng, 90.0, 99.95)
        };
        let meetings = if rng.chance(0.7) { 12 } else { rng.int(0, 11) };
        let funds = (pop as f64 * rng.range(1.5, 4.0) / 10.0).round() * 10.0;
        let values = [
            pop.to_string(),
            women.to_string(),
            plan.to_string(),
            births.to_string(),
            policy.to_string(),
            multi.to_string(),
            survey.to_string(),
            ltc.to_string(),
            pct(&mut rng, 86.0, 100.0),
            pct(&mut rng, 80.0, 100.0),
            pct(&mut rng, 55.0, 100.0),
            pct(&mut rng, 40.0, 100.0),
            reward,
            pct(&mut rng, 82.0, 99.0),
            format!("{funds:.0}"),
            yes_no(rng.chance(0.96)).to_string(),
            yes_no(rng.chance(0.96)).to_string(),
            yes_no(rng.chance(0.94)).to_string(),
            yes_no(rng.chance(0.95)).to_string(),
            yes_no(rng.chance(0.9)).to_string(),
            yes_no(rng.chance(0.93)).to_string(),
            meetings.to_string(),
            pct(&mut rng, 75.0, 100.0),
            yes_no(rng.chance(0.003)).to_string(),
            yes_no(rng.chance(0.002)).to_string(),
            yes_no(rng.chance(0.001)).to_string(),
            yes_no(rng.chance(0.005)).to_string(),
        ];
        for v in values {
            // About 1% of the value cells are left blank.
            row.push(if rng.chance(0.01) { String::new() } else { v });
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn villages_are_deterministic_and_thirty_columns() {
        let gen_ = |seed| {
            let mut v = Vec::new();
            write_villages(&mut v, 200, seed).ok();
            String::from_utf8(v).unwrap_or_default()
        };
        let a = gen_(1);
        assert_eq!(a, gen_(1));
        assert_ne!(a, gen_(2));
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 201);
        assert!(lines.iter().all(|l| l.split(',').count() == 30));
        let cells = lines[1..].iter().flat_map(|l| l.split(',').skip(3));
        let (blank, all) = cells.fold((0, 0), |(b, n), c| (b + usize::from(c.is_empty()), n + 1));
        assert!(blank > 0 && blank * 50 < all, "{blank} of {all} blank");
    }
}
