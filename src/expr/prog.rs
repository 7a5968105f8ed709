//! An expression as a flat program for the filtered path ([`super::fast`]): the tree in
//! postfix order, run over a small stack without recursion or pointer chasing. It gives what
//! the tree walk gives, value for value and error for error
//! (`tests::the_program_gives_what_the_tree_gives`): every operand is evaluated (the
//! expressions are pure, so evaluating a branch or an operand the tree walk skips changes
//! nothing but the work), and each operation combines its operands as the tree walk does.

use super::fast::{FxEnv, FxResult, FxVal, HUGE, Why};
use super::{ArithOp, BoolNode, CmpOp, Node, NumFn, NumNode};
use crate::fx::{Fx, near, near_zero, pow10, pow10_128};

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
    /// each lane's values: every operation is taken once for all the lanes. `stack`: scratch
    /// kept between calls (none of it is read before it is written).
    pub(crate) fn run_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
        stack: &mut LaneStack<W>,
    ) -> [FxResult<FxVal>; W] {
        self.exec::<W>(read, class, &mut stack.cols).map(Cell::val)
    }

    /// The stack machine over `W` lanes: a value of the stack is a [`Column`], typed while its
    /// lanes share a form.
    fn exec<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
        st: &mut [Column<W>; STACK],
    ) -> [Cell; W] {
        let mut n = 0usize;
        for op in &*self.ops {
            match *op {
                Op::Const(v) => {
                    st[n] = Column::splat(Cell::of(Ok(v)));
                    n += 1;
                }
                Op::Num(s) | Op::Bool(s) => {
                    st[n] = match read.src(s) {
                        Src::One(v) => Column::splat(Cell::of(slot_val(*op, v))),
                        Src::Lanes(col) => Column::read(*op, col),
                    };
                    n += 1;
                }
                Op::Unsure => {
                    st[n] = Column::Cells([Cell::UNSURE; W]);
                    n += 1;
                }
                Op::Neg => st[n - 1].negate(),
                Op::Arith(op) => {
                    n -= 1;
                    let (lo, hi) = st.split_at_mut(n);
                    lo[n - 1].arith(op, &hi[0]);
                }
                Op::NumIf => {
                    n -= 2;
                    cells3(st, n, |c, a, b| {
                        Cell::of_num(num_if(c.bool(), || a.num(), || b.num()))
                    });
                }
                Op::Fn1(f) => st[n - 1].each(|a| Cell::of_num(fn1(f, a.num()))),
                Op::Round(dp) => st[n - 1].round(dp),
                Op::Extreme(is_max, k) => {
                    let from = n - k as usize;
                    let args: [[Cell; W]; STACK] =
                        std::array::from_fn(|i| match st.get(from + i) {
                            Some(c) if from + i < n => c.cells(),
                            _ => [Cell::UNSURE; W],
                        });
                    let k = k as usize;
                    st[from] = Column::of_cells(std::array::from_fn(|b| {
                        Cell::of_num(extreme(is_max, args[..k].iter().map(|c| c[b].num())))
                    }));
                    n = from + 1;
                }
                Op::Not => st[n - 1].each(|a| Cell::of_bool(a.bool().map(|b| !b))),
                Op::Kleene(dominant) => {
                    n -= 1;
                    cells2(st, n, |a, b| {
                        Cell::of_bool(kleene(dominant, a.bool(), || b.bool()))
                    });
                }
                Op::Cmp(op) => {
                    n -= 1;
                    let (lo, hi) = st.split_at_mut(n);
                    lo[n - 1].compare(op, &hi[0]);
                }
                Op::Same(eq) => {
                    n -= 1;
                    cells2(st, n, |a, b| {
                        Cell::of_bool(both(a.bool(), b.bool()).map(|(a, b)| (a == b) == eq))
                    });
                }
                Op::BoolIf => {
                    n -= 2;
                    cells3(st, n, |c, a, b| {
                        Cell::of_bool(bool_if(c.bool(), || a.bool(), || b.bool()))
                    });
                }
                Op::Class(eq, c) => {
                    st[n] = Column::Cells([Cell::of_bool(Ok((class == Some(c)) == eq)); W]);
                    n += 1;
                }
            }
        }
        st[0].cells()
    }
}

/// Scratch for [`Prog::run_lanes`]: the stack of columns, kept between programs.
pub(crate) struct LaneStack<const W: usize> {
    cols: Box<[Column<W>; STACK]>,
}

impl<const W: usize> Default for LaneStack<W> {
    fn default() -> Self {
        LaneStack {
            cols: Box::new([Column::Cells([Cell::UNSURE; W]); STACK]),
        }
    }
}

/// A value of the lane stack: every lane an exact decimal of one scale (`Dec`: the
/// mantissas and the scale), every lane a float (`Flt`), or any cells. The typed forms let
/// an operation run as one loop over plain numbers; each gives, lane for lane, the cell that
/// the one-lane rules ([`arith_cells`], [`cmp_cells`], [`Fx::round`]) give, and anything
/// else goes lane by lane through those rules.
#[derive(Clone, Copy)]
enum Column<const W: usize> {
    Dec([i64; W], u32),
    Flt([f64; W]),
    Cells([Cell; W]),
}

impl<const W: usize> Column<W> {
    /// The lanes as cells (the form a typed column stands for).
    #[inline]
    fn cells(&self) -> [Cell; W] {
        match self {
            Column::Dec(m, s) => m.map(|m| Cell {
                bits: m.cast_unsigned(),
                scale: *s,
                tag: DEC,
            }),
            Column::Flt(v) => v.map(|v| Cell::of_num(Ok(Fx::Approx(v)))),
            Column::Cells(c) => *c,
        }
    }

    /// Cells in a typed form when they all have one.
    fn of_cells(c: [Cell; W]) -> Self {
        let Some(first) = c.first() else {
            return Column::Cells(c);
        };
        if first.tag == DEC && c.iter().all(|x| x.tag == DEC && x.scale == first.scale) {
            Column::Dec(c.map(|x| x.bits.cast_signed()), first.scale)
        } else if c.iter().all(|x| x.tag == APPROX) {
            Column::Flt(c.map(|x| f64::from_bits(x.bits)))
        } else {
            Column::Cells(c)
        }
    }

    /// One cell in every lane.
    #[inline]
    fn splat(c: Cell) -> Self {
        match c.tag {
            DEC => Column::Dec([c.bits.cast_signed(); W], c.scale),
            APPROX => Column::Flt([f64::from_bits(c.bits); W]),
            _ => Column::Cells([c; W]),
        }
    }

    /// A slot's column read as `op` (a number or a yes/no), as [`slot_val`] lane by lane.
    fn read(op: Op, col: &[FxVal; W]) -> Self {
        if let (Op::Num(_), Some(FxVal::Num(Fx::Dec(_, s0)))) = (op, col.first()) {
            let mut m = [0i64; W];
            let mut typed = true;
            for (m, v) in m.iter_mut().zip(col) {
                match v {
                    FxVal::Num(Fx::Dec(x, s)) if s == s0 => *m = *x,
                    _ => typed = false,
                }
            }
            if typed {
                return Column::Dec(m, *s0);
            }
        }
        Column::of_cells(col.map(|v| Cell::of(slot_val(op, v))))
    }

    /// `f` on every lane, through cells.
    #[inline]
    fn each(&mut self, f: impl Fn(Cell) -> Cell) {
        *self = Column::of_cells(self.cells().map(f));
    }

    fn negate(&mut self) {
        match self {
            Column::Flt(v) => v.iter_mut().for_each(|x| *x = -*x),
            Column::Dec(m, _) if m.iter().all(|x| *x != i64::MIN) => {
                m.iter_mut().for_each(|x| *x = -*x);
            }
            _ => self.each(|a| Cell::of_num(a.num().map(Fx::negated))),
        }
    }

    /// `self op o` into `self`, as [`arith_cells`] lane by lane.
    fn arith(&mut self, op: ArithOp, o: &Column<W>) {
        let done = match (&*self, o) {
            (Column::Dec(x, sa), Column::Dec(y, sb)) => match op {
                ArithOp::Div => Some(dec_div((x, *sa), (y, *sb))),
                _ => dec_arith(op, (x, *sa), (y, *sb)),
            },
            (Column::Dec(..) | Column::Flt(_), Column::Dec(..) | Column::Flt(_)) => {
                float_arith(op, self.floats(), o.floats())
            }
            _ => None,
        };
        *self = match done {
            Some(c) => c,
            None => {
                let (a, b) = (self.cells(), o.cells());
                let mut out = a;
                for ((c, a), b) in out.iter_mut().zip(a).zip(b) {
                    *c = arith_cells(op, a, b);
                }
                Column::of_cells(out)
            }
        };
    }

    /// The lanes as floats ([`Fx::f64`]); only for a typed column.
    #[inline]
    fn floats(&self) -> [f64; W] {
        match self {
            Column::Dec(m, s) => m.map(|m| Fx::Dec(m, *s).f64()),
            Column::Flt(v) => *v,
            Column::Cells(c) => c.map(|c| c.num().map_or(f64::NAN, Fx::f64)),
        }
    }

    /// Rounded to `dp` places, as [`Fx::round`] lane by lane.
    fn round(&mut self, dp: u32) {
        match self {
            Column::Dec(_, s) if *s <= dp => {}
            Column::Dec(..) | Column::Flt(_) => {
                // Both give a decimal of `dp` places in every lane they decide.
                let this = &*self;
                let fx = |b: usize| match this {
                    Column::Dec(m, s) => Fx::Dec(m[b], *s),
                    Column::Flt(v) => Fx::Approx(v[b]),
                    Column::Cells(_) => Fx::Approx(f64::NAN),
                };
                let mut out = [0i64; W];
                let decided = out
                    .iter_mut()
                    .enumerate()
                    .all(|(b, o)| match fx(b).round(dp) {
                        Some(Fx::Dec(q, _)) => {
                            *o = q;
                            true
                        }
                        _ => false,
                    });
                if decided {
                    *self = Column::Dec(out, dp);
                } else {
                    self.each(|a| round_cell(a, dp));
                }
            }
            Column::Cells(_) => self.each(|a| round_cell(a, dp)),
        }
    }

    /// `self op o` into `self` (yes/no cells), as [`cmp_cells`] lane by lane: two decimal
    /// columns by their exact order ([`Fx::order`] on decimals is exact), a float against
    /// either unless it is too near the other ([`near`]).
    fn compare(&mut self, op: CmpOp, o: &Column<W>) {
        let mut out = [Cell::UNSURE; W];
        match (&*self, o) {
            (Column::Dec(x, sa), Column::Dec(y, sb)) if sa == sb => {
                for ((c, x), y) in out.iter_mut().zip(x).zip(y) {
                    *c = Cell::of_bool(Ok(op.holds(x.cmp(y))));
                }
            }
            (Column::Dec(x, sa), Column::Dec(y, sb)) => {
                let (sa, sb) = (*sa, *sb);
                let (ka, kb) = (
                    pow10_128(sb.saturating_sub(sa)),
                    pow10_128(sa.saturating_sub(sb)),
                );
                for ((c, x), y) in out.iter_mut().zip(x).zip(y) {
                    let o = (i128::from(*x) * ka).cmp(&(i128::from(*y) * kb));
                    *c = Cell::of_bool(Ok(op.holds(o)));
                }
            }
            (Column::Dec(..) | Column::Flt(_), Column::Dec(..) | Column::Flt(_)) => {
                let (a, b) = (self.floats(), o.floats());
                for ((c, x), y) in out.iter_mut().zip(a).zip(b) {
                    *c = match x.partial_cmp(&y) {
                        Some(o) if !near(x, y) => Cell::of_bool(Ok(op.holds(o))),
                        _ => Cell::UNSURE,
                    };
                }
            }
            _ => {
                let (a, b) = (self.cells(), o.cells());
                for ((c, a), b) in out.iter_mut().zip(a).zip(b) {
                    *c = cmp_cells(op, a, b);
                }
            }
        }
        *self = Column::Cells(out);
    }
}

/// [`Fx::round`] on a cell.
fn round_cell(a: Cell, dp: u32) -> Cell {
    Cell::of_num(a.num().and_then(|x| x.round(dp).ok_or(Why::Unsure)))
}

/// Sums, differences and products of two decimal columns, as [`Fx::plus`], [`Fx::minus`]
/// and [`Fx::times`] give them when they stay decimals; `None` when a lane does not (the
/// lanes then go one by one).
fn dec_arith<const W: usize>(
    op: ArithOp,
    (x, sa): (&[i64; W], u32),
    (y, sb): (&[i64; W], u32),
) -> Option<Column<W>> {
    let mut out = [0i64; W];
    match op {
        ArithOp::Add | ArithOp::Sub => {
            // `minus` adds the negation; both aligned to the larger scale (`align`).
            let s = sa.max(sb);
            let (ka, kb) = (pow10(s - sa)?, pow10(s - sb)?);
            let mut ok = true;
            for ((o, a), b) in out.iter_mut().zip(x).zip(y) {
                let b = if op == ArithOp::Sub {
                    b.checked_neg()
                } else {
                    Some(*b)
                };
                match (a.checked_mul(ka), b.and_then(|b| b.checked_mul(kb))) {
                    (Some(a), Some(b)) => match a.checked_add(b) {
                        Some(m) => *o = m,
                        None => ok = false,
                    },
                    _ => ok = false,
                }
            }
            ok.then_some(Column::Dec(out, s))
        }
        ArithOp::Mul if sa + sb <= crate::fx::MAX_SCALE => {
            let mut ok = true;
            for ((o, a), b) in out.iter_mut().zip(x).zip(y) {
                match a.checked_mul(*b) {
                    Some(m) => *o = m,
                    None => ok = false,
                }
            }
            ok.then_some(Column::Dec(out, sa + sb))
        }
        _ => None,
    }
}

/// A decimal column divided by a decimal column, as [`arith`] gives it lane by lane. A
/// lane whose quotient cannot be an exact decimal (`d` without its factors 2 and 5 does not
/// divide `a`, so it does not divide `a`·10^k either, and [`Fx::over`] takes its float) is
/// the operands' floats divided; any other lane (a quotient that may be exact, a zero
/// divisor, a float too large) goes through [`arith_cells`].
fn dec_div<const W: usize>((x, sa): (&[i64; W], u32), (y, sb): (&[i64; W], u32)) -> Column<W> {
    let mut q = [0f64; W];
    for ((q, a), d) in q.iter_mut().zip(x).zip(y) {
        *q = Fx::Dec(*a, sa).f64() / Fx::Dec(*d, sb).f64();
    }
    let one = y
        .first()
        .filter(|d| y.iter().all(|e| e == *d))
        .map(|d| Odd::of(*d));
    let mut alone = [false; W];
    for ((alone, (a, d)), q) in alone.iter_mut().zip(x.iter().zip(y)).zip(&q) {
        let exact_may = match one {
            Some(odd) => odd.may_divide(*a),
            None => Odd::of(*d).may_divide(*a),
        };
        *alone = exact_may || q.is_nan() || q.abs() >= HUGE;
    }
    if !alone.contains(&true) {
        return Column::Flt(q);
    }
    let mut out = [Cell::UNSURE; W];
    for (b, c) in out.iter_mut().enumerate() {
        let (a, d) = (x[b], y[b]);
        *c = if alone[b] {
            arith_cells(
                ArithOp::Div,
                Cell::of_num(Ok(Fx::Dec(a, sa))),
                Cell::of_num(Ok(Fx::Dec(d, sb))),
            )
        } else {
            Cell::of_num(Ok(Fx::Approx(q[b])))
        };
    }
    Column::of_cells(out)
}

/// A divisor's part prime to 10 (odd, not a multiple of 5) as its inverse modulo 2^64 and
/// `u64::MAX / odd`: a whole number is a multiple of it when the product with the inverse
/// is at most the latter (the divisibility test of Granlund and Montgomery). `None` for a
/// zero divisor.
#[derive(Clone, Copy)]
struct Odd(Option<(u64, u64)>);

impl Odd {
    fn of(d: i64) -> Odd {
        let mut u = d.unsigned_abs();
        if u == 0 {
            return Odd(None);
        }
        u >>= u.trailing_zeros();
        while u.is_multiple_of(5) {
            u /= 5;
        }
        // Newton's iteration: an odd u is its own inverse modulo 8; each step doubles the
        // bits that are right (3, 6, 12, 24, 48, 96).
        let mut inv = u;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(u.wrapping_mul(inv)));
        }
        Odd(Some((inv, u64::MAX / u)))
    }

    /// Whether `d` may divide `a`·10^k for some k (true for a zero divisor: the caller's
    /// general path decides).
    #[inline]
    fn may_divide(self, a: i64) -> bool {
        match self.0 {
            None => true,
            Some((inv, max)) => a.unsigned_abs().wrapping_mul(inv) <= max,
        }
    }
}

/// `a op b` where a lane holds a float, as [`arith`] gives it (a float: the operands' floats
/// combined, `minus` as the sum with the negation, which is the difference); `None` when a
/// lane divides by zero or a float near it, or a result is not [`sane`] (the lanes then go
/// one by one).
fn float_arith<const W: usize>(op: ArithOp, a: [f64; W], b: [f64; W]) -> Option<Column<W>> {
    let mut out = [0f64; W];
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = match op {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => x / y,
        };
    }
    let zero_divisor = op == ArithOp::Div && b.iter().any(|y| near_zero(*y));
    let insane = out.iter().any(|v| v.abs() >= HUGE || v.is_nan());
    (!zero_divisor && !insane).then_some(Column::Flt(out))
}

/// `f` on the values at `n − 1` and `n` into `n − 1`, lane by lane through cells.
fn cells2<const W: usize>(st: &mut [Column<W>; STACK], n: usize, f: impl Fn(Cell, Cell) -> Cell) {
    let (a, b) = (st[n - 1].cells(), st[n].cells());
    let mut out = a;
    for ((c, a), b) in out.iter_mut().zip(a).zip(b) {
        *c = f(a, b);
    }
    st[n - 1] = Column::of_cells(out);
}

/// `f` on the values at `n − 1`, `n` and `n + 1` into `n − 1`, lane by lane through cells.
fn cells3<const W: usize>(
    st: &mut [Column<W>; STACK],
    n: usize,
    f: impl Fn(Cell, Cell, Cell) -> Cell,
) {
    let (c, a, b) = (st[n - 1].cells(), st[n].cells(), st[n + 1].cells());
    let mut out = c;
    for (i, o) in out.iter_mut().enumerate() {
        *o = f(c[i], a[i], b[i]);
    }
    st[n - 1] = Column::of_cells(out);
}

impl super::Compiled {
    /// [`Compiled::eval_val_fx`] in `W` lanes at once ([`Prog::run_lanes`]);
    /// `None` when the expression has no flat program.
    pub(crate) fn eval_val_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
        stack: &mut LaneStack<W>,
    ) -> Option<[FxResult<FxVal>; W]> {
        Some(self.prog.as_ref()?.run_lanes(read, class, stack))
    }

    /// [`Compiled::eval_bool_fx`] in `W` lanes at once; `None` as [`Compiled::eval_val_lanes`].
    pub(crate) fn eval_bool_lanes<const W: usize>(
        &self,
        read: &impl Read<W>,
        class: Option<u32>,
        stack: &mut LaneStack<W>,
    ) -> Option<[FxResult<bool>; W]> {
        let Node::Bool(_) = self.root else {
            return Some([Err(Why::Undefined); W]);
        };
        Some(self.eval_val_lanes(read, class, stack)?.map(|v| match v? {
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
            lanes_vals in prop_oneof![
                proptest::collection::vec(val(), 1..8),
                // Every lane a decimal of one scale, or every lane a float: typed columns.
                (0u32..3, proptest::collection::vec(-30i64..30, 1..8))
                    .prop_map(|(s, ms)| ms.into_iter().map(|m| FxVal::Num(Fx::Dec(m, s))).collect()),
                proptest::collection::vec((-3.0f64..3.0).prop_map(|v| FxVal::Num(Fx::Approx(v))), 1..8),
            ],
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
                let got = p.run_lanes(&read, class, &mut LaneStack::default());
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

    proptest! {
        /// A divisor's part prime to 10 rules out exactly the quotients that cannot be exact:
        /// whenever `d` divides `a`·10^k (any k that fits), the test lets it through.
        #[test]
        fn quotients_that_may_be_exact_are_let_through(a in any::<i64>(), d in prop_oneof![
            any::<i64>(),
            (1i64..2000, 0u32..12, 0u32..8).prop_map(|(m, i, j)| m * 2i64.pow(i) * 5i64.pow(j)),
        ], small in -2000i64..2000) {
            for a in [a, 0, small, small * d.wrapping_rem(1 << 20)] {
                let may = Odd::of(d).may_divide(a);
                for k in 0..=18u32 {
                    if let Some(n) = a.checked_mul(10i64.pow(k))
                        && d != 0
                        && n.checked_rem(d) == Some(0)
                    {
                        prop_assert!(may, "{} · 10^{} is a multiple of {}", a, k, d);
                    }
                }
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
