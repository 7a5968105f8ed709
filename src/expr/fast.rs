//! An expression evaluated in filtered arithmetic ([`crate::fx`]): the value
//! [`Compiled::eval`] gives, or "undefined" where it gives an error, or [`Why::Unsure`] where
//! a float is too near an edge to tell, or the expression reads what the fast path does not
//! have (descendants, `ln`, `^`, `coalesce`). The caller then evaluates it exactly.

use super::{ArithOp, BoolNode, CmpOp, Compiled, Node, NumFn, NumNode};
use crate::fx::Fx;
use std::cmp::Ordering;

/// A slot's value for the fast path.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum FxVal {
    #[default]
    Absent,
    Num(Fx),
    Bool(bool),
}

/// Why there is no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The exact evaluation gives [`super::EvalError::Missing`].
    Missing,
    /// The exact evaluation gives another error (a division by zero, yes/no for a number, …).
    Undefined,
    /// Not decided here: evaluate exactly.
    Unsure,
}

/// Of two errors the one the exact evaluation reports whatever the operands' order (a
/// missing value first, as `first_error`), or not knowing which.
fn worst(a: Why, b: Why) -> Why {
    match (a, b) {
        (Why::Missing, _) | (_, Why::Missing) => Why::Missing,
        (Why::Unsure, _) | (_, Why::Unsure) => Why::Unsure,
        _ => Why::Undefined,
    }
}

pub type FxResult<T> = Result<T, Why>;

/// What the fast path reads: the unit's slots and its class.
#[derive(Clone, Copy)]
pub struct FxEnv<'a> {
    pub vals: &'a [FxVal],
    pub class: Option<u32>,
}

impl FxEnv<'_> {
    fn get(&self, slot: u32) -> FxVal {
        self.vals.get(slot as usize).copied().unwrap_or_default()
    }
}

/// Of two outcomes that are both needed: both values, or the error (see [`worst`]); one
/// unsure operand beside a value leaves the outcome unsure.
pub(super) fn both<A, B>(a: FxResult<A>, b: FxResult<B>) -> FxResult<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(x), Err(y)) => Err(worst(x, y)),
    }
}

/// Values beyond this are left to the exact path (it overflows at 7.9e28, and reports it).
pub(super) const HUGE: f64 = 1e20;

pub(super) fn sane(x: Fx) -> FxResult<Fx> {
    match x {
        // A 64-bit mantissa is below 1e19.
        Fx::Dec(..) => Ok(x),
        Fx::Approx(v) if v.abs() < HUGE => Ok(x),
        Fx::Approx(_) => Err(Why::Unsure),
    }
}

impl Compiled {
    /// The number this expression gives (see the module).
    pub fn eval_fx(&self, env: FxEnv<'_>) -> FxResult<Fx> {
        match (&self.root, self.prog.as_ref()) {
            (Node::Bool(_), _) => Err(Why::Undefined),
            (Node::Num(n), None) => n.fx(env),
            (Node::Num(_), Some(p)) => match p.run(env)? {
                FxVal::Num(x) => Ok(x),
                _ => Err(Why::Unsure),
            },
        }
    }

    /// The yes/no this expression gives (see the module).
    pub fn eval_bool_fx(&self, env: FxEnv<'_>) -> FxResult<bool> {
        match (&self.root, self.prog.as_ref()) {
            (Node::Num(_), _) => Err(Why::Undefined),
            (Node::Bool(b), None) => b.fx(env),
            (Node::Bool(_), Some(p)) => match p.run(env)? {
                FxVal::Bool(b) => Ok(b),
                _ => Err(Why::Unsure),
            },
        }
    }

    /// A number or yes/no, as [`Compiled::eval`]: by the flat program when there is one
    /// ([`super::prog`]), else by walking the tree.
    pub fn eval_val_fx(&self, env: FxEnv<'_>) -> FxResult<FxVal> {
        match &self.prog {
            Some(p) => p.run(env),
            None => self.eval_val_fx_tree(env),
        }
    }

    /// [`Compiled::eval_val_fx`] by walking the tree.
    pub(crate) fn eval_val_fx_tree(&self, env: FxEnv<'_>) -> FxResult<FxVal> {
        match &self.root {
            Node::Num(n) => n.fx(env).map(FxVal::Num),
            Node::Bool(b) => b.fx(env).map(FxVal::Bool),
        }
    }
}

impl NumNode {
    fn fx(&self, env: FxEnv<'_>) -> FxResult<Fx> {
        match self {
            NumNode::Const(_, x) => Ok(*x),
            NumNode::Slot(s) => match env.get(*s) {
                FxVal::Num(x) => Ok(x),
                FxVal::Bool(_) => Err(Why::Undefined),
                FxVal::Absent => Err(Why::Missing),
            },
            NumNode::Neg(a) => Ok(a.fx(env)?.negated()),
            NumNode::Arith(op, a, b) => arith(*op, a.fx(env), b.fx(env)),
            NumNode::If(c, a, b) => num_if(c.fx(env), || a.fx(env), || b.fx(env)),
            NumNode::Fn1(f, a) => fn1(*f, a.fx(env)),
            NumNode::Round(a, dp) => a.fx(env)?.round(*dp).ok_or(Why::Unsure),
            NumNode::Extreme(is_max, args) => extreme(*is_max, args.iter().map(|a| a.fx(env))),
            NumNode::Pow(..)
            | NumNode::Count(..)
            | NumNode::Agg(..)
            | NumNode::Share(..)
            | NumNode::Coalesce(_) => Err(Why::Unsure),
        }
    }
}

/// `a op b`: both operands' errors first, then division by zero (an error of its own).
pub(super) fn arith(op: ArithOp, a: FxResult<Fx>, b: FxResult<Fx>) -> FxResult<Fx> {
    let (a, b) = both(a, b)?;
    sane(match op {
        ArithOp::Add => a.plus(b),
        ArithOp::Sub => a.minus(b),
        ArithOp::Mul => a.times(b),
        ArithOp::Div if b.is_zero() => return Err(Why::Undefined),
        ArithOp::Div => a.over(b).ok_or(Why::Unsure)?,
    })
}

/// `if c then a else b`: a branch when the condition is decided; when it is not, both
/// branches alike (`same`: whether they are equal, `None` when that cannot be told) decide it;
/// otherwise the condition's error.
fn pick<T>(
    c: FxResult<bool>,
    a: impl FnOnce() -> FxResult<T>,
    b: impl FnOnce() -> FxResult<T>,
    same: impl FnOnce(&T, &T) -> Option<bool>,
) -> FxResult<T> {
    match c {
        Ok(true) => a(),
        Ok(false) => b(),
        Err(Why::Unsure) => Err(Why::Unsure),
        Err(e) => match (a(), b()) {
            (Ok(x), Ok(y)) => match same(&x, &y) {
                Some(true) => Ok(x),
                Some(false) => Err(e),
                None => Err(Why::Unsure),
            },
            (Err(Why::Unsure), _) | (_, Err(Why::Unsure)) => Err(Why::Unsure),
            _ => Err(e),
        },
    }
}

/// [`pick`] on numbers.
pub(super) fn num_if(
    c: FxResult<bool>,
    a: impl FnOnce() -> FxResult<Fx>,
    b: impl FnOnce() -> FxResult<Fx>,
) -> FxResult<Fx> {
    pick(c, a, b, |x, y| x.order(*y).map(Ordering::is_eq))
}

/// [`pick`] on yes/no values.
pub(super) fn bool_if(
    c: FxResult<bool>,
    a: impl FnOnce() -> FxResult<bool>,
    b: impl FnOnce() -> FxResult<bool>,
) -> FxResult<bool> {
    pick(c, a, b, |x, y| Some(x == y))
}

pub(super) fn fn1(f: NumFn, a: FxResult<Fx>) -> FxResult<Fx> {
    let a = a?;
    match f {
        NumFn::Abs => Ok(a.abs()),
        NumFn::Floor => a.floor().ok_or(Why::Unsure),
        NumFn::Ceil => a.ceil().ok_or(Why::Unsure),
        NumFn::Ln | NumFn::Exp => Err(Why::Unsure),
    }
}

/// `max` (`is_max`) or `min` of the arguments in order: the first one without a value
/// decides, as the exact `?` does.
pub(super) fn extreme(is_max: bool, args: impl Iterator<Item = FxResult<Fx>>) -> FxResult<Fx> {
    let mut best: Option<Fx> = None;
    for a in args {
        let v = a?;
        best = Some(match best {
            Some(b) if is_max => b.max(v).ok_or(Why::Unsure)?,
            Some(b) => b.min(v).ok_or(Why::Unsure)?,
            None => v,
        });
    }
    best.ok_or(Why::Missing)
}

/// `a op b` between numbers.
pub(super) fn cmp(op: CmpOp, a: FxResult<Fx>, b: FxResult<Fx>) -> FxResult<bool> {
    let (a, b) = both(a, b)?;
    Ok(op.holds(a.order(b).ok_or(Why::Unsure)?))
}

/// Kleene `and` (`dominant` false) / `or` (`dominant` true), as the exact evaluation.
pub(super) fn kleene(
    dominant: bool,
    a: FxResult<bool>,
    b: impl FnOnce() -> FxResult<bool>,
) -> FxResult<bool> {
    if a == Ok(dominant) {
        return Ok(dominant);
    }
    let b = b();
    if b == Ok(dominant) {
        return Ok(dominant);
    }
    match (a, b) {
        (Ok(_), Ok(_)) => Ok(!dominant),
        // An unsure operand might have been the dominant value.
        (Err(Why::Unsure), _) | (_, Err(Why::Unsure)) => Err(Why::Unsure),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(x), Err(y)) => Err(worst(x, y)),
    }
}

impl BoolNode {
    fn fx(&self, env: FxEnv<'_>) -> FxResult<bool> {
        match self {
            BoolNode::Const(b) => Ok(*b),
            BoolNode::Slot(s) => match env.get(*s) {
                FxVal::Bool(b) => Ok(b),
                FxVal::Num(_) => Err(Why::Undefined),
                FxVal::Absent => Err(Why::Missing),
            },
            BoolNode::Not(a) => Ok(!a.fx(env)?),
            BoolNode::And(a, b) => kleene(false, a.fx(env), || b.fx(env)),
            BoolNode::Or(a, b) => kleene(true, a.fx(env), || b.fx(env)),
            BoolNode::Cmp(op, a, b) => cmp(*op, a.fx(env), b.fx(env)),
            BoolNode::Same(eq, a, b) => {
                let (a, b) = both(a.fx(env), b.fx(env))?;
                Ok((a == b) == *eq)
            }
            BoolNode::If(c, a, b) => bool_if(c.fx(env), || a.fx(env), || b.fx(env)),
            BoolNode::Class(eq, class, _) => Ok((env.class == Some(*class)) == *eq),
            // Missing or undefined matters here: left to the exact path.
            BoolNode::Present(..) | BoolNode::Coalesce(_) => Err(Why::Unsure),
        }
    }
}
