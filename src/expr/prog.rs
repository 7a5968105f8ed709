//! An expression as a flat program for the filtered path ([`super::fast`]): the tree in
//! postfix order, run over a small stack without recursion or pointer chasing. It gives what
//! the tree walk gives, value for value and error for error
//! (`tests::the_program_gives_what_the_tree_gives`): every operand is evaluated (the
//! expressions are pure, so evaluating a branch or an operand the tree walk skips changes
//! nothing but the work), and each operation combines its operands as the tree walk does.

use super::fast::{FxEnv, FxResult, FxVal, Why};
use super::{ArithOp, BoolNode, CmpOp, Node, NumFn, NumNode};
use crate::fx::Fx;

/// Deepest stack a program may use; deeper expressions keep the tree walk.
const STACK: usize = 8;

#[derive(Debug, Clone, Copy)]
enum Op {
    /// A number or yes/no as written.
    Const(FxVal),
    /// A slot read as a number.
    Num(u32),
    /// A slot read as yes/no.
    Bool(u32),
    /// What the filtered path does not evaluate.
    Unsure,
    Neg,
    Arith(ArithOp),
    /// condition, then, else.
    NumIf,
    Fn1(NumFn),
    Round(u32),
    /// `max` (true) or `min` of the last `n` values.
    Extreme(bool, u32),
    Not,
    /// Kleene `or` (true) or `and`.
    Kleene(bool),
    Cmp(CmpOp),
    Same(bool),
    BoolIf,
    Class(bool, u32),
}

/// A compiled expression's flat form.
#[derive(Debug, Clone)]
pub(crate) struct Prog {
    ops: Box<[Op]>,
}

impl Prog {
    /// The program of `root`; `None` when it needs a deeper stack than [`STACK`].
    pub(crate) fn new(root: &Node) -> Option<Prog> {
        let mut b = Builder::default();
        match root {
            Node::Num(n) => b.num(n),
            Node::Bool(n) => b.bool(n),
        }
        // Every op finds its operands (`emit`), none overflows, one value is left.
        (b.fits && b.max <= STACK && b.depth == 1).then(|| Prog { ops: b.ops.into() })
    }

    /// The value, as [`super::Compiled::eval_val_fx`]. One lane by hand: the one-lane case of
    /// [`Prog::run_lanes`] measured 5–10% slower on a large run's rows (issue 12); both take
    /// each operation's combining rule from `expr/fast.rs`.
    pub(crate) fn run(&self, env: FxEnv<'_>) -> FxResult<FxVal> {
        // Most item inputs are one figure: read without the stack.
        if let [op @ (Op::Num(_) | Op::Bool(_))] = *self.ops {
            return slot(op, env);
        }
        let mut st = [Cell::UNSURE; STACK];
        let mut n = 0usize;
        for op in &*self.ops {
            match *op {
                Op::Const(v) => {
                    st[n] = Cell::of(Ok(v));
                    n += 1;
                }
                Op::Num(_) | Op::Bool(_) => {
                    st[n] = Cell::of(slot(*op, env));
                    n += 1;
                }
                Op::Unsure => {
                    st[n] = Cell::UNSURE;
                    n += 1;
                }
                Op::Neg => st[n - 1] = Cell::of_num(st[n - 1].num().map(Fx::negated)),
                Op::Arith(op) => {
                    n -= 1;
                    st[n - 1] = arith_cells(op, st[n - 1], st[n]);
                }
                Op::NumIf => {
                    n -= 2;
                    st[n - 1] =
                        Cell::of_num(num_if(st[n - 1].bool(), || st[n].num(), || st[n + 1].num()));
                }
                Op::Fn1(f) => st[n - 1] = Cell::of_num(fn1(f, st[n - 1].num())),
                Op::Round(dp) => {
                    st[n - 1] =
                        Cell::of_num(st[n - 1].num().and_then(|x| x.round(dp).ok_or(Why::Unsure)));
                }
                Op::Extreme(is_max, k) => {
                    let from = n - k as usize;
                    st[from] = Cell::of_num(extreme(is_max, st[from..n].iter().map(|c| c.num())));
                    n = from + 1;
                }
                Op::Not => st[n - 1] = Cell::of_bool(st[n - 1].bool().map(|b| !b)),
                Op::Kleene(dominant) => {
                    n -= 1;
                    let b = st[n].bool();
                    st[n - 1] = Cell::of_bool(kleene(dominant, st[n - 1].bool(), || b));
                }
                Op::Cmp(op) => {
                    n -= 1;
                    st[n - 1] = cmp_cells(op, st[n - 1], st[n]);
                }
                Op::Same(eq) => {
                    n -= 1;
                    st[n - 1] = Cell::of_bool(
                        both(st[n - 1].bool(), st[n].bool()).map(|(a, b)| (a == b) == eq),
                    );
                }
                Op::BoolIf => {
                    n -= 2;
                    st[n - 1] = Cell::of_bool(bool_if(
                        st[n - 1].bool(),
                        || st[n].bool(),
                        || st[n + 1].bool(),
                    ));
                }
                Op::Class(eq, class) => {
                    st[n] = Cell::of_bool(Ok((env.class == Some(class)) == eq));
                    n += 1;
                }
            }
        }
        st[0].val()
    }

    /// The value in each of `W` lanes (replications of one unit, say), as [`Prog::run`] on
    /// each lane's values: every operation is taken once for all the lanes.
    pub(crate) fn run_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
    ) -> [FxResult<FxVal>; W] {
        self.exec::<W>(read, class).map(Cell::val)
    }

    /// The stack machine over `W` lanes.
    fn exec<const W: usize>(&self, read: &impl Read<W>, class: Option<u32>) -> [Cell; W] {
        let mut st = [[Cell::UNSURE; W]; STACK];
        let mut n = 0usize;
        for op in &*self.ops {
            match *op {
                Op::Const(v) => {
                    st[n] = [Cell::of(Ok(v)); W];
                    n += 1;
                }
                Op::Num(s) | Op::Bool(s) => {
                    match read.src(s) {
                        Src::One(v) => st[n] = [Cell::of(slot_val(*op, v)); W],
                        Src::Lanes(col) => {
                            for (c, v) in st[n].iter_mut().zip(col) {
                                *c = Cell::of(slot_val(*op, *v));
                            }
                        }
                    }
                    n += 1;
                }
                Op::Unsure => {
                    st[n] = [Cell::UNSURE; W];
                    n += 1;
                }
                Op::Neg => lanes1(&mut st[n - 1], |a| Cell::of_num(a.num().map(Fx::negated))),
                Op::Arith(op) => {
                    n -= 1;
                    lanes2(&mut st, n, |a, b| arith_cells(op, a, b));
                }
                Op::NumIf => {
                    n -= 2;
                    lanes3(&mut st, n, |c, a, b| {
                        Cell::of_num(num_if(c.bool(), || a.num(), || b.num()))
                    });
                }
                Op::Fn1(f) => lanes1(&mut st[n - 1], |a| Cell::of_num(fn1(f, a.num()))),
                Op::Round(dp) => lanes1(&mut st[n - 1], |a| {
                    Cell::of_num(a.num().and_then(|x| x.round(dp).ok_or(Why::Unsure)))
                }),
                Op::Extreme(is_max, k) => {
                    let from = n - k as usize;
                    for b in 0..W {
                        st[from][b] =
                            Cell::of_num(extreme(is_max, st[from..n].iter().map(|c| c[b].num())));
                    }
                    n = from + 1;
                }
                Op::Not => lanes1(&mut st[n - 1], |a| Cell::of_bool(a.bool().map(|b| !b))),
                Op::Kleene(dominant) => {
                    n -= 1;
                    lanes2(&mut st, n, |a, b| {
                        Cell::of_bool(kleene(dominant, a.bool(), || b.bool()))
                    });
                }
                Op::Cmp(op) => {
                    n -= 1;
                    lanes2(&mut st, n, |a, b| cmp_cells(op, a, b));
                }
                Op::Same(eq) => {
                    n -= 1;
                    lanes2(&mut st, n, |a, b| {
                        Cell::of_bool(both(a.bool(), b.bool()).map(|(a, b)| (a == b) == eq))
                    });
                }
                Op::BoolIf => {
                    n -= 2;
                    lanes3(&mut st, n, |c, a, b| {
                        Cell::of_bool(bool_if(c.bool(), || a.bool(), || b.bool()))
                    });
                }
                Op::Class(eq, c) => {
                    st[n] = [Cell::of_bool(Ok((class == Some(c)) == eq)); W];
                    n += 1;
                }
            }
        }
        st[0]
    }
}

impl super::Compiled {
    /// [`Compiled::eval_val_fx`] in `W` lanes at once ([`Prog::run_lanes`]);
    /// `None` when the expression has no flat program.
    pub(crate) fn eval_val_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
    ) -> Option<[FxResult<FxVal>; W]> {
        Some(self.prog.as_ref()?.run_lanes(read, class))
    }

    /// [`Compiled::eval_bool_fx`] in `W` lanes at once; `None` as [`Compiled::eval_val_lanes`].
    pub(crate) fn eval_bool_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
    ) -> Option<[FxResult<bool>; W]> {
        let Node::Bool(_) = self.root else {
            return Some([Err(Why::Undefined); W]);
        };
        Some(self.eval_val_lanes(read, class)?.map(|v| match v? {
            FxVal::Bool(b) => Ok(b),
            _ => Err(Why::Unsure),
        }))
    }
}

/// Where the lanes read a slot: one value for all, or a value per lane.
pub(crate) enum Src<'a, const W: usize> {
    One(FxVal),
    Lanes(&'a [FxVal; W]),
}

/// What a program's lanes read.
pub(crate) trait Read<const W: usize> {
    fn src(&self, slot: u32) -> Src<'_, W>;
}

/// [`arith`] on two cells, with the sums, differences and products of decimals of one scale
/// taken in place (what [`Fx::plus`], [`Fx::minus`] and [`Fx::times`] give them).
#[inline(always)]
fn arith_cells(op: ArithOp, a: Cell, b: Cell) -> Cell {
    if a.tag == DEC && b.tag == DEC {
        let (x, y) = (a.bits.cast_signed(), b.bits.cast_signed());
        let same = a.scale == b.scale;
        let exact = match op {
            ArithOp::Add if same => x.checked_add(y).map(|m| (m, a.scale)),
            // `minus` negates first: the one mantissa without a negation goes its way.
            ArithOp::Sub if same && y != i64::MIN => x.checked_sub(y).map(|m| (m, a.scale)),
            ArithOp::Mul if a.scale + b.scale <= crate::fx::MAX_SCALE => {
                x.checked_mul(y).map(|m| (m, a.scale + b.scale))
            }
            _ => None,
        };
        if let Some((m, scale)) = exact {
            return Cell {
                bits: m.cast_unsigned(),
                scale,
                tag: DEC,
            };
        }
    }
    Cell::of_num(arith(op, a.num(), b.num()))
}

/// [`cmp`] on two cells, decimals of one scale compared in place (as [`Fx::order`] does).
#[inline(always)]
fn cmp_cells(op: CmpOp, a: Cell, b: Cell) -> Cell {
    if a.tag == DEC && b.tag == DEC && a.scale == b.scale {
        let o = a.bits.cast_signed().cmp(&b.bits.cast_signed());
        return Cell::of_bool(Ok(op.holds(o)));
    }
    Cell::of_bool(cmp(op, a.num(), b.num()))
}

/// `f` on the top of the stack, lane by lane.
#[inline]
fn lanes1<const W: usize>(top: &mut [Cell; W], f: impl Fn(Cell) -> Cell) {
    for c in top.iter_mut() {
        *c = f(*c);
    }
}

/// `f` on the values at `n − 1` and `n` into `n − 1`, lane by lane.
#[inline]
fn lanes2<const W: usize>(st: &mut [[Cell; W]; STACK], n: usize, f: impl Fn(Cell, Cell) -> Cell) {
    let (lo, hi) = st.split_at_mut(n);
    let (a, b) = (&mut lo[n - 1], &hi[0]);
    for (x, y) in a.iter_mut().zip(b) {
        *x = f(*x, *y);
    }
}

/// `f` on the values at `n − 1`, `n` and `n + 1` into `n − 1`, lane by lane.
#[inline]
fn lanes3<const W: usize>(
    st: &mut [[Cell; W]; STACK],
    n: usize,
    f: impl Fn(Cell, Cell, Cell) -> Cell,
) {
    let (lo, hi) = st.split_at_mut(n);
    let c = &mut lo[n - 1];
    for b in 0..W {
        c[b] = f(c[b], hi[0][b], hi[1][b]);
    }
}

/// A program that is one slot read, as the stack would give it.
fn slot(op: Op, env: FxEnv<'_>) -> FxResult<FxVal> {
    match op {
        Op::Num(s) | Op::Bool(s) => {
            slot_val(op, env.vals.get(s as usize).copied().unwrap_or_default())
        }
        _ => Err(Why::Unsure),
    }
}

/// The value `v` of a slot read as `op` (a number or a yes/no).
#[inline]
fn slot_val(op: Op, v: FxVal) -> FxResult<FxVal> {
    match (op, v) {
        (_, FxVal::Absent) => Err(Why::Missing),
        (Op::Num(_), FxVal::Num(_)) | (Op::Bool(_), FxVal::Bool(_)) => Ok(v),
        _ => Err(Why::Undefined),
    }
}

/// A value on the stack in one plain shape (written whole: no partial stores of an enum's
/// fields): `bits` a decimal's mantissa, a float's bits or a yes/no; `scale` a decimal's.
#[derive(Debug, Clone, Copy)]
struct Cell {
    bits: u64,
    scale: u32,
    tag: u32,
}

const DEC: u32 = 0;
const APPROX: u32 = 1;
const BOOL: u32 = 2;
const MISSING: u32 = 3;
const UNDEFINED: u32 = 4;
const UNSURE: u32 = 5;

impl Cell {
    const UNSURE: Cell = Cell {
        bits: 0,
        scale: 0,
        tag: UNSURE,
    };

    fn err(w: Why) -> Cell {
        let tag = match w {
            Why::Missing => MISSING,
            Why::Undefined => UNDEFINED,
            Why::Unsure => UNSURE,
        };
        Cell {
            bits: 0,
            scale: 0,
            tag,
        }
    }

    fn of_num(x: FxResult<Fx>) -> Cell {
        match x {
            Ok(Fx::Dec(m, s)) => Cell {
                bits: m.cast_unsigned(),
                scale: s,
                tag: DEC,
            },
            Ok(Fx::Approx(v)) => Cell {
                bits: v.to_bits(),
                scale: 0,
                tag: APPROX,
            },
            Err(w) => Cell::err(w),
        }
    }

    fn of_bool(b: FxResult<bool>) -> Cell {
        match b {
            Ok(b) => Cell {
                bits: u64::from(b),
                scale: 0,
                tag: BOOL,
            },
            Err(w) => Cell::err(w),
        }
    }

    fn of(v: FxResult<FxVal>) -> Cell {
        match v {
            Ok(FxVal::Num(x)) => Cell::of_num(Ok(x)),
            Ok(FxVal::Bool(b)) => Cell::of_bool(Ok(b)),
            Ok(FxVal::Absent) => Cell::err(Why::Missing),
            Err(w) => Cell::err(w),
        }
    }

    fn why(self) -> Why {
        match self.tag {
            MISSING => Why::Missing,
            UNDEFINED => Why::Undefined,
            _ => Why::Unsure,
        }
    }

    /// A number operand (a checked expression never puts anything else where a number goes).
    fn num(self) -> FxResult<Fx> {
        match self.tag {
            DEC => Ok(Fx::Dec(self.bits.cast_signed(), self.scale)),
            APPROX => Ok(Fx::Approx(f64::from_bits(self.bits))),
            BOOL => Err(Why::Unsure),
            _ => Err(self.why()),
        }
    }

    fn bool(self) -> FxResult<bool> {
        match self.tag {
            BOOL => Ok(self.bits != 0),
            DEC | APPROX => Err(Why::Unsure),
            _ => Err(self.why()),
        }
    }

    fn val(self) -> FxResult<FxVal> {
        match self.tag {
            DEC | APPROX => self.num().map(FxVal::Num),
            BOOL => Ok(FxVal::Bool(self.bits != 0)),
            _ => Err(self.why()),
        }
    }
}

use super::fast::{arith, bool_if, both, cmp, extreme, fn1, kleene, num_if};

/// Postfix code and the deepest stack it reaches.
struct Builder {
    ops: Vec<Op>,
    depth: usize,
    max: usize,
    /// Every op found its operands.
    fits: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            ops: Vec::new(),
            depth: 0,
            max: 0,
            fits: true,
        }
    }
}

impl Builder {
    /// `op`, which pops `pops` values and pushes one.
    fn emit(&mut self, op: Op, pops: usize) {
        self.ops.push(op);
        if self.depth < pops {
            self.fits = false;
            return;
        }
        self.depth = self.depth + 1 - pops;
        self.max = self.max.max(self.depth);
    }

    fn num(&mut self, n: &NumNode) {
        match n {
            NumNode::Const(_, x) => self.emit(Op::Const(FxVal::Num(*x)), 0),
            NumNode::Slot(s) => self.emit(Op::Num(*s), 0),
            NumNode::Neg(a) => {
                self.num(a);
                self.emit(Op::Neg, 1);
            }
            NumNode::Arith(op, a, b) => {
                self.num(a);
                self.num(b);
                self.emit(Op::Arith(*op), 2);
            }
            NumNode::If(c, a, b) => {
                self.bool(c);
                self.num(a);
                self.num(b);
                self.emit(Op::NumIf, 3);
            }
            NumNode::Fn1(f, a) => {
                self.num(a);
                self.emit(Op::Fn1(*f), 1);
            }
            NumNode::Round(a, dp) => {
                self.num(a);
                self.emit(Op::Round(*dp), 1);
            }
            NumNode::Extreme(is_max, args) => {
                for a in args {
                    self.num(a);
                }
                match u32::try_from(args.len()) {
                    Ok(k) if k > 0 => self.emit(Op::Extreme(*is_max, k), args.len()),
                    // Never compiled (two arguments at least): the tree walk decides.
                    _ => self.fits = false,
                }
            }
            NumNode::Pow(..)
            | NumNode::Count(..)
            | NumNode::Agg(..)
            | NumNode::Share(..)
            | NumNode::Coalesce(_) => self.emit(Op::Unsure, 0),
        }
    }

    fn bool(&mut self, n: &BoolNode) {
        match n {
            BoolNode::Const(b) => self.emit(Op::Const(FxVal::Bool(*b)), 0),
            BoolNode::Slot(s) => self.emit(Op::Bool(*s), 0),
            BoolNode::Not(a) => {
                self.bool(a);
                self.emit(Op::Not, 1);
            }
            BoolNode::And(a, b) | BoolNode::Or(a, b) => {
                self.bool(a);
                self.bool(b);
                self.emit(Op::Kleene(matches!(n, BoolNode::Or(..))), 2);
            }
            BoolNode::Cmp(op, a, b) => {
                self.num(a);
                self.num(b);
                self.emit(Op::Cmp(*op), 2);
            }
            BoolNode::Same(eq, a, b) => {
                self.bool(a);
                self.bool(b);
                self.emit(Op::Same(*eq), 2);
            }
            BoolNode::If(c, a, b) => {
                self.bool(c);
                self.bool(a);
                self.bool(b);
                self.emit(Op::BoolIf, 3);
            }
            BoolNode::Class(eq, class, _) => self.emit(Op::Class(*eq, *class), 0),
            BoolNode::Present(..) | BoolNode::Coalesce(_) => self.emit(Op::Unsure, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Resolver, Ty, compile};
    use super::*;
    use proptest::prelude::*;

    /// Numbers `a`…`d` in slots 0–3, yes/no `p`, `q` in 4–5; classes `dept`, `town`.
    struct Scope;
    impl Resolver for Scope {
        fn resolve(&self, name: &str) -> Option<(u32, Ty)> {
            let at = ["a", "b", "c", "d", "p", "q"]
                .iter()
                .position(|n| *n == name)?;
            let at = u32::try_from(at).ok()?;
            Some((at, if at < 4 { Ty::Num } else { Ty::Bool }))
        }
        fn resolve_kind(&self, _: &str) -> Option<(u32, &dyn Resolver)> {
            None
        }
        fn resolve_class(&self, name: &str) -> Option<u32> {
            ["dept", "town"]
                .iter()
                .position(|n| *n == name)
                .and_then(|p| u32::try_from(p).ok())
        }
        fn class_names(&self) -> Option<Vec<String>> {
            Some(vec!["dept".into(), "town".into()])
        }
    }

    const LANES: usize = 32;

    /// Slot 0 (a number) and slot 4 (a yes/no) as columns of lanes; the rest one value each.
    struct Cols<'a> {
        vals: &'a [FxVal],
        num: &'a [FxVal; LANES],
        flag: &'a [FxVal; LANES],
    }

    impl Read<LANES> for Cols<'_> {
        fn src(&self, slot: u32) -> Src<'_, LANES> {
            match slot {
                0 => Src::Lanes(self.num),
                4 => Src::Lanes(self.flag),
                s => Src::One(self.vals.get(s as usize).copied().unwrap_or_default()),
            }
        }
    }

    fn num_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("c".to_string()),
            Just("d".to_string()),
            Just("0".to_string()),
            Just("3".to_string()),
            Just("0.1".to_string()),
            Just("1000".to_string()),
            Just("2.5".to_string()),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                (inner.clone(), 0usize..4, inner.clone())
                    .prop_map(|(a, op, b)| format!("({a} {} {b})", ["+", "-", "*", "/"][op])),
                inner.clone().prop_map(|a| format!("(-{a})")),
                (inner.clone(), 0u32..4).prop_map(|(a, dp)| format!("round({a}, {dp})")),
                (inner.clone(), 0usize..5).prop_map(|(a, f)| format!(
                    "{}({a})",
                    ["abs", "floor", "ceil", "ln", "exp"][f]
                )),
                (inner.clone(), inner.clone(), any::<bool>())
                    .prop_map(|(a, b, mx)| format!("{}({a}, {b})", if mx { "max" } else { "min" })),
                (inner.clone(), inner.clone(), inner.clone(), 0usize..3).prop_map(
                    |(a, b, c, cond)| format!(
                        "(if {} then {b} else {c})",
                        ["p", &format!("{a} > 1"), "(class == 'dept')"][cond]
                    )
                ),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("pow({a}, {b})")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("coalesce({a}, {b})")),
            ]
        })
    }

    fn bool_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("p".to_string()),
            Just("q".to_string()),
            Just("true".to_string()),
            Just("(class == 'town')".to_string()),
            Just("(class != 'dept')".to_string()),
            (num_expr(), 0usize..6, num_expr()).prop_map(|(a, op, b)| format!(
                "({a} {} {b})",
                ["<", "<=", ">", ">=", "==", "!="][op]
            )),
            Just("present(a)".to_string()),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                (inner.clone(), any::<bool>(), inner.clone())
                    .prop_map(|(a, or, b)| format!("({a} {} {b})", if or { "or" } else { "and" })),
                inner.clone().prop_map(|a| format!("(not {a})")),
                (inner.clone(), any::<bool>(), inner.clone())
                    .prop_map(|(a, eq, b)| format!("({a} {} {b})", if eq { "==" } else { "!=" })),
                (inner.clone(), inner.clone(), inner)
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            ]
        })
    }

    /// A slot's value: blank, a decimal, a float (a quotient's), or the wrong type.
    fn val() -> impl Strategy<Value = FxVal> {
        prop_oneof![
            Just(FxVal::Absent),
            (-30i64..30, 0u32..3).prop_map(|(m, s)| FxVal::Num(Fx::Dec(m, s))),
            (-3.0f64..3.0).prop_map(|v| FxVal::Num(Fx::Approx(v))),
            Just(FxVal::Num(Fx::Dec(i64::MAX, 0))),
            Just(FxVal::Num(Fx::Dec(i64::MIN, 0))),
            any::<bool>().prop_map(FxVal::Bool),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Value for value and error for error, whatever the slots hold (blanks, floats,
        /// the wrong type) and whatever the class.
        #[test]
        fn the_program_gives_what_the_tree_gives(
            src in prop_oneof![num_expr(), bool_expr()],
            vals in proptest::collection::vec(val(), 6),
            lanes_vals in proptest::collection::vec(val(), 1..8),
            class in prop_oneof![Just(None), Just(Some(0u32)), Just(Some(1u32))],
        ) {
            let c = compile(&src, &Scope, None);
            prop_assert!(c.is_ok(), "{}: {:?}", src, c.err());
            let Ok(c) = c else { return Ok(()) };
            let env = FxEnv { vals: &vals, class };
            let tree = c.eval_val_fx_tree(env);
            match &c.prog {
                Some(p) => prop_assert_eq!(p.run(env), tree, "{}", src),
                // Only a deeper stack keeps the tree walk.
                None => prop_assert!(src.len() > 40, "{}", src),
            }
            // In lanes: slots 0 and 4 a column (lane `b` reads `lanes[b]`), the rest one value.
            if let Some(p) = &c.prog {
                let lanes: Vec<FxVal> = (0..LANES).map(|b| lanes_vals[b % lanes_vals.len()]).collect();
                let col: [FxVal; LANES] = std::array::from_fn(|b| lanes[b]);
                let flags: [FxVal; LANES] = std::array::from_fn(|b| FxVal::Bool(b % 3 == 0));
                let read = Cols { vals: &vals, num: &col, flag: &flags };
                let got = p.run_lanes(&read, class);
                for b in 0..LANES {
                    let mut one = vals.clone();
                    one[0] = col[b];
                    one[4] = flags[b];
                    prop_assert_eq!(got[b], p.run(FxEnv { vals: &one, class }), "{} lane {}", src, b);
                }
            }
            match c.ty() {
                Ty::Num => prop_assert_eq!(c.eval_fx(env), tree.map(|v| match v {
                    FxVal::Num(x) => x,
                    _ => Fx::ZERO,
                })),
                Ty::Bool => prop_assert_eq!(c.eval_bool_fx(env), tree.map(|v| v == FxVal::Bool(true))),
            }
        }
    }

    #[test]
    fn deep_expressions_keep_the_tree_walk() {
        // Nine operands pending at once: deeper than the stack.
        let src = "a + (b + (c + (d + (a + (b + (c + (d + (a + 1))))))))";
        let c = compile(src, &Scope, None).expect("compiles");
        assert!(c.prog.is_none());
        let vals = [FxVal::Num(Fx::Dec(1, 0)); 6];
        let env = FxEnv {
            vals: &vals,
            class: None,
        };
        assert_eq!(c.eval_fx(env), Ok(Fx::Dec(10, 0)));
        let shallow = compile("round(a / b * 1000, 2) - c", &Scope, None).expect("compiles");
        assert!(shallow.prog.is_some());
    }
}
