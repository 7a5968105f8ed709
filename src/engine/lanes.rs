//! Replications of one unit scored in blocks of [`LANES`] ([`Rescorer::score_lanes`]): what
//! the replications read of their drawn figures — the derived values, the items' inputs and
//! zeroing conditions, the vetoes' conditions — is evaluated once per block, each operation of
//! a flat program taken for all the lanes together ([`crate::expr::Read`]); each lane is then
//! scored by the filtered path ([`super::fast`]) with those values given. The same figures as
//! scoring each replication alone (`robustness::tests::lanes_give_what_each_replication_gives`):
//! the programs give what they give one lane at a time, and an evaluation is taken ahead
//! only when it reads nothing the scoring writes (points, lines, bonus, total). A lane's
//! values are the last lane's with its drawn and derived slots written again: what the
//! scoring writes it writes in every lane before anything reads it (only vetoes name points,
//! lines, bonus and total, and they are decided after all of them are written).

use super::fast::{
    Ahead, Col, Ctx, Figures, ItemAhead, LANES, Replayed, UnitBase, derived_value, figures,
};
use super::replay::Rescorer;
use crate::expr::fast::{FxResult, FxVal, Why};
use crate::expr::{Compiled, LaneStack, Read, Src};
use crate::model::Input;

/// A slot not held in a column.
const NONE: u32 = u32::MAX;

/// One unit's block of replications: the drawn slots and the derived values recomputed, as
/// columns, and what is evaluated ahead of scoring each lane.
pub struct Lanes<'u> {
    base: &'u UnitBase,
    /// Per slot: its column in `cols`, or [`NONE`].
    col_of: Vec<u32>,
    /// The drawn slots' columns, then the derived values'.
    cols: Vec<Col<FxVal>>,
    /// The slots held in columns, in `cols` order.
    slots: Vec<u32>,
    /// The derived values recomputed (evaluation order) and their slots.
    derived: Vec<(usize, u32)>,
    /// Per item: its place in `items`, or [`NONE`].
    item_at: Vec<u32>,
    items: Vec<ItemAhead>,
    /// Per veto: its place in `vetoes`, or [`NONE`].
    veto_at: Vec<u32>,
    vetoes: Vec<(usize, Col<FxResult<bool>>)>,
    /// Lanes a derived value left unsure (scored alone by the caller).
    unsure: Col<bool>,
    /// The unit's values as a lane reads them.
    scratch: Vec<FxVal>,
    /// The programs' stack.
    stack: LaneStack<LANES>,
}

/// The columns as the programs read them.
struct Reader<'a> {
    vals: &'a [FxVal],
    col_of: &'a [u32],
    cols: &'a [Col<FxVal>],
}

impl Read<LANES> for Reader<'_> {
    #[inline]
    fn src(&self, slot: u32) -> Src<'_, LANES> {
        match self.col_of.get(slot as usize) {
            Some(&c) if c != NONE => match self.cols.get(c as usize) {
                Some(col) => Src::Lanes(col),
                None => Src::One(FxVal::Absent),
            },
            _ => Src::One(self.vals.get(slot as usize).copied().unwrap_or_default()),
        }
    }
}

/// Whether `e` can be evaluated ahead: it has a flat program and reads nothing the scoring
/// writes (every slot from the first item's points on).
fn ahead_able(e: &Compiled, first_scored: u32) -> bool {
    e.has_prog() && e.slots().iter().all(|s| *s < first_scored)
}

impl<'u> Lanes<'u> {
    /// The drawn slot `slot`'s column, to fill lane by lane.
    pub fn column(&mut self, slot: u32) -> Option<&mut Col<FxVal>> {
        let c = *self.col_of.get(slot as usize)?;
        self.cols.get_mut(c as usize)
    }
}

impl Rescorer<'_> {
    /// The blocks of unit `pos`, whose replications start from `base` ([`Rescorer::fx_base`]),
    /// draw `drawn` and recompute `derived` ([`Rescorer::derived_reading`]); `None` when a
    /// derived value has no flat program (each replication is then scored alone).
    pub fn lanes<'u>(
        &self,
        pos: usize,
        base: &'u UnitBase,
        drawn: &[u32],
        derived: &[usize],
    ) -> Option<Lanes<'u>> {
        let (set, ev, _, _) = self.parts();
        let kind = set.unit_kind();
        let class = ev.units[*ev.scored.get(pos)?].class;
        let first_scored = set.slots.points;
        let mut col_of = vec![NONE; base.vals.len()];
        let mut slots = Vec::new();
        for &s in drawn {
            let at = col_of.get_mut(s as usize)?;
            if *at == NONE {
                *at = u32::try_from(slots.len()).ok()?;
                slots.push(s);
            }
        }
        let mut der = Vec::with_capacity(derived.len());
        for &d in derived {
            let e = &kind.derived.get(d)?.expr;
            if !e.has_prog() {
                return None;
            }
            let s = kind.layout.derived + u32::try_from(d).ok()?;
            *col_of.get_mut(s as usize)? = u32::try_from(slots.len()).ok()?;
            slots.push(s);
            der.push((d, s));
        }
        let mut item_at = vec![NONE; set.indicators.len()];
        let mut items = Vec::new();
        for (k, ind) in set.indicators.iter().enumerate() {
            let Input::Expr(e) = &ind.input else { continue };
            let zero_ok = ind
                .zero_if
                .as_ref()
                .is_none_or(|z| ahead_able(z, first_scored));
            if ind.params.is_empty()
                && base.item_moves(k)
                && ahead_able(e, first_scored)
                && zero_ok
                && ind.applies_to(class)
            {
                item_at[k] = u32::try_from(items.len()).ok()?;
                items.push(ItemAhead {
                    k,
                    zero: [Ok(false); LANES],
                    input: [Err(Why::Unsure); LANES],
                    points: [None; LANES],
                });
            }
        }
        let mut veto_at = vec![NONE; set.vetoes.len()];
        let mut vetoes = Vec::new();
        for (vi, v) in set.vetoes.iter().enumerate() {
            let kept = base.vetoes.get(vi).is_some_and(Option::is_some);
            if !kept && ahead_able(&v.when, first_scored) {
                veto_at[vi] = u32::try_from(vetoes.len()).ok()?;
                vetoes.push((vi, [Err(Why::Unsure); LANES]));
            }
        }
        Some(Lanes {
            base,
            col_of,
            cols: vec![[FxVal::Absent; LANES]; slots.len()],
            slots,
            derived: der,
            item_at,
            items,
            veto_at,
            vetoes,
            unsure: [false; LANES],
            scratch: base.vals.clone(),
            stack: LaneStack::default(),
        })
    }

    /// Score the first `width` lanes of `l`, whose drawn columns are filled
    /// ([`Lanes::column`]); lane `b` with weight factors `factors[b]` ([`super::fx_factors`]).
    /// `out` receives each lane's figures in order, `None` where the filtered path does not
    /// decide them.
    pub fn score_lanes(
        &self,
        pos: usize,
        l: &mut Lanes<'_>,
        (width, factors): (usize, &[Option<&[i64]>]),
        mut out: impl FnMut(usize, Option<Figures>),
    ) -> Option<()> {
        let (set, ev, no_evidence, policy_free) = self.parts();
        let class = ev.units[*ev.scored.get(pos)?].class;
        let class32 = class.and_then(|c| u32::try_from(c).ok());
        let kind = set.unit_kind();
        evaluate_ahead(set, kind, l, (class32, self.kernels()))?;
        let cx = Ctx {
            set,
            kernels: self.kernels(),
            class,
            policy_free,
        };
        let no_evidence = *no_evidence.get(pos)?;
        for b in 0..width.min(LANES) {
            if l.unsure[b] {
                out(b, None);
                continue;
            }
            let mut vals = std::mem::take(&mut l.scratch);
            for (c, &s) in l.slots.iter().enumerate() {
                *vals.get_mut(s as usize)? = l.cols.get(c)?[b];
            }
            let r = Replayed {
                derived: &[],
                base: l.base,
                factor: *factors.get(b)?,
                no_evidence,
                list_lacking: false,
                ahead: Some(Ahead {
                    item_at: &l.item_at,
                    items: &l.items,
                    veto_at: &l.veto_at,
                    vetoes: &l.vetoes,
                    lane: b,
                }),
            };
            let f = figures(&cx, &mut vals, &r);
            l.scratch = vals;
            out(b, f);
        }
        Some(())
    }
}

/// The derived values, the items' inputs, conditions and (where their kernels decide them)
/// points, and the vetoes' conditions of every lane of `l`.
fn evaluate_ahead(
    set: &crate::model::IndicatorSet,
    kind: &crate::model::Kind,
    l: &mut Lanes<'_>,
    (class, kernels): (Option<u32>, &crate::rules::kernel::Kernels),
) -> Option<()> {
    l.unsure = [false; LANES];
    for &(d, s) in &l.derived {
        let e = &kind.derived.get(d)?.expr;
        let r = Reader {
            vals: &l.base.vals,
            col_of: &l.col_of,
            cols: &l.cols,
        };
        let got = e.eval_val_lanes(&r, class, &mut l.stack)?;
        let mut col = [FxVal::Absent; LANES];
        for (b, v) in got.into_iter().enumerate() {
            match derived_value(v) {
                Some(v) => col[b] = v,
                None => l.unsure[b] = true,
            }
        }
        let c = *l.col_of.get(s as usize)?;
        *l.cols.get_mut(c as usize)? = col;
    }
    let r = Reader {
        vals: &l.base.vals,
        col_of: &l.col_of,
        cols: &l.cols,
    };
    for a in &mut l.items {
        let ind = set.indicators.get(a.k)?;
        let Input::Expr(e) = &ind.input else {
            return None;
        };
        if let Some(z) = &ind.zero_if {
            a.zero = z.eval_bool_lanes(&r, class, &mut l.stack)?;
        }
        a.input = e.eval_val_lanes(&r, class, &mut l.stack)?;
        // As `Ctx::item` scores an applying item without parameters: not zeroed, an input,
        // and the kernel's points when it decides them.
        let (kernel, max) = (kernels.item(a.k), l.base.item_max_w(a.k)?);
        for ((p, zero), input) in a.points.iter_mut().zip(&a.zero).zip(&a.input) {
            *p = match (zero, input, kernel) {
                (Ok(false), Ok(v), Some(kernel)) => kernel.points(*v, max),
                _ => None,
            };
        }
    }
    for (vi, when) in &mut l.vetoes {
        *when = set
            .vetoes
            .get(*vi)?
            .when
            .eval_bool_lanes(&r, class, &mut l.stack)?;
    }
    Some(())
}
