//! `kaohe decide`: the multi-year storyline (fixtures/titles/STORY.md), decision by decision with
//! its reasons; the append-only registry; the policy's other rules on small variations; the CLI.

use crate::support::{Kaohe, repo};
use kaohe::decide::policy::{Policy, load_policy_str};
use kaohe::decide::scorecard::{Scorecard, read_scorecard_file};
use kaohe::decide::{Decision, Outcome, PlanMode, Topic, Verdict, brief, decide, render};
use kaohe::title::{EventKind, Registry, load_registry_str};
use std::collections::BTreeMap;
use std::path::PathBuf;

const YEARS: [i32; 6] = [2010, 2011, 2012, 2013, 2014, 2015];

fn titles_dir() -> PathBuf {
    repo().join("fixtures/titles")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn policy() -> Policy {
    load_policy_str(
        "indicators/sz-policy.yaml",
        &read("indicators/sz-policy.yaml"),
    )
    .expect("the shipped policy is valid")
}

fn cards() -> BTreeMap<i32, Scorecard> {
    YEARS
        .iter()
        .map(|y| {
            let s = read_scorecard_file(&titles_dir().join(format!("scorecards/{y}.json")))
                .expect("storyline scorecard");
            assert_eq!(s.year(), *y);
            (*y, s)
        })
        .collect()
}

fn history(cards: &BTreeMap<i32, Scorecard>, year: i32) -> Vec<Scorecard> {
    cards.range(..year).map(|(_, s)| s.clone()).collect()
}

/// One year of the storyline: the registry text before the decision, the outcome, the text after.
struct Year {
    before: String,
    outcome: Outcome,
    after: String,
}

/// Replay the storyline: base registry, then for each year its external events and the decision.
fn replay() -> BTreeMap<i32, Year> {
    let p = policy();
    let cards = cards();
    let mut text = read("fixtures/titles/base.yaml");
    let mut out = BTreeMap::new();
    for y in YEARS {
        text.push_str(&read(&format!("fixtures/titles/events/{y}.yaml")));
        let reg = load_registry_str("registry.yaml", &text).expect("registry valid");
        let o = decide(&p, &reg, &cards[&y], &history(&cards, y), None).expect("decide");
        let after = reg
            .append(&o.registry_comment(), &o.events)
            .expect("append");
        out.insert(
            y,
            Year {
                before: text.clone(),
                outcome: o,
                after: after.clone(),
            },
        );
        text = after;
    }
    out
}

fn find<'a>(o: &'a Outcome, unit: &str, topic: &Topic, title: Option<&str>) -> &'a Decision {
    o.decisions
        .iter()
        .find(|d| {
            d.unit == unit
                && &d.topic == topic
                && title.is_none_or(|t| d.title.as_ref().is_some_and(|x| x.0 == t))
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: no {topic:?} decision for {unit} ({title:?}); have:\n{}",
                o.year,
                dump(o)
            )
        })
}

fn dump(o: &Outcome) -> String {
    o.decisions
        .iter()
        .map(|d| {
            format!(
                "{} {:?} {:?} {:?} {:?}",
                d.unit, d.topic, d.verdict, d.rules, d.reasons
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn award(id: &str) -> Topic {
    Topic::Award(id.to_string())
}

/// Assert a decision's verdict, that it cites `rules`, and that its reasons contain `says`.
fn check(d: &Decision, verdict: Verdict, rules: &[&str], says: &[&str]) {
    assert_eq!(
        d.verdict, verdict,
        "{} {:?}: {:?}",
        d.unit, d.topic, d.reasons
    );
    for r in rules {
        assert!(
            d.rules.iter().any(|x| x == r),
            "{} {:?}: rule {r} not cited in {:?}",
            d.unit,
            d.topic,
            d.rules
        );
    }
    let all = d.reasons.join(";");
    for s in says {
        assert!(
            all.contains(s),
            "{} {:?}: reasons lack {s:?}:\n{all}",
            d.unit,
            d.topic
        );
    }
}

#[test]
fn storyline_every_decision_and_its_reasons() {
    let story = replay();
    for (y, yr) in &story {
        let o = &yr.outcome;
        for d in &o.decisions {
            assert!(
                !d.rules.is_empty(),
                "{y}: {} {:?} cites no rule",
                d.unit,
                d.topic
            );
            assert!(
                !d.reasons.is_empty(),
                "{y}: {} {:?} gives no reason",
                d.unit,
                d.topic
            );
        }
    }

    // 2010 — pilots: two recommended, a quota cuts three qualified applicants.
    let o = &story[&2010].outcome;
    let rec = award("A-RECOMMEND-2010");
    for u in ["futian", "nanshan"] {
        check(
            find(o, u, &rec, None),
            Verdict::Granted(EventKind::Recommend),
            &["A-RECOMMEND-2010"],
            &["本年度等次为良好及以上", "名额内(每年至多2个)"],
        );
    }
    for u in ["luohu", "baoan", "longgang"] {
        check(
            find(o, u, &rec, None),
            Verdict::QuotaCut,
            &["A-RECOMMEND-2010"],
            &["符合条件", "超出名额(每年至多2个)"],
        );
    }

    // 2011 — first provincial demonstration districts: exemption and delegation; a veto.
    let o = &story[&2011].outcome;
    for (u, day) in [("futian", "2011-11-24"), ("nanshan", "2011-11-25")] {
        check(
            find(o, u, &Topic::Result, None),
            Verdict::Exempt,
            &["P-EXEMPT"],
            &[day, "当年市对该区免于考核", "仅供参考"],
        );
        check(
            find(o, u, &award("A-NAME"), None),
            Verdict::Granted(EventKind::Name),
            &["A-NAME"],
            &["通过省级人口计生综合改革示范区检查验收"],
        );
        let c = find(o, u, &award("A-COMMEND"), None);
        check(c, Verdict::Granted(EventKind::Name), &["A-COMMEND"], &[day]);
        assert_eq!(c.label, "通报表彰");
        check(
            find(o, u, &Topic::Delegation, None),
            Verdict::Delegated,
            &["P-EXEMPT"],
            &["2012年度该区各街道的考核委托该区自评"],
        );
    }
    check(
        find(o, "longgang", &Topic::Result, None),
        Verdict::Fail,
        &["P-PASS", "V_TWO_NON"],
        &["被一票否决:V_TWO_NON", "按得分应为良好"],
    );
    check(
        find(o, "guangming", &Topic::Result, None),
        Verdict::Pass,
        &["P-PASS", "V_STAFF"],
        &["单线否决", "不单独构成不达标"],
    );
    check(
        find(o, "pingshan", &Topic::Result, None),
        Verdict::Pass,
        &["V_GRADE_CAP"],
        &["等次封顶"],
    );
    // The brief shows each veto with its rule and evidence.
    let html = brief::brief_html(o).expect("brief");
    for s in [
        "V_TWO_NON",
        "辖区发生&quot;两非&quot;案件且监管不力的,实行&quot;一票否决&quot;",
        "单线否决(部门线)",
        "区直部门、单位职工违法生育(例): 1例",
        "提示(未执行)",
    ] {
        assert!(html.contains(s), "2011 brief lacks {s}");
    }
    let rec = award("A-RECOMMEND");
    // 罗湖 and 宝安 tie at 869.93 (rank 3): the party-and-government line orders them.
    check(
        find(o, "luohu", &rec, None),
        Verdict::Granted(EventKind::Recommend),
        &["A-RECOMMEND"],
        &["与宝安区并列第3名", "党政线442分", "列第1位"],
    );
    check(
        find(o, "baoan", &rec, None),
        Verdict::Granted(EventKind::Recommend),
        &["A-RECOMMEND"],
        &["与罗湖区并列第3名", "党政线415.5分", "列第2位"],
    );
    check(
        find(o, "longgang", &rec, None),
        Verdict::Excluded,
        &["P-VETO-REACH", "V_TWO_NON"],
        &["2011年度被一票否决", "取消2011—2012年度评选资格"],
    );
    check(
        find(o, "yantian", &rec, None),
        Verdict::NotEligible,
        &["A-RECOMMEND"],
        &["2011年度等次合格,低于良好"],
    );
    // Next year's plan: 福田's and 南山's streets self-assess; 罗湖 may be exempt if it passes.
    let plan = &o.plan;
    let street = |id: &str| {
        plan.iter()
            .find(|p| p.unit == id)
            .unwrap_or_else(|| panic!("plan row {id}"))
    };
    let s = street("futian-yuanling");
    assert_eq!(s.mode, PlanMode::SelfAssess);
    assert_eq!(s.assessor, "福田区(自评)");
    assert_eq!(s.rules, vec!["P-EXEMPT".to_string()]);
    assert_eq!(street("luohu-guiyuan").mode, PlanMode::City);
    assert_eq!(
        street("futian").mode,
        PlanMode::City,
        "exempt only the year of the inspection"
    );
    assert!(
        street("luohu")
            .note
            .contains("如2012年通过省级或市级检查验收,当年免于考核")
    );
    assert_eq!(
        plan.iter()
            .filter(|p| p.mode == PlanMode::SelfAssess)
            .count(),
        18,
        "福田's 10 and 南山's 8 streets"
    );

    // 2012 — a yellow card; the quota cuts a qualified unit; the veto still blocks 龙岗.
    let o = &story[&2012].outcome;
    check(
        find(o, "nanshan", &Topic::Review, Some("prov_demo")),
        Verdict::Warned,
        &["P-WARN-GRADE"],
        &["本年度等次低于良好(2012年合格)"],
    );
    for u in ["yantian", "pingshan"] {
        check(
            find(o, u, &rec, None),
            Verdict::Granted(EventKind::Recommend),
            &["A-RECOMMEND"],
            &["近2年等次均为合格及以上(2011年合格、2012年良好)"],
        );
    }
    check(
        find(o, "guangming", &rec, None),
        Verdict::QuotaCut,
        &["A-RECOMMEND"],
        &[
            "近2年等次均为合格及以上",
            "考核排名第7,在符合条件的单位中列第3位,超出名额(每年至多2个)",
        ],
    );
    check(
        find(o, "longgang", &rec, None),
        Verdict::Excluded,
        &["P-VETO-REACH"],
        &["2011年度被一票否决", "取消2011—2012年度评选资格"],
    );

    // 2013 — revoked for falling below standard; the warning lifted; the veto's reach is over.
    let o = &story[&2013].outcome;
    check(
        find(o, "baoan", &Topic::Review, Some("prov_demo")),
        Verdict::Revoked,
        &["P-REVOKE-FAIL"],
        &["本年度考核不达标(等次不合格,总分585)"],
    );
    check(
        find(o, "nanshan", &Topic::Review, Some("prov_demo")),
        Verdict::WarningLifted,
        &["P-LIFT"],
        &["2012-12-31黄牌警告后,本年度复查达到要求"],
    );
    check(
        find(o, "luohu", &Topic::Review, Some("prov_demo")),
        Verdict::Kept,
        // What keeps it (it passed, the title is in its term), not the revocation rules it
        // did not trigger.
        &["P-PASS", "prov_demo.term_years"],
        &["未触发撤销或警告条件"],
    );
    let luohu = find(o, "luohu", &Topic::Review, Some("prov_demo"));
    assert!(
        !luohu
            .rules
            .iter()
            .any(|r| r.starts_with("P-REVOKE") || r == "P-WARN-GRADE"),
        "{:?}",
        luohu.rules
    );
    for u in ["longgang", "guangming"] {
        check(
            find(o, u, &rec, None),
            Verdict::Granted(EventKind::Recommend),
            &["A-RECOMMEND"],
            &["近2年等次均为合格及以上"],
        );
    }
    assert!(
        !find(o, "longgang", &rec, None)
            .rules
            .contains(&"P-VETO-REACH".to_string())
    );

    // 2014 — fraud about 2012 found: retroactive revocation; expiry; renewal; cool-down.
    let o = &story[&2014].outcome;
    for t in ["prov_demo", "commendation"] {
        check(
            find(o, "luohu", &Topic::Retroactive, Some(t)),
            Verdict::RetroRevoked,
            &["P-RETRO"],
            &[
                "2014-06-18查实2012年度弄虚作假(粤人口计生委抽样复核(2014)第3号)",
                "追溯撤销2012-12-31命名的",
                "统计误差率9.6%",
            ],
        );
    }
    for u in ["futian", "nanshan"] {
        check(
            find(o, u, &Topic::Review, Some("prov_demo")),
            Verdict::Expired,
            &["prov_demo.term_years"],
            &["2011-12-31命名,有效期3年,于2014-12-31期满"],
        );
    }
    check(
        find(o, "futian", &award("A-NAME"), None),
        Verdict::Granted(EventKind::Name),
        &["A-NAME"],
        &["2014-11-25通过"],
    );
    check(
        find(o, "futian", &award("A-COMMEND"), None),
        Verdict::CoolDown,
        &["A-COMMEND"],
        &["已于2011-12-31获得市政府通报表彰及年终奖励,近3年内获得的不参加本次评选"],
    );
    for u in ["longgang", "guangming"] {
        check(
            find(o, u, &award("A-COMMEND"), None),
            Verdict::Granted(EventKind::Name),
            &["A-COMMEND"],
            &[],
        );
    }
    check(
        find(o, "nanshan", &rec, None),
        Verdict::Granted(EventKind::Recommend),
        &["A-RECOMMEND"],
        &["2014-10-10申报"],
    );
    check(
        find(o, "baoan", &rec, None),
        Verdict::NotEligible,
        &["A-RECOMMEND"],
        &["2013年度等次不合格,低于合格"],
    );
    assert!(
        !o.decisions
            .iter()
            .any(|d| d.unit == "luohu" && d.topic == Topic::Review),
        "a title revoked retroactively is not reviewed"
    );

    // 2015 — the national application; a new yellow card; the 2014 finding is not acted on twice.
    let o = &story[&2015].outcome;
    assert!(!o.decisions.iter().any(|d| d.topic == Topic::Retroactive));
    check(
        find(o, "shenzhen", &award("A-NATIONAL"), None),
        Verdict::Granted(EventKind::Apply),
        &["A-NATIONAL"],
        &[
            "所辖8个单位中6个持有省级人口计生综合改革示范区(75%",
            "不低于75%",
        ],
    );
    check(
        find(o, "pingshan", &Topic::Review, Some("prov_demo")),
        Verdict::Warned,
        &["P-WARN-GRADE"],
        &["2015年合格"],
    );
    check(
        find(o, "nanshan", &award("A-COMMEND"), None),
        Verdict::Granted(EventKind::Name),
        &["A-COMMEND"],
        &[],
    );
    let held: Vec<&str> = o
        .standings
        .iter()
        .filter(|s| s.title == "prov_demo" && s.holds)
        .map(|s| s.unit.as_str())
        .collect();
    assert_eq!(
        held,
        [
            "futian",
            "nanshan",
            "yantian",
            "longgang",
            "guangming",
            "pingshan"
        ]
    );
}

#[test]
fn decisions_only_append_to_the_registry() {
    for (y, yr) in replay() {
        assert!(
            yr.after.starts_with(&yr.before),
            "{y}: the updated registry must start with the old one"
        );
        let old = load_registry_str("old", &yr.before).expect("old");
        let new = load_registry_str("new", &yr.after).expect("new");
        assert_eq!(
            new.events.len(),
            old.events.len() + yr.outcome.events.len(),
            "{y}"
        );
        for (a, b) in old.events.iter().zip(&new.events) {
            assert_eq!(a, b, "{y}: an old event changed");
        }
        for e in &new.events[old.events.len()..] {
            assert_eq!(e.decision, Some(y));
            assert!(!e.rules.is_empty());
            assert!(e.reason.is_some());
        }
    }
}

#[test]
fn the_shipped_registry_is_the_replayed_storyline() {
    let story = replay();
    let want = &story[&2015].before;
    let path = titles_dir().join("registry.yaml");
    if std::env::var_os("KAOHE_BLESS").is_some() {
        std::fs::write(&path, want).expect("write registry.yaml");
    }
    let have = std::fs::read_to_string(&path).expect("registry.yaml");
    assert!(
        &have == want,
        "fixtures/titles/registry.yaml is not base.yaml + events + the 2010–2014 decisions; regenerate with KAOHE_BLESS=1 cargo test the_shipped_registry"
    );
}

#[test]
fn deciding_again_refuses_and_dates_must_follow() {
    let story = replay();
    let p = policy();
    let cards = cards();
    // The registry after 2015's decision cannot decide 2015 again.
    let reg = load_registry_str("registry.yaml", &story[&2015].after).expect("valid");
    let err = decide(&p, &reg, &cards[&2015], &history(&cards, 2015), None)
        .expect_err("already decided")
        .to_string();
    assert!(err.contains("already holds decisions for 2015"), "{err}");
    // Nor an earlier year (its events are dated after that decision).
    let err = decide(&p, &reg, &cards[&2013], &history(&cards, 2013), None)
        .expect_err("out of order")
        .to_string();
    assert!(err.contains("already holds decisions for 2013"), "{err}");
    // History must be earlier years, once each.
    let reg = load_registry_str("registry.yaml", &story[&2015].before).expect("valid");
    let mut h = history(&cards, 2015);
    h.push(cards[&2015].clone());
    h.push(cards[&2012].clone());
    let err = decide(&p, &reg, &cards[&2015], &h, None)
        .expect_err("bad history")
        .to_string();
    assert!(err.contains("history must be earlier years"), "{err}");
    assert!(err.contains("a second scorecard for 2012"), "{err}");
}

#[test]
fn decisions_are_deterministic() {
    let a = replay();
    let b = replay();
    for y in YEARS {
        let (x, z) = (&a[&y].outcome, &b[&y].outcome);
        assert_eq!(x.decisions, z.decisions);
        assert_eq!(
            brief::brief_html(x).expect("brief"),
            brief::brief_html(z).expect("brief")
        );
        assert_eq!(
            render::decisions_csv(x).expect("csv"),
            render::decisions_csv(z).expect("csv")
        );
        assert_eq!(a[&y].after, b[&y].after);
    }
}

/// The 2011 storyline scorecard is what `kaohe assess` gives on the set and evidence it was
/// made from (version 2011.1 of the shipped default, kept in `fixtures/titles/source/`; the
/// shipped default has since moved on to 2011.2).
#[test]
fn the_2011_scorecard_is_the_shipped_assessment() {
    let source = crate::support::repo().join("fixtures/titles/source");
    let set_text = std::fs::read_to_string(source.join("sz-district-2011.1.yaml")).expect("set");
    let ev_text = std::fs::read_to_string(source.join("evidence-2011.1.yaml")).expect("evidence");
    let set = kaohe::load::load_set_str("sz-district-2011.1.yaml", &set_text).expect("set");
    let mut evidence = kaohe::read::ReadEvidence::default();
    let mut problems = Vec::new();
    kaohe::read::yaml::read_yaml(
        "evidence-2011.1.yaml",
        &ev_text,
        &mut evidence,
        &mut problems,
    );
    assert!(problems.is_empty());
    let ev = kaohe::bind::bind(&set, evidence).expect("bind");
    let live = Scorecard::from(&kaohe::engine::assess(&set, &ev).expect("assess"));
    let card = &cards()[&2011];
    assert_eq!(card.indicator_set.hash, live.indicator_set.hash);
    assert_eq!(card.units.len(), live.units.len());
    for (a, b) in card.units.iter().zip(&live.units) {
        assert_eq!(a.id, b.id);
        assert_eq!(
            (a.total, a.score, &a.grade, &a.score_grade, a.vetoed, a.rank),
            (b.total, b.score, &b.grade, &b.score_grade, b.vetoed, b.rank),
            "{}",
            a.id
        );
        let v = |u: &kaohe::decide::scorecard::UnitView| -> Vec<(String, bool)> {
            u.vetoes.iter().map(|v| (v.id.clone(), v.applied)).collect()
        };
        assert_eq!(v(a), v(b), "{}", a.id);
        let l = |u: &kaohe::decide::scorecard::UnitView| -> Vec<_> {
            u.lines
                .iter()
                .map(|l| (l.id.clone(), l.points, l.zeroed_by.clone()))
                .collect()
        };
        assert_eq!(l(a), l(b), "{}", a.id);
    }
    // The fixtures stay readable as full scorecards too.
    for y in YEARS {
        let text = read(&format!("fixtures/titles/scorecards/{y}.json"));
        let _: kaohe::result::Assessment = serde_json::from_str(&text).expect("an Assessment");
    }
}

// ---------------------------------------------------------------------------------------------
// The policy's other rules, on small variations of the storyline
// ---------------------------------------------------------------------------------------------

/// The shipped policy with `from` replaced by `to` (each must occur).
fn policy_with(edits: &[(&str, &str)]) -> Policy {
    let mut text = read("indicators/sz-policy.yaml");
    for (from, to) in edits {
        assert!(text.contains(from), "policy has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    load_policy_str("policy.yaml", &text).expect("edited policy is valid")
}

fn registry_before(year: i32) -> Registry {
    load_registry_str("registry.yaml", &replay()[&year].before).expect("valid")
}

#[test]
fn a_unit_veto_revokes_a_title_at_once() {
    let p = policy();
    let cards = cards();
    let mut cur = cards[&2015].clone();
    // 盐田 (holding since 2013) is failed by a 两非 veto in 2015.
    let u = cur
        .units
        .iter_mut()
        .find(|u| u.id == "yantian")
        .expect("yantian");
    let mut v = cards[&2011].unit("longgang").expect("longgang").vetoes[0].clone();
    v.evidence.clear();
    u.vetoes = vec![v];
    u.vetoed = true;
    u.grade = Some("不合格".into());
    let o = decide(
        &p,
        &registry_before(2015),
        &cur,
        &history(&cards, 2015),
        None,
    )
    .expect("ok");
    check(
        find(&o, "yantian", &Topic::Review, Some("prov_demo")),
        Verdict::Revoked,
        &["P-REVOKE-VETO", "P-REVOKE-FAIL"],
        &["2015年度被一票否决(V_TWO_NON"],
    );
    // With 盐田 gone, 5 of 8 districts hold the title: no national application.
    check(
        find(&o, "shenzhen", &award("A-NATIONAL"), None),
        Verdict::NotEligible,
        &["A-NATIONAL"],
        &["所辖8个单位中5个持有", "低于75%"],
    );
}

#[test]
fn warn_then_revoke_revokes_a_warned_title() {
    // 南山 was warned in 2012; had it stayed below 良好 in 2013 it would lose the title.
    let cards = cards();
    let mut cur = cards[&2013].clone();
    let u = cur
        .units
        .iter_mut()
        .find(|u| u.id == "nanshan")
        .expect("nanshan");
    u.grade = Some("合格".into());
    u.score_grade = Some("合格".into());
    let o = decide(
        &policy(),
        &registry_before(2013),
        &cur,
        &history(&cards, 2013),
        None,
    )
    .expect("ok");
    check(
        find(&o, "nanshan", &Topic::Review, Some("prov_demo")),
        Verdict::Revoked,
        &["P-WARN-GRADE"],
        &["已于2012-12-31黄牌警告,仍未达到要求"],
    );
    // With `below_grade` over two years and `warn` only, it is warned again instead.
    let p = policy_with(&[(
        "when: { below_grade: { grade: 良好, years: 1 } }\n      action: warn_then_revoke",
        "when: { below_grade: { grade: 良好, years: 2 } }\n      action: warn",
    )]);
    let o = decide(
        &p,
        &registry_before(2013),
        &cur,
        &history(&cards, 2013),
        None,
    )
    .expect("ok");
    check(
        find(&o, "nanshan", &Topic::Review, Some("prov_demo")),
        Verdict::Warned,
        &["P-WARN-GRADE"],
        &["连续2年等次低于良好(2012年合格、2013年合格)"],
    );
}

#[test]
fn a_cycle_quota_caps_awards_across_years() {
    // At most 25% of the 8 districts (2) recommended per 2011–2014 cycle, counting earlier
    // recommendations: 2011 used both places, so 2012 recommends no one.
    let p = policy_with(&[(
        "quota: { per_year: 2 }\n    ties: [{ line: party_gov }, applied_earlier]\n\n  # 5.",
        "quota: { per_year: 2, per_cycle: { percent: 25, years: 4, from: 2011 } }\n    ties: [{ line: party_gov }, applied_earlier]\n\n  # 5.",
    )]);
    let cards = cards();
    let o = decide(
        &p,
        &registry_before(2012),
        &cards[&2012],
        &history(&cards, 2012),
        None,
    )
    .expect("ok");
    for u in ["yantian", "pingshan", "guangming"] {
        check(
            find(&o, u, &award("A-RECOMMEND"), None),
            Verdict::QuotaCut,
            &["A-RECOMMEND"],
            &["2011—2014年度周期内至多参评单位的25%即2个(此前已2个)"],
        );
    }
}

#[test]
fn exemption_can_reach_the_next_year() {
    let p = policy_with(&[("exempt_next_year: false", "exempt_next_year: true")]);
    let cards = cards();
    let o = decide(
        &p,
        &registry_before(2011),
        &cards[&2011],
        &history(&cards, 2011),
        None,
    )
    .expect("ok");
    let row = o.plan.iter().find(|r| r.unit == "futian").expect("futian");
    assert_eq!(row.mode, PlanMode::Exempt);
    assert!(row.note.contains("2012年度继续免于考核"));
}

#[test]
fn policy_errors_are_located() {
    let text = read("indicators/sz-policy.yaml")
        .replacen("min_grade: 合格", "min_grade: 甲等", 1)
        .replacen("title: natl_demo_city", "title: national_city", 1)
        .replacen("ties: [{ line: party_gov }", "ties: [{ line: party }", 1);
    let p = load_policy_str("policy.yaml", &text).expect("structurally valid");
    let cards = cards();
    let err = decide(
        &p,
        &registry_before(2015),
        &cards[&2015],
        &history(&cards, 2015),
        None,
    )
    .expect_err("unknown names")
    .to_string();
    let line = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .expect("in text")
    };
    for want in [
        format!(
            "policy.yaml:{}:14: unknown grade `甲等`",
            line("min_grade: 甲等")
        ),
        format!(
            "policy.yaml:{}:12: unknown title `national_city`",
            line("title: national_city")
        ),
        format!("policy.yaml:{}:", line("line: party }")),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }
    assert!(err.contains("unknown line `party`"), "{err}");
    // Structure: unknown keys and bad values, every broken award reported.
    let bad = read("indicators/sz-policy.yaml")
        .replacen("    honours: false\n", "    honors: false\n", 1)
        .replacen("event: 初评推荐", "event: 表扬", 1);
    let err = load_policy_str("policy.yaml", &bad)
        .expect_err("structure")
        .to_string();
    assert!(err.contains("honors"), "{err}");
    assert!(err.contains("表扬"), "{err}");
    assert!(err.matches("policy.yaml:").count() >= 2, "{err}");
}

#[test]
fn the_brief_escapes_what_came_from_inputs() {
    let cards = cards();
    let mut cur = cards[&2015].clone();
    let u = cur
        .units
        .iter_mut()
        .find(|u| u.id == "baoan")
        .expect("baoan");
    u.name = "<script>alert('宝安')</script> & 宝安".into();
    let o = decide(
        &policy(),
        &registry_before(2015),
        &cur,
        &history(&cards, 2015),
        None,
    )
    .expect("ok");
    let html = brief::brief_html(&o).expect("brief");
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(&#39;宝安&#39;)&lt;/script&gt; &amp; 宝安"));
    assert!(!html.contains("& 宝安"));
    assert!(
        html.contains("Content-Security-Policy\" content=\"default-src &#39;none&#39;;"),
        "the same CSP as the reports"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained"
    );
    assert!(html.contains("@page { size: A4"));
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_decide_lang_en_writes_an_english_brief_and_the_same_registry_and_csvs() {
    let zh = Kaohe::new().args(["decide", "-q"]).run();
    zh.success();
    let en = Kaohe::new().args(["decide", "--lang", "en"]).run();
    en.success();
    let html = String::from_utf8(en.read("out/decisions.html")).expect("utf-8");
    for s in [
        r#"<html lang="en">"#,
        "Target-responsibility assessment 2015",
        "<h2>1. Summary</h2>",
        "<h2>2. Results (pass / fail)</h2>",
        "<th>Rank</th><th>Unit</th><th>Total</th>",
        "<h2>3. One-vote vetoes</h2>",
        "<h2>4. Demonstration titles</h2>",
        "<h2>6. The assessment of 2016</h2>",
        "Yellow card",
        "Self-assessment",
        "P-EXEMPT",
    ] {
        assert!(html.contains(s), "the English brief lacks {s}");
    }
    for s in [
        "一、概要",
        "<th>排名</th>",
        "达标 / 不达标",
        "提请领导小组审定",
        "本简报为送审稿",
        "等次良好(总分",
        "(自评)",
    ] {
        assert!(!html.contains(s), "the English brief still says {s}");
    }
    assert!(en.stdout.contains("Decisions for 2015"), "{}", en.stdout);
    assert!(
        en.stdout.contains("wrote out/decisions.html"),
        "{}",
        en.stdout
    );
    let docx = en.read("out/decisions.docx");
    assert!(docx.starts_with(b"PK"), "a zip");
    // The registry (the lasting record) is the Chinese run's, byte for byte; the CSVs are
    // the same decisions in English, row for row.
    assert_eq!(en.read("out/registry.yaml"), zh.read("out/registry.yaml"));
    for (f, head) in [
        (
            "out/decisions.csv",
            "\u{feff}Year,Unit id,Unit,Matter,Title,Decision,Rules,Reasons\n",
        ),
        (
            "out/plan.csv",
            "\u{feff}Year,Unit id,Unit,Level,Parent unit,Assessed by way of,Assessor,Rules,Note\n",
        ),
    ] {
        let (en, zh) = (
            String::from_utf8(en.read(f)).expect("utf-8"),
            String::from_utf8(zh.read(f)).expect("utf-8"),
        );
        assert!(en.starts_with(head), "{f}: {en}");
        assert_eq!(en.lines().count(), zh.lines().count(), "{f}");
        // The same units, in the same order.
        let ids = |t: &str| -> Vec<String> {
            t.lines()
                .skip(1)
                .map(|l| l.split(',').nth(1).unwrap_or_default().to_string())
                .collect()
        };
        assert_eq!(ids(&en), ids(&zh), "{f}");
    }
}

#[test]
fn cli_default_decides_the_shipped_2015() {
    let run = Kaohe::new().args(["decide", "-q"]).run();
    run.success();
    let csv = run.read("out/decisions.csv");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("2015,shenzhen,深圳市,申报全国人口计生综合改革示范市"));
    let plan = String::from_utf8(run.read("out/plan.csv")).expect("utf-8");
    assert!(plan.starts_with('\u{feff}'));
    assert!(
        plan.contains("2016,nanshan-shekou,蛇口街道,街道,南山区,委托自评,南山区(自评),P-EXEMPT")
    );
    let html = String::from_utf8(run.read("out/decisions.html")).expect("utf-8");
    for s in [
        "2015年度",
        "一票否决",
        "黄牌警告",
        "2016年度考核安排",
        "P-EXEMPT",
    ] {
        assert!(html.contains(s), "brief lacks {s}");
    }
    let reg = String::from_utf8(run.read("out/registry.yaml")).expect("utf-8");
    assert!(reg.starts_with(&read("fixtures/titles/registry.yaml")));
    assert!(reg.contains("# kaohe decide 2015: sz-policy 2011.1"));
}

fn storyline_args(registry: &str) -> Vec<String> {
    let t = titles_dir();
    let mut a: Vec<String> = vec![
        "decide".into(),
        "-q".into(),
        "--policy".into(),
        repo()
            .join("indicators/sz-policy.yaml")
            .display()
            .to_string(),
        "--registry".into(),
        registry.into(),
        "--scorecard".into(),
        t.join("scorecards/2015.json").display().to_string(),
        "--history".into(),
    ];
    for y in 2010..2015 {
        a.push(t.join(format!("scorecards/{y}.json")).display().to_string());
    }
    a
}

#[test]
fn cli_never_touches_the_input_registry_unless_in_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("registry.yaml");
    let original = read("fixtures/titles/registry.yaml");
    std::fs::write(&input, &original).expect("copy");
    let run = Kaohe::new()
        .args(storyline_args(&input.display().to_string()))
        .run();
    run.success();
    assert_eq!(std::fs::read_to_string(&input).expect("input"), original);
    let new = String::from_utf8(run.read("out/registry.yaml")).expect("utf-8");
    assert!(new.starts_with(&original) && new.len() > original.len());

    // -o pointing at the input's folder would overwrite it: refused.
    let run = Kaohe::new()
        .args(storyline_args(&input.display().to_string()))
        .args(["-o", &dir.path().display().to_string()])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(run.stderr.contains("would overwrite the input"));
    assert_eq!(std::fs::read_to_string(&input).expect("input"), original);

    // --in-place: replaced atomically, no temporary left behind.
    let run = Kaohe::new()
        .args(storyline_args(&input.display().to_string()))
        .arg("--in-place")
        .run();
    run.success();
    let replaced = std::fs::read_to_string(&input).expect("input");
    assert_eq!(replaced, new);
    assert!(!run.dir.join("out/registry.yaml").exists());
    // Nothing but the registry changed beside it: no temporary file, no journal, no lock.
    let mut beside: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["registry.yaml"]);
    // The brief and the CSVs were published with it, and the folder's manifest names the
    // registry with its hash.
    let mut outs: Vec<String> = std::fs::read_dir(run.dir.join("out"))
        .expect("out")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    outs.sort();
    assert_eq!(
        outs,
        [
            "decisions.csv",
            "decisions.docx",
            "decisions.html",
            "manifest.json",
            "plan.csv"
        ]
    );
    let manifest = String::from_utf8(run.read("out/manifest.json")).expect("utf-8");
    let sha = kaohe::output::manifest::hash_bytes(replaced.as_bytes()).0;
    assert!(manifest.contains(&sha), "{manifest}");
    // Deciding 2015 again on the updated registry is refused and writes nothing.
    let again = Kaohe::new()
        .args(storyline_args(&input.display().to_string()))
        .run();
    assert_eq!(again.code, 65);
    assert!(again.stderr.contains("already holds decisions for 2015"));
    assert!(!again.dir.join("out").exists());
}

/// A registry whose log key is spelled differently (quoted, a space before the colon) is the
/// same registry: `--in-place` keeps every old event and appends the decisions after them.
#[test]
fn cli_in_place_keeps_every_event_whatever_the_key_spelling() {
    let original = read("fixtures/titles/registry.yaml");
    let old = load_registry_str("registry.yaml", &original).expect("valid");
    for key in ["\"events\":", "events :", "'events' :"] {
        let dir = tempfile::tempdir().expect("tmp");
        let input = dir.path().join("registry.yaml");
        let text = original.replacen("\nevents:\n", &format!("\n{key}\n"), 1);
        assert_ne!(text, original, "the shipped registry has an `events:` line");
        std::fs::write(&input, &text).expect("write");
        Kaohe::new()
            .args(storyline_args(&input.display().to_string()))
            .arg("--in-place")
            .run()
            .success();
        let new = std::fs::read_to_string(&input).expect("registry");
        assert!(new.starts_with(&text), "{key}: append-only");
        let reg = load_registry_str("registry.yaml", &new).expect("valid");
        assert!(reg.events.len() > old.events.len(), "{key}");
        assert_eq!(&reg.events[..old.events.len()], &old.events[..], "{key}");
    }
}

#[test]
fn cli_invalid_input_reports_everything_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        read("indicators/sz-policy.yaml").replacen(
            "decision_date: \"12-31\"",
            "decision_date: \"12-31\"\ncolour: red",
            1,
        ),
    )
    .expect("write");
    let registry = dir.path().join("registry.yaml");
    std::fs::write(
        &registry,
        read("fixtures/titles/registry.yaml")
            + "  - { date: 2015-11-30, unit: nowhere, title: prov_demo, kind: 申报 }\n",
    )
    .expect("write");
    let card = dir.path().join("card.json");
    std::fs::write(&card, "{\"schema\": \"kaohe.scorecard/1\"").expect("write");
    let run = Kaohe::new()
        .args([
            "decide",
            "--policy",
            &policy.display().to_string(),
            "--registry",
            &registry.display().to_string(),
            "--scorecard",
            &card.display().to_string(),
        ])
        .run();
    assert_eq!(run.code, 65, "{}", run.stderr);
    assert!(run.stderr.contains("policy.yaml:"), "{}", run.stderr);
    assert!(run.stderr.contains("colour"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown unit `nowhere`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("card.json:"), "{}", run.stderr);
    assert!(run.stderr.contains("3 errors found"), "{}", run.stderr);
    assert!(!run.dir.join("out").exists(), "nothing may be written");
}

// ---------------------------------------------------------------------------------------------
// The brief in a real browser
// ---------------------------------------------------------------------------------------------

/// Headless Chromium prints the 2011 brief (vetoes, exemptions, a tie, delegation) to A4 without
/// console messages; skipped without Chromium outside CI, failed without it in CI (as
/// `tests/browser.rs`).
#[test]
fn the_brief_prints_on_a4_in_chromium() {
    let Some(chrome) = crate::support::tool(crate::support::chromium(), "Chromium", "chromium")
    else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("decide-browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).expect("dir");
    let o = &replay()[&2011].outcome;
    let page = dir.join("brief-2011.html");
    std::fs::write(&page, brief::brief_html(o).expect("brief")).expect("write brief");
    let pdf = dir.join("brief-2011.pdf");
    let out = std::process::Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--no-pdf-header-footer",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let dom = String::from_utf8_lossy(&out.stdout);
    for s in [
        "2011年度目标管理责任制考核结果及示范称号决定",
        "取消评选资格",
        "与宝安区并列第3名",
        "2012年度考核安排",
    ] {
        assert!(dom.contains(s), "the rendered page lacks {s}");
    }
    let bytes = std::fs::read(&pdf).expect("pdf written");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page ").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type/Page/").count()
        + text.matches("/Type/Page\n").count()
        + text.matches("/Type/Page ").count();
    assert!(pages >= 3, "a {pages}-page brief is too short");
    let boxes: Vec<Vec<f64>> = text
        .split("/MediaBox [")
        .skip(1)
        .map(|r| {
            r.split(']')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .collect();
    assert!(!boxes.is_empty(), "no page boxes in the PDF");
    for b in boxes {
        assert!(
            b.len() == 4
                && (b[2] - b[0] - 595.28).abs() < 2.0
                && (b[3] - b[1] - 841.89).abs() < 2.0,
            "not A4: {b:?}"
        );
    }
}

#[test]
fn an_incomplete_unit_gets_no_pass_fail_and_no_title_decision() {
    // 盐田 (holding the title since 2013) with its 2015 result withheld for missing evidence:
    // neither 达标/不达标 nor a review of its title is decided — both wait (暂缓决定).
    let cards = cards();
    let mut cur = cards[&2015].clone();
    let u = cur
        .units
        .iter_mut()
        .find(|u| u.id == "yantian")
        .expect("yantian");
    u.status = kaohe::result::UnitStatus::Incomplete;
    u.total = None;
    u.score = None;
    u.grade = None;
    u.score_grade = None;
    u.rank = None;
    let o = decide(
        &policy(),
        &registry_before(2015),
        &cur,
        &history(&cards, 2015),
        None,
    )
    .expect("ok");
    check(
        find(&o, "yantian", &Topic::Result, None),
        Verdict::Pending,
        &[],
        &["本年度考核结果待补充"],
    );
    check(
        find(&o, "yantian", &Topic::Review, Some("prov_demo")),
        Verdict::Pending,
        &[],
        &["称号复查待考核结果确定后再作决定"],
    );
    // Nothing is written to the registry for it this year.
    assert!(
        !o.events.iter().any(|e| e.unit == "yantian"),
        "{:?}",
        o.events
            .iter()
            .filter(|e| e.unit == "yantian")
            .collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------------
// The registry's streets against the streets assessed
// ---------------------------------------------------------------------------------------------

/// The registry lists all 50 streets of the eight districts (光明 and 坪山 as 办事处, as in
/// 2011); the shipped 2011 street assessment scores 23 streets with other ids (`ft_yuanling`,
/// not `futian-yuanling`) and writes 光明街道 for 光明办事处, so streets match by name under
/// their district. 22 match; 观澜街道 (宝安) is assessed but not in the registry. The brief says
/// so instead of presenting the registry's list as the assessed one; without a street scorecard
/// it names the list's source.
#[test]
fn the_brief_says_which_registry_streets_were_assessed() {
    let run = Kaohe::new().args(["assess", "-q", "-o", "a"]).run();
    run.success();
    let streets =
        read_scorecard_file(&run.dir.join("a/sz-street/scorecard.json")).expect("street card");
    let reg = load_registry_str(
        "fixtures/titles/registry.yaml",
        &read("fixtures/titles/registry.yaml"),
    )
    .expect("registry");
    let cards = cards();
    let check =
        kaohe::decide::streets::check_streets(&reg, &cards[&2011], &streets).expect("same year");
    assert_eq!((check.registered, check.assessed), (50, 23));
    // 福田: 10 listed, 3 assessed (园岭、沙头、香蜜湖) → 7 not assessed.
    let futian = check
        .not_assessed
        .iter()
        .find(|(d, _)| d == "福田区")
        .expect("futian");
    assert_eq!(futian.1.len(), 7, "{futian:?}");
    assert!(!futian.1.iter().any(|s| s == "园岭街道"), "{futian:?}");
    // 光明街道 is the registry's 光明办事处.
    assert!(
        !check.not_assessed.iter().any(|(d, _)| d == "光明新区"),
        "{:?}",
        check.not_assessed
    );
    assert_eq!(
        check.not_registered,
        [("观澜街道".to_string(), "宝安区".to_string())]
    );
    let note = check.zh();
    assert!(
        note.starts_with("称号登记册载有街道 50 个,本年度街道考核(")
            && note.contains("考核街道 23 个"),
        "{note}"
    );
    assert!(
        note.contains(";登记册所载街道中 28 个未参加本年度考核:福田区 7 个("),
        "{note}"
    );
    assert!(
        note.ends_with(";参加考核但登记册未载的街道 1 个:观澜街道(宝安区),请补登。"),
        "{note}"
    );
    // Another year's street scorecard is refused, naming both years.
    let err = kaohe::decide::streets::check_streets(&reg, &cards[&2015], &streets)
        .expect_err("different years");
    assert!(err.to_string().contains("of 2011"), "{err}");

    // The default decision has no street scorecard: its brief names the list's source.
    let run = Kaohe::new().args(["decide", "-q"]).run();
    run.success();
    let html = String::from_utf8(run.read("out/decisions.html")).expect("utf-8");
    assert!(
        html.contains(
            "表中街道为称号登记册所载各区所辖街道(共 50 个),未与本年度街道考核结果核对。"
        ),
        "the brief names where its streets come from"
    );
}
