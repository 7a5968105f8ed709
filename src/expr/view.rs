//! A read-only view of a compiled yes/no expression's logic: its `and`/`or`/`not` structure
//! down to comparisons and yes/no atoms, each of which can be evaluated on its own.
//!
//! Explanations use it to say how far a veto trigger is from firing (`err_rate > 7` with
//! `err_rate` at 5.51 has a margin of 1.49), see [`crate::explain`]. Scoring never uses it.

use super::{BoolNode, CmpOp, Compiled, Env, EvalError, Node, NumNode, compare};
use rust_decimal::Decimal;

/// The logic of a yes/no expression.
#[derive(Debug)]
pub enum Logic<'a> {
    And(Box<Logic<'a>>, Box<Logic<'a>>),
    Or(Box<Logic<'a>>, Box<Logic<'a>>),
    Not(Box<Logic<'a>>),
    /// `left op right` between numbers.
    Compare {
        op: Comparison,
        left: Operand<'a>,
        right: Operand<'a>,
    },
    /// Any other yes/no value: a yes/no slot, a constant, `if … then … else …`, `a == b` on
    /// yes/no values.
    Atom(Atom<'a>),
}

/// A comparison operator between numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Comparison {
    fn of(op: CmpOp) -> Self {
        match op {
            CmpOp::Lt => Self::Lt,
            CmpOp::Le => Self::Le,
            CmpOp::Gt => Self::Gt,
            CmpOp::Ge => Self::Ge,
            CmpOp::Eq => Self::Eq,
            CmpOp::Ne => Self::Ne,
        }
    }
    fn op(self) -> CmpOp {
        match self {
            Self::Lt => CmpOp::Lt,
            Self::Le => CmpOp::Le,
            Self::Gt => CmpOp::Gt,
            Self::Ge => CmpOp::Ge,
            Self::Eq => CmpOp::Eq,
            Self::Ne => CmpOp::Ne,
        }
    }
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Eq => "==",
            Self::Ne => "!=",
        }
    }
    /// Whether `a op b` holds.
    pub fn holds(self, a: Decimal, b: Decimal) -> bool {
        compare(self.op(), a, b)
    }
    /// The opposite comparison (`<` ↔ `>=`), which holds exactly when this one does not.
    pub fn negated(self) -> Self {
        match self {
            Self::Lt => Self::Ge,
            Self::Le => Self::Gt,
            Self::Gt => Self::Le,
            Self::Ge => Self::Lt,
            Self::Eq => Self::Ne,
            Self::Ne => Self::Eq,
        }
    }
}

/// A number operand of a comparison.
#[derive(Debug, Clone, Copy)]
pub struct Operand<'a>(&'a NumNode);

impl Operand<'_> {
    pub fn eval(&self, env: &dyn Env) -> Result<Decimal, EvalError> {
        self.0.eval(env)
    }
    /// The slot, when the operand is a plain name.
    pub fn slot(&self) -> Option<u32> {
        match self.0 {
            NumNode::Slot(s) => Some(*s),
            _ => None,
        }
    }
    /// The value, when the operand is a literal number (or its negation).
    pub fn constant(&self) -> Option<Decimal> {
        match self.0 {
            NumNode::Const(d, _) => Some(*d),
            NumNode::Neg(a) => match a.as_ref() {
                NumNode::Const(d, _) => Some(-*d),
                _ => None,
            },
            _ => None,
        }
    }
    /// The own-scope slots the operand reads, sorted.
    pub fn slots(&self) -> Vec<u32> {
        let mut out = Vec::new();
        num_slots(self.0, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
    /// The operand as text, naming slots with `name`.
    pub fn render(&self, name: &dyn Fn(u32) -> String) -> String {
        render_num(self.0, name, 0)
    }
}

/// A yes/no leaf of the logic.
#[derive(Debug, Clone, Copy)]
pub struct Atom<'a>(&'a BoolNode);

impl Atom<'_> {
    pub fn eval(&self, env: &dyn Env) -> Result<bool, EvalError> {
        self.0.eval(env)
    }
    /// The slot, when the atom is a plain yes/no name.
    pub fn slot(&self) -> Option<u32> {
        match self.0 {
            BoolNode::Slot(s) => Some(*s),
            _ => None,
        }
    }
    /// The own-scope slots the atom reads, sorted.
    pub fn slots(&self) -> Vec<u32> {
        let mut out = Vec::new();
        bool_slots(self.0, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
    pub fn render(&self, name: &dyn Fn(u32) -> String) -> String {
        render_bool(self.0, name, 0)
    }
}

impl Compiled {
    /// The logic of a yes/no expression (`None` for a number expression).
    pub fn logic(&self) -> Option<Logic<'_>> {
        match &self.root {
            Node::Bool(b) => Some(logic(b)),
            Node::Num(_) => None,
        }
    }
}

fn logic(b: &BoolNode) -> Logic<'_> {
    match b {
        BoolNode::And(x, y) => Logic::And(Box::new(logic(x)), Box::new(logic(y))),
        BoolNode::Or(x, y) => Logic::Or(Box::new(logic(x)), Box::new(logic(y))),
        BoolNode::Not(x) => Logic::Not(Box::new(logic(x))),
        BoolNode::Cmp(op, l, r) => Logic::Compare {
            op: Comparison::of(*op),
            left: Operand(l),
            right: Operand(r),
        },
        _ => Logic::Atom(Atom(b)),
    }
}

fn num_slots(n: &NumNode, out: &mut Vec<u32>) {
    match n {
        NumNode::Const(..) => {}
        NumNode::Slot(s) => out.push(*s),
        NumNode::Neg(a) | NumNode::Fn1(_, a) | NumNode::Round(a, _) => num_slots(a, out),
        NumNode::Arith(_, a, b) | NumNode::Pow(a, b) => {
            num_slots(a, out);
            num_slots(b, out);
        }
        NumNode::If(c, a, b) => {
            bool_slots(c, out);
            num_slots(a, out);
            num_slots(b, out);
        }
        NumNode::Extreme(_, args) | NumNode::Coalesce(args) => {
            args.iter().for_each(|a| num_slots(a, out));
        }
        // Aggregations read descendants' slots, not this unit's.
        NumNode::Count(..) | NumNode::Agg(..) | NumNode::Share(..) => {}
    }
}

fn bool_slots(b: &BoolNode, out: &mut Vec<u32>) {
    match b {
        BoolNode::Const(_) => {}
        BoolNode::Slot(s) => out.push(*s),
        BoolNode::Not(a) => bool_slots(a, out),
        BoolNode::And(a, c) | BoolNode::Or(a, c) | BoolNode::Same(_, a, c) => {
            bool_slots(a, out);
            bool_slots(c, out);
        }
        BoolNode::Cmp(_, a, c) => {
            num_slots(a, out);
            num_slots(c, out);
        }
        BoolNode::If(c, a, d) => {
            bool_slots(c, out);
            bool_slots(a, out);
            bool_slots(d, out);
        }
        BoolNode::Present(_, x) => match x.as_ref() {
            super::Node::Num(n) => num_slots(n, out),
            super::Node::Bool(b) => bool_slots(b, out),
        },
        BoolNode::Coalesce(args) => args.iter().for_each(|a| bool_slots(a, out)),
        BoolNode::Class(..) => {}
    }
}

fn show(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Precedence: 1 `+ -`, 2 `* /`, 3 unary, 4 atoms and calls.
fn render_num(n: &NumNode, name: &dyn Fn(u32) -> String, outer: u8) -> String {
    use super::ArithOp;
    let paren = |s: String, own: u8| {
        if own < outer { format!("({s})") } else { s }
    };
    match n {
        NumNode::Const(d, _) => show(*d),
        NumNode::Slot(s) => name(*s),
        NumNode::Neg(a) => paren(format!("-{}", render_num(a, name, 3)), 3),
        NumNode::Arith(op, a, b) => {
            let (sym, own) = match op {
                ArithOp::Add => ("+", 1),
                ArithOp::Sub => ("-", 1),
                ArithOp::Mul => ("*", 2),
                ArithOp::Div => ("/", 2),
            };
            paren(
                format!(
                    "{} {sym} {}",
                    render_num(a, name, own),
                    render_num(b, name, own + 1)
                ),
                own,
            )
        }
        NumNode::If(c, a, b) => paren(
            format!(
                "if {} then {} else {}",
                render_bool(c, name, 0),
                render_num(a, name, 0),
                render_num(b, name, 0)
            ),
            0,
        ),
        NumNode::Fn1(f, a) => {
            let f = match f {
                super::NumFn::Abs => "abs",
                super::NumFn::Ln => "ln",
                super::NumFn::Exp => "exp",
                super::NumFn::Floor => "floor",
                super::NumFn::Ceil => "ceil",
            };
            format!("{f}({})", render_num(a, name, 0))
        }
        NumNode::Round(a, dp) => format!("round({}, {dp})", render_num(a, name, 0)),
        NumNode::Pow(a, b) => format!(
            "pow({}, {})",
            render_num(a, name, 0),
            render_num(b, name, 0)
        ),
        NumNode::Extreme(is_max, args) => format!(
            "{}({})",
            if *is_max { "max" } else { "min" },
            args.iter()
                .map(|a| render_num(a, name, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        NumNode::Coalesce(args) => format!(
            "coalesce({})",
            args.iter()
                .map(|a| render_num(a, name, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        NumNode::Count(..) => "count(…)".into(),
        NumNode::Share(..) => "share(…)".into(),
        NumNode::Agg(op, ..) => format!(
            "{}(…)",
            match op {
                super::AggOp::Sum => "sum",
                super::AggOp::Mean => "mean",
                super::AggOp::MinOf => "min_of",
                super::AggOp::MaxOf => "max_of",
            }
        ),
    }
}

/// Precedence: 1 `or`, 2 `and`, 3 `not`, 4 comparisons and atoms.
fn render_bool(b: &BoolNode, name: &dyn Fn(u32) -> String, outer: u8) -> String {
    let paren = |s: String, own: u8| {
        if own < outer { format!("({s})") } else { s }
    };
    match b {
        BoolNode::Const(true) => "true".into(),
        BoolNode::Const(false) => "false".into(),
        BoolNode::Slot(s) => name(*s),
        BoolNode::Class(eq, _, class) => paren(
            format!("class {} \"{class}\"", if *eq { "==" } else { "!=" }),
            4,
        ),
        BoolNode::Not(a) => paren(format!("not {}", render_bool(a, name, 3)), 3),
        BoolNode::And(a, c) => paren(
            format!(
                "{} and {}",
                render_bool(a, name, 2),
                render_bool(c, name, 3)
            ),
            2,
        ),
        BoolNode::Or(a, c) => paren(
            format!("{} or {}", render_bool(a, name, 1), render_bool(c, name, 2)),
            1,
        ),
        BoolNode::Cmp(op, a, c) => paren(
            format!(
                "{} {} {}",
                render_num(a, name, 0),
                Comparison::of(*op).symbol(),
                render_num(c, name, 0)
            ),
            4,
        ),
        BoolNode::Same(eq, a, c) => paren(
            format!(
                "{} {} {}",
                render_bool(a, name, 4),
                if *eq { "==" } else { "!=" },
                render_bool(c, name, 4)
            ),
            4,
        ),
        BoolNode::If(c, a, d) => paren(
            format!(
                "if {} then {} else {}",
                render_bool(c, name, 0),
                render_bool(a, name, 0),
                render_bool(d, name, 0)
            ),
            0,
        ),
        BoolNode::Present(present, x) => format!(
            "{}({})",
            if *present { "present" } else { "missing" },
            match x.as_ref() {
                super::Node::Num(n) => render_num(n, name, 0),
                super::Node::Bool(b) => render_bool(b, name, 0),
            }
        ),
        BoolNode::Coalesce(args) => format!(
            "coalesce({})",
            args.iter()
                .map(|a| render_bool(a, name, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
