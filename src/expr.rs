//! The derived-value expression language.
//!
//! Indicator sets define derived values with small expressions such as
//! `policy_births / births * 100`, `if births > 0 then deaths / births else 0` or
//! `share(village, oop_births == 0) * 100`. An expression is [`compile`]d once against a
//! [`Resolver`] (names → integer slots, unit kinds → nested scopes) into a typed tree, then
//! evaluated many times against an [`Env`] without any string lookups.
//!
//! All arithmetic is exact [`Decimal`] arithmetic (`95 - 94.7 == 0.3` holds), checked for
//! overflow. Compilation and evaluation never panic, whatever the input.
//!
//! Grammar, by precedence from low to high:
//!
//! | form | notes |
//! | --- | --- |
//! | `if C then A else B` | also usable as an operand; `else` extends as far as possible |
//! | `or`, `\|\|` | left-associative, short-circuit |
//! | `and`, `&&` | left-associative, short-circuit |
//! | `not`, `!` | prefix |
//! | `< <= > >= == !=` | non-associative |
//! | `+ -` then `* /` | left-associative |
//! | unary `-` | prefix |
//! | literals, names, calls, `( … )` | names may be dotted paths such as `cases.two_non` |

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps};

pub mod fast;
mod prog;
pub(crate) use prog::{LaneStack, Read, Src};
pub mod view;

/// The slot reported in [`EvalError::Missing`] when an aggregation (`mean`, `share`,
/// `min_of`, `max_of`) had no defined value to work on.
pub const AGGREGATE_EMPTY: u32 = u32::MAX;

/// Deepest nesting of parentheses, calls, `if`, `not` and unary minus the parser accepts.
const MAX_NESTING: usize = 64;
/// Deepest syntax tree accepted (bounds recursion when checking and evaluating).
const MAX_DEPTH: u32 = 256;
/// Largest `digits` argument of `round`.
const MAX_ROUND_DIGITS: u32 = 10;

/// The type of an expression or of a resolved name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Ty {
    /// An exact decimal number.
    Num,
    /// A yes/no value.
    Bool,
}

impl Ty {
    fn word(self) -> &'static str {
        match self {
            Ty::Num => "a number",
            Ty::Bool => "yes/no",
        }
    }
}

/// A runtime value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Val {
    /// An exact decimal number.
    Num(Decimal),
    /// A yes/no value.
    Bool(bool),
}

/// One compile error: a byte range within the expression source and an English message
/// saying what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset where the offending text starts.
    pub start: usize,
    /// Byte offset just past the offending text.
    pub end: usize,
    /// What went wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at bytes {}..{})",
            self.message, self.start, self.end
        )
    }
}

impl std::error::Error for ExprError {}

fn err(start: usize, end: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        start,
        end,
        message: message.into(),
    }
}

/// Maps names to slots during compilation.
pub trait Resolver {
    /// Resolve a (possibly dotted) name in this scope to a slot and its type.
    fn resolve(&self, name: &str) -> Option<(u32, Ty)>;
    /// Resolve a unit kind used as an aggregation domain: returns the kind's index and a
    /// resolver for names inside the aggregated expression.
    fn resolve_kind(&self, name: &str) -> Option<(u32, &dyn Resolver)>;
    /// The index of the unit class `name` (its id or name) for `class == "…"`.
    fn resolve_class(&self, _name: &str) -> Option<u32> {
        None
    }
    /// The ids of the classes `class == "…"` may name; `None` where the unit's class cannot
    /// be read (aggregations over other kinds).
    fn class_names(&self) -> Option<Vec<String>> {
        None
    }
    /// All names visible in this scope, used for "did you mean" suggestions.
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
    /// All unit kinds that can be aggregated over from this scope, for suggestions.
    fn kind_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The values of one unit, as seen by an evaluating expression.
pub trait Env {
    /// The value in `slot`, or None when it is missing for this unit.
    fn get(&self, slot: u32) -> Option<Val>;
    /// The unit's class (an index into the set's classes), `None` when it has none.
    fn class(&self) -> Option<u32> {
        None
    }
    /// Call `f` for every descendant unit of kind `kind` in a stable order.
    fn for_each_descendant(
        &self,
        kind: u32,
        f: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError>;
}

/// Why an evaluation produced no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub enum EvalError {
    /// A slot had no value ([`AGGREGATE_EMPTY`] for an aggregation without defined values).
    #[error("missing value in slot {0}")]
    Missing(u32),
    /// Division by zero.
    #[error("division by zero")]
    DivByZero,
    /// A function was applied outside its domain, e.g. `ln` of a non-positive number.
    #[error("{0}")]
    Domain(&'static str),
    /// A result did not fit in a [`Decimal`].
    #[error("arithmetic overflow")]
    Overflow,
}

// ---------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Name(String),
    /// A quoted text: only a class, in `class == "部门"`.
    Str(String),
    If,
    Then,
    Else,
    Not,
    True,
    False,
    /// A binary operator (`-` is also unary minus).
    Op(BinOp),
    LParen,
    RParen,
    Comma,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn char_at(src: &str, pos: usize) -> Option<char> {
    src.get(pos..)?.chars().next()
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

fn skip_while(src: &str, mut pos: usize, pred: impl Fn(char) -> bool) -> usize {
    while let Some(c) = char_at(src, pos) {
        if !pred(c) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// Scans `digits [. digits] [e [+-] digits]` starting at `pos`; returns the end.
fn scan_number(src: &str, pos: usize) -> usize {
    let digit = |p: usize| char_at(src, p).is_some_and(|c| c.is_ascii_digit());
    let mut pos = skip_while(src, pos, |c| c.is_ascii_digit());
    if char_at(src, pos) == Some('.') && digit(pos + 1) {
        pos = skip_while(src, pos + 1, |c| c.is_ascii_digit());
    }
    if matches!(char_at(src, pos), Some('e' | 'E')) {
        let sign = matches!(char_at(src, pos + 1), Some('+' | '-'));
        let first = if sign { pos + 2 } else { pos + 1 };
        if digit(first) {
            pos = skip_while(src, first, |c| c.is_ascii_digit());
        }
    }
    pos
}

/// Scans a name: segments of name characters joined by single dots.
fn scan_name(src: &str, pos: usize) -> usize {
    let mut pos = skip_while(src, pos, is_name_char);
    while char_at(src, pos) == Some('.') && char_at(src, pos + 1).is_some_and(is_name_char) {
        pos = skip_while(src, pos + 1, is_name_char);
    }
    pos
}

fn keyword(text: &str) -> Option<Tok> {
    Some(match text {
        "if" => Tok::If,
        "then" => Tok::Then,
        "else" => Tok::Else,
        "and" => Tok::Op(BinOp::And),
        "or" => Tok::Op(BinOp::Or),
        "not" => Tok::Not,
        "true" => Tok::True,
        "false" => Tok::False,
        _ => return None,
    })
}

fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut toks = Vec::new();
    let mut pos = 0;
    while let Some(c) = char_at(src, pos) {
        let start = pos;
        if c.is_whitespace() {
            pos += c.len_utf8();
            continue;
        }
        let tok = if c.is_ascii_digit() {
            pos = scan_number(src, pos);
            if char_at(src, pos).is_some_and(is_name_char) {
                let end = skip_while(src, pos, is_name_char);
                let text = src.get(start..end).unwrap_or_default();
                return Err(err(start, end, format!("invalid number `{text}`")));
            }
            let text = src.get(start..pos).unwrap_or_default();
            let parsed = if text.contains(['e', 'E']) {
                Decimal::from_scientific(text)
            } else {
                Decimal::from_str_exact(text)
            };
            match parsed {
                Ok(d) => Tok::Num(d),
                Err(_) => {
                    return Err(err(
                        start,
                        pos,
                        format!("number `{text}` is too large or has too many digits"),
                    ));
                }
            }
        } else if c == '"' || c == '\'' {
            let body = start + 1;
            let Some(len) = src.get(body..).and_then(|rest| rest.find(c)) else {
                return Err(err(start, src.len(), format!("unclosed quote `{c}`")));
            };
            pos = body + len + 1;
            Tok::Str(src.get(body..body + len).unwrap_or_default().to_string())
        } else if is_name_start(c) {
            pos = scan_name(src, pos);
            let text = src.get(start..pos).unwrap_or_default();
            keyword(text).unwrap_or_else(|| Tok::Name(text.to_string()))
        } else {
            let next = char_at(src, pos + c.len_utf8());
            let (cmp, arith) = (|op| Tok::Op(BinOp::Cmp(op)), |op| Tok::Op(BinOp::Arith(op)));
            let (tok, len) = match (c, next) {
                ('<', Some('=')) => (cmp(CmpOp::Le), 2),
                ('>', Some('=')) => (cmp(CmpOp::Ge), 2),
                ('=', Some('=')) => (cmp(CmpOp::Eq), 2),
                ('!', Some('=')) => (cmp(CmpOp::Ne), 2),
                ('&', Some('&')) => (Tok::Op(BinOp::And), 2),
                ('|', Some('|')) => (Tok::Op(BinOp::Or), 2),
                ('<', _) => (cmp(CmpOp::Lt), 1),
                ('>', _) => (cmp(CmpOp::Gt), 1),
                ('!', _) => (Tok::Not, 1),
                ('+', _) => (arith(ArithOp::Add), 1),
                ('-', _) => (arith(ArithOp::Sub), 1),
                ('*', _) => (arith(ArithOp::Mul), 1),
                ('/', _) => (arith(ArithOp::Div), 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                (',', _) => (Tok::Comma, 1),
                _ => {
                    let end = start + c.len_utf8();
                    let hint = match c {
                        '=' => "; use `==` to compare",
                        '&' => "; use `and` or `&&`",
                        '|' => "; use `or` or `||`",
                        '（' => "; use the ASCII `(`",
                        '）' => "; use the ASCII `)`",
                        '，' => "; use the ASCII `,`",
                        _ => "",
                    };
                    return Err(err(start, end, format!("unexpected character `{c}`{hint}")));
                }
            };
            pos += len;
            tok
        };
        toks.push(Token {
            tok,
            start,
            end: pos,
        });
    }
    Ok(toks)
}

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Or,
    And,
    Cmp(CmpOp),
    Arith(ArithOp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug)]
struct Ast {
    kind: AstKind,
    start: usize,
    end: usize,
    depth: u32,
}

#[derive(Debug)]
enum AstKind {
    Num(Decimal),
    Bool(bool),
    Name(String),
    Str(String),
    Neg(Box<Ast>),
    Not(Box<Ast>),
    Bin(BinOp, Box<Ast>, Box<Ast>),
    If(Box<Ast>, Box<Ast>, Box<Ast>),
    Call(String, Vec<Ast>),
}

type PResult<T> = Result<T, ExprError>;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    nesting: usize,
    eof: Token,
}

fn fail<T>(t: &Token, message: impl Into<String>) -> PResult<T> {
    Err(err(t.start, t.end, message))
}

/// Binary operators with their precedence level: 0 `or`, 1 `and`, 2 comparisons, 3 `+ -`,
/// 4 `* /`. Prefix `not` takes an operand of level 2 (so `not a < b` is `not (a < b)`);
/// prefix `-` takes an operand of level 5 (a primary or another prefix).
fn binop(tok: &Tok) -> Option<(u8, BinOp)> {
    let Tok::Op(op) = tok else { return None };
    let level = match op {
        BinOp::Or => 0,
        BinOp::And => 1,
        BinOp::Cmp(_) => CMP_LEVEL,
        BinOp::Arith(ArithOp::Add | ArithOp::Sub) => 3,
        BinOp::Arith(ArithOp::Mul | ArithOp::Div) => 4,
    };
    Some((level, *op))
}

const CMP_LEVEL: u8 = 2;
const UNARY_LEVEL: u8 = 5;

impl<'a> Parser<'a> {
    fn new(src: &'a str, toks: Vec<Token>) -> Self {
        let (start, end) = (src.len(), src.len());
        let eof = Token {
            tok: Tok::Eof,
            start,
            end,
        };
        Parser {
            src,
            toks,
            pos: 0,
            nesting: 0,
            eof,
        }
    }

    fn peek(&self) -> &Token {
        self.toks.get(self.pos).unwrap_or(&self.eof)
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    /// How a token is quoted in messages.
    fn text(&self, t: &Token) -> String {
        match t.tok {
            Tok::Eof => "the end of the expression".to_string(),
            _ => format!("`{}`", self.src.get(t.start..t.end).unwrap_or_default()),
        }
    }

    /// Builds a node, rejecting trees deeper than [`MAX_DEPTH`].
    fn mk(&self, kind: AstKind, start: usize, end: usize) -> PResult<Ast> {
        let child = match &kind {
            AstKind::Num(_) | AstKind::Bool(_) | AstKind::Name(_) | AstKind::Str(_) => 0,
            AstKind::Neg(a) | AstKind::Not(a) => a.depth,
            AstKind::Bin(_, a, b) => a.depth.max(b.depth),
            AstKind::If(a, b, c) => a.depth.max(b.depth).max(c.depth),
            AstKind::Call(_, args) => args.iter().map(|a| a.depth).max().unwrap_or(0),
        };
        let depth = child + 1;
        if depth > MAX_DEPTH {
            let msg = format!("expression is too complex (more than {MAX_DEPTH} levels deep)");
            return Err(err(start, end, msg));
        }
        Ok(Ast {
            kind,
            start,
            end,
            depth,
        })
    }

    /// Counts one level of recursion, rejecting more than [`MAX_NESTING`].
    fn enter(&mut self) -> PResult<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            let msg = format!("expression is nested too deeply (more than {MAX_NESTING} levels)");
            return fail(self.peek(), msg);
        }
        Ok(())
    }

    fn parse(mut self) -> PResult<Ast> {
        if self.toks.is_empty() {
            let msg = "empty expression, expected an operand";
            return Err(err(0, self.src.len(), msg));
        }
        let ast = self.parse_expr()?;
        let t = self.peek();
        match t.tok {
            Tok::Eof => Ok(ast),
            Tok::RParen => fail(t, "unexpected `)` with no matching `(`"),
            _ => {
                let what = self.text(t);
                fail(
                    t,
                    format!("unexpected {what}, expected an operator or the end of the expression"),
                )
            }
        }
    }

    fn parse_expr(&mut self) -> PResult<Ast> {
        self.enter()?;
        let r = if self.peek().tok == Tok::If {
            self.parse_if()
        } else {
            self.parse_bp(0)
        };
        self.nesting -= 1;
        r
    }

    fn expect(&mut self, tok: Tok, what: &str) -> PResult<()> {
        let t = self.bump();
        if t.tok == tok {
            return Ok(());
        }
        fail(&t, format!("expected {what}, found {}", self.text(&t)))
    }

    fn parse_if(&mut self) -> PResult<Ast> {
        let start = self.bump().start;
        let c = self.parse_expr()?;
        self.expect(Tok::Then, "`then` after the condition of `if`")?;
        let a = self.parse_expr()?;
        self.expect(Tok::Else, "`else` (an `if` needs both branches)")?;
        let b = self.parse_expr()?;
        let end = b.end;
        self.mk(
            AstKind::If(Box::new(c), Box::new(a), Box::new(b)),
            start,
            end,
        )
    }

    /// Precedence climbing: parses an operand followed by operators of level `min` or above.
    fn parse_bp(&mut self, min: u8) -> PResult<Ast> {
        let mut l = match self.peek().tok {
            Tok::Not if min <= CMP_LEVEL => self.prefix(AstKind::Not, CMP_LEVEL)?,
            Tok::Op(BinOp::Arith(ArithOp::Sub)) => self.prefix(AstKind::Neg, UNARY_LEVEL)?,
            _ => self.parse_primary()?,
        };
        while let Some((level, op)) = binop(&self.peek().tok)
            && level >= min
        {
            self.pos += 1;
            let r = self.parse_bp(level + 1)?;
            let (start, end) = (l.start, r.end);
            l = self.mk(AstKind::Bin(op, Box::new(l), Box::new(r)), start, end)?;
            if level == CMP_LEVEL && binop(&self.peek().tok).is_some_and(|(lv, _)| lv == CMP_LEVEL)
            {
                let msg = "comparisons cannot be chained; combine them with `and`, e.g. `a < b and b < c`";
                return fail(self.peek(), msg);
            }
        }
        Ok(l)
    }

    /// Parses a prefix operator and its operand (operators of `level` and above).
    fn prefix(&mut self, make: fn(Box<Ast>) -> AstKind, level: u8) -> PResult<Ast> {
        let start = self.bump().start;
        self.enter()?;
        let a = self.parse_bp(level)?;
        self.nesting -= 1;
        let end = a.end;
        self.mk(make(Box::new(a)), start, end)
    }

    fn parse_primary(&mut self) -> PResult<Ast> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Num(d) => {
                self.pos += 1;
                self.mk(AstKind::Num(d), t.start, t.end)
            }
            Tok::True | Tok::False => {
                self.pos += 1;
                self.mk(AstKind::Bool(t.tok == Tok::True), t.start, t.end)
            }
            Tok::Name(name) => {
                self.pos += 1;
                if self.peek().tok == Tok::LParen {
                    return self.parse_call(name, t.start);
                }
                self.mk(AstKind::Name(name), t.start, t.end)
            }
            Tok::Str(s) => {
                self.pos += 1;
                self.mk(AstKind::Str(s), t.start, t.end)
            }
            Tok::LParen => self.parse_paren(),
            Tok::If => self.parse_if(),
            Tok::Eof => fail(&t, "unexpected end of the expression, expected an operand"),
            _ => fail(
                &t,
                format!("unexpected {}, expected an operand", self.text(&t)),
            ),
        }
    }

    /// Parses the arguments of a call; the current token is the `(` after the name.
    fn parse_call(&mut self, name: String, start: usize) -> PResult<Ast> {
        let open = self.bump();
        let mut args = Vec::new();
        let close = loop {
            if args.is_empty() && self.peek().tok == Tok::RParen {
                break self.bump();
            }
            args.push(self.parse_expr()?);
            let n = self.bump();
            match n.tok {
                Tok::Comma => {}
                Tok::RParen => break n,
                Tok::Eof => return fail(&open, "unclosed `(`"),
                _ => {
                    let what = self.text(&n);
                    let msg =
                        format!("expected `,` or `)` after an argument of `{name}`, found {what}");
                    return fail(&n, msg);
                }
            }
        };
        self.mk(AstKind::Call(name, args), start, close.end)
    }

    /// Parses `( expr )`; the current token is the `(`.
    fn parse_paren(&mut self) -> PResult<Ast> {
        let open = self.bump();
        let mut inner = self.parse_expr()?;
        let close = self.bump();
        match close.tok {
            Tok::RParen => {
                // Widen the span to include the parentheses, for messages.
                (inner.start, inner.end) = (open.start, close.end);
                Ok(inner)
            }
            Tok::Eof => fail(&open, "unclosed `(`"),
            _ => fail(
                &close,
                format!("expected `)` to close the `(`, found {}", self.text(&close)),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Compiled tree
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumFn {
    Abs,
    Ln,
    Exp,
    Floor,
    Ceil,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AggOp {
    Sum,
    Mean,
    MinOf,
    MaxOf,
}

#[derive(Debug, Clone)]
enum NumNode {
    /// A number as written, and its filtered form ([`crate::fx`]).
    Const(Decimal, crate::fx::Fx),
    Slot(u32),
    Neg(Box<NumNode>),
    Arith(ArithOp, Box<NumNode>, Box<NumNode>),
    If(Box<BoolNode>, Box<NumNode>, Box<NumNode>),
    Fn1(NumFn, Box<NumNode>),
    Round(Box<NumNode>, u32),
    Pow(Box<NumNode>, Box<NumNode>),
    /// `min` (false) or `max` (true) of at least two arguments.
    Extreme(bool, Vec<NumNode>),
    Count(u32, Option<Box<BoolNode>>),
    Agg(AggOp, u32, Box<NumNode>),
    Share(u32, Box<BoolNode>),
    /// `coalesce(x, y, …)`: the first argument that is not missing.
    Coalesce(Vec<NumNode>),
}

#[derive(Debug, Clone)]
enum BoolNode {
    Const(bool),
    Slot(u32),
    Not(Box<BoolNode>),
    And(Box<BoolNode>, Box<BoolNode>),
    Or(Box<BoolNode>, Box<BoolNode>),
    Cmp(CmpOp, Box<NumNode>, Box<NumNode>),
    /// `==` (true) or `!=` (false) between yes/no values.
    Same(bool, Box<BoolNode>, Box<BoolNode>),
    If(Box<BoolNode>, Box<BoolNode>, Box<BoolNode>),
    /// `present(x)` (true) or `missing(x)` (false).
    Present(bool, Box<Node>),
    /// `coalesce(x, y, …)` of yes/no values.
    Coalesce(Vec<BoolNode>),
    /// `class == "…"` (true) or `class != "…"` (false): the unit's class against one of the
    /// set's classes. A unit without a class is of none of them.
    /// The class as written is kept for display.
    Class(bool, u32, String),
}

#[derive(Debug, Clone)]
enum Node {
    Num(NumNode),
    Bool(BoolNode),
}

impl Node {
    fn ty(&self) -> Ty {
        match self {
            Node::Num(_) => Ty::Num,
            Node::Bool(_) => Ty::Bool,
        }
    }

    fn eval(&self, env: &dyn Env) -> Result<Val, EvalError> {
        match self {
            Node::Num(n) => n.eval(env).map(Val::Num),
            Node::Bool(b) => b.eval(env).map(Val::Bool),
        }
    }

    fn missing(&self, env: &dyn Env, out: &mut Vec<u32>) {
        match self {
            Node::Num(n) => n.missing(env, out),
            Node::Bool(b) => b.missing(env, out),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Resolution and type checking
// ---------------------------------------------------------------------------------------

/// The quoted text of `class == "text"` (either order), or `None` when the operands are not
/// the name `class` and a quoted text.
fn class_operands<'a>(l: &'a Ast, r: &'a Ast) -> Option<&'a Ast> {
    match (&l.kind, &r.kind) {
        (AstKind::Name(n), AstKind::Str(_)) if n == "class" => Some(r),
        (AstKind::Str(_), AstKind::Name(n)) if n == "class" => Some(l),
        _ => None,
    }
}

const FUNCTIONS: &[&str] = &[
    "min", "max", "abs", "round", "ln", "exp", "pow", "floor", "ceil", "count", "sum", "mean",
    "share", "min_of", "max_of", "missing", "present", "coalesce",
];

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            let del = prev[j + 1] + 1;
            let ins = cur[j] + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or_default()
}

/// The closest candidate to `name`, if any is close enough to be a plausible typo.
fn suggest<S: AsRef<str>>(name: &str, candidates: &[S]) -> Option<String> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| c.as_ref())
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

fn did_you_mean(msg: &mut String, suggestion: Option<String>) {
    if let Some(s) = suggestion {
        msg.push_str(&format!(" (did you mean `{s}`?)"));
    }
}

/// Where names are looked up: a resolver, and the kind aggregated over (None = own scope).
#[derive(Clone, Copy)]
struct Scope<'r> {
    res: &'r dyn Resolver,
    kind: Option<u32>,
}

struct Checker<'s> {
    src: &'s str,
    errors: Vec<ExprError>,
    slots: Vec<u32>,
    kinds: Vec<u32>,
    kind_slots: Vec<(u32, u32)>,
}

/// Collects per-argument results (callers check every argument first, so that all errors
/// are reported).
fn all<T>(items: Vec<Option<T>>) -> Option<Vec<T>> {
    items.into_iter().collect()
}

impl Checker<'_> {
    fn error(&mut self, ast: &Ast, message: impl Into<String>) {
        self.errors.push(err(ast.start, ast.end, message));
    }

    /// The source of `ast` quoted, or "this expression" when it is long.
    fn describe(&self, ast: &Ast) -> String {
        let text = self.src.get(ast.start..ast.end).unwrap_or_default().trim();
        if text.chars().count() <= 40 {
            format!("`{text}`")
        } else {
            "this expression".to_string()
        }
    }

    /// Reports that `ast` has type `got` where `want` was needed.
    fn mismatch<T>(&mut self, ast: &Ast, want: Ty, got: Ty) -> Option<T> {
        let (want, what, got) = (want.word(), self.describe(ast), got.word());
        self.error(ast, format!("expected {want} but {what} is {got}"));
        None
    }

    fn want_num(&mut self, ast: &Ast, node: Option<Node>) -> Option<NumNode> {
        match node? {
            Node::Num(n) => Some(n),
            Node::Bool(_) => self.mismatch(ast, Ty::Num, Ty::Bool),
        }
    }

    fn want_bool(&mut self, ast: &Ast, node: Option<Node>) -> Option<BoolNode> {
        match node? {
            Node::Bool(b) => Some(b),
            Node::Num(_) => self.mismatch(ast, Ty::Bool, Ty::Num),
        }
    }

    fn num(&mut self, ast: &Ast, sc: Scope) -> Option<NumNode> {
        let node = self.check(ast, sc);
        self.want_num(ast, node)
    }

    fn boolean(&mut self, ast: &Ast, sc: Scope) -> Option<BoolNode> {
        let node = self.check(ast, sc);
        self.want_bool(ast, node)
    }

    /// Resolves names and checks types. Returns None after recording at least one error.
    fn check(&mut self, ast: &Ast, sc: Scope) -> Option<Node> {
        match &ast.kind {
            AstKind::Num(d) => Some(Node::Num(NumNode::Const(
                *d,
                crate::fx::Fx::from_decimal(*d),
            ))),
            AstKind::Bool(b) => Some(Node::Bool(BoolNode::Const(*b))),
            AstKind::Name(name) => self.name(ast, name, sc),
            AstKind::Str(_) => {
                self.error(
                    ast,
                    "a quoted text can only be compared with the unit's class: `class == \"部门\"`",
                );
                None
            }
            AstKind::Neg(a) => {
                let a = self.num(a, sc);
                Some(Node::Num(NumNode::Neg(Box::new(a?))))
            }
            AstKind::Not(a) => {
                let a = self.boolean(a, sc);
                Some(Node::Bool(BoolNode::Not(Box::new(a?))))
            }
            AstKind::Bin(op, l, r) => self.binary(ast, *op, l, r, sc),
            AstKind::If(c, a, b) => self.if_expr(c, a, b, sc),
            AstKind::Call(name, args) => self.call(ast, name, args, sc),
        }
    }

    fn if_expr(&mut self, c: &Ast, a: &Ast, b: &Ast, sc: Scope) -> Option<Node> {
        let c = self.boolean(c, sc);
        let (an, bn) = (self.check(a, sc), self.check(b, sc));
        let (an, bn) = (an?, bn?);
        if an.ty() != bn.ty() {
            return self.branch_mismatch(a, an.ty(), b, bn.ty());
        }
        let c = Box::new(c?);
        match (an, bn) {
            (Node::Num(x), Node::Num(y)) => {
                Some(Node::Num(NumNode::If(c, Box::new(x), Box::new(y))))
            }
            (Node::Bool(x), Node::Bool(y)) => {
                Some(Node::Bool(BoolNode::If(c, Box::new(x), Box::new(y))))
            }
            _ => None,
        }
    }

    fn branch_mismatch(&mut self, a: &Ast, ta: Ty, b: &Ast, tb: Ty) -> Option<Node> {
        let (da, ta, db, tb) = (self.describe(a), ta.word(), self.describe(b), tb.word());
        let msg = format!(
            "both branches of `if` must have the same type, but {da} is {ta} and {db} is {tb}"
        );
        self.error(b, msg);
        None
    }

    fn cannot_compare(&mut self, ast: &Ast, l: (&Ast, Ty), r: (&Ast, Ty)) -> Option<Node> {
        let (dl, tl, dr, tr) = (
            self.describe(l.0),
            l.1.word(),
            self.describe(r.0),
            r.1.word(),
        );
        self.error(ast, format!("cannot compare {dl} ({tl}) with {dr} ({tr})"));
        None
    }

    /// `class == "text"`: the text must name one of the set's classes.
    fn class(&mut self, eq: bool, text: &Ast, sc: Scope) -> Option<Node> {
        let AstKind::Str(name) = &text.kind else {
            return None;
        };
        if let Some(i) = sc.res.resolve_class(name) {
            return Some(Node::Bool(BoolNode::Class(eq, i, name.clone())));
        }
        let msg = match sc.res.class_names() {
            None => "the unit's class cannot be read here".to_string(),
            Some(ids) if ids.is_empty() => {
                format!("unknown class `{name}`: the set declares no classes")
            }
            Some(ids) => {
                let mut msg = format!(
                    "unknown class `{name}`; the set's classes are {}",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                did_you_mean(&mut msg, suggest(name, &ids));
                msg
            }
        };
        self.error(text, msg);
        None
    }

    fn name(&mut self, ast: &Ast, name: &str, sc: Scope) -> Option<Node> {
        if let Some((slot, ty)) = sc.res.resolve(name) {
            match sc.kind {
                None => self.slots.push(slot),
                Some(kind) => self.kind_slots.push((kind, slot)),
            }
            return Some(match ty {
                Ty::Num => Node::Num(NumNode::Slot(slot)),
                Ty::Bool => Node::Bool(BoolNode::Slot(slot)),
            });
        }
        let mut msg = format!("unknown name `{name}`");
        if sc.res.resolve_kind(name).is_some() {
            msg.push_str(&format!(
                "; `{name}` is a unit kind, usable only as the first argument of an aggregation such as `count({name})`"
            ));
        } else {
            did_you_mean(&mut msg, suggest(name, &sc.res.names()));
        }
        self.error(ast, msg);
        None
    }

    fn binary(&mut self, ast: &Ast, op: BinOp, l: &Ast, r: &Ast, sc: Scope) -> Option<Node> {
        if let (BinOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne)), Some(class)) = (op, class_operands(l, r))
        {
            return self.class(cmp == CmpOp::Eq, class, sc);
        }
        let ln = self.check(l, sc);
        let rn = self.check(r, sc);
        self.combine(ast, op, (l, ln), (r, rn))
    }

    /// Type-checks a binary operation whose operands are already checked.
    fn combine(
        &mut self,
        ast: &Ast,
        op: BinOp,
        (l, ln): (&Ast, Option<Node>),
        (r, rn): (&Ast, Option<Node>),
    ) -> Option<Node> {
        match op {
            BinOp::Arith(op) => {
                let (a, b) = (self.want_num(l, ln), self.want_num(r, rn));
                Some(Node::Num(NumNode::Arith(op, Box::new(a?), Box::new(b?))))
            }
            BinOp::And | BinOp::Or => {
                let (a, b) = (self.want_bool(l, ln), self.want_bool(r, rn));
                let (a, b) = (Box::new(a?), Box::new(b?));
                Some(Node::Bool(if op == BinOp::And {
                    BoolNode::And(a, b)
                } else {
                    BoolNode::Or(a, b)
                }))
            }
            BinOp::Cmp(op @ (CmpOp::Eq | CmpOp::Ne)) => match (ln?, rn?) {
                (Node::Num(a), Node::Num(b)) => {
                    Some(Node::Bool(BoolNode::Cmp(op, Box::new(a), Box::new(b))))
                }
                (Node::Bool(a), Node::Bool(b)) => Some(Node::Bool(BoolNode::Same(
                    op == CmpOp::Eq,
                    Box::new(a),
                    Box::new(b),
                ))),
                (a, b) => self.cannot_compare(ast, (l, a.ty()), (r, b.ty())),
            },
            BinOp::Cmp(op) => {
                let (a, b) = (self.want_num(l, ln), self.want_num(r, rn));
                Some(Node::Bool(BoolNode::Cmp(op, Box::new(a?), Box::new(b?))))
            }
        }
    }

    /// Checks the number of arguments of `name`; `max == usize::MAX` means unbounded.
    fn arity(&mut self, ast: &Ast, name: &str, n: usize, min: usize, max: usize) -> bool {
        if (min..=max).contains(&n) {
            return true;
        }
        let args = if min == 1 { "argument" } else { "arguments" };
        let msg = if max == usize::MAX {
            format!("`{name}` takes at least {min} {args}, got {n}")
        } else if min == max {
            format!("`{name}` takes exactly {min} {args}, got {n}")
        } else {
            format!("`{name}` takes {min} or {max} arguments, got {n}")
        };
        self.error(ast, msg);
        false
    }

    fn call(&mut self, ast: &Ast, name: &str, args: &[Ast], sc: Scope) -> Option<Node> {
        let (min, max) = match name {
            "abs" | "ln" | "exp" | "floor" | "ceil" | "missing" | "present" => (1, 1),
            "min" | "max" => (2, usize::MAX),
            "coalesce" => (1, usize::MAX),
            "pow" | "round" | "sum" | "mean" | "share" | "min_of" | "max_of" => (2, 2),
            "count" => (1, 2),
            _ => {
                let mut msg = if sc.res.resolve(name).is_some() {
                    format!("`{name}` is a value, not a function")
                } else {
                    format!("unknown function `{name}`")
                };
                did_you_mean(&mut msg, suggest(name, FUNCTIONS));
                self.errors
                    .push(err(ast.start, ast.start + name.len(), msg));
                return None;
            }
        };
        let ok = self.arity(ast, name, args.len(), min, max);
        if matches!(
            name,
            "count" | "sum" | "mean" | "share" | "min_of" | "max_of"
        ) {
            return if ok {
                self.aggregation(name, args, sc.res)
            } else {
                None
            };
        }
        if matches!(name, "missing" | "present" | "coalesce") {
            return self.presence(ast, name, args, sc, ok);
        }
        if name == "round" {
            let digits = args.get(1).and_then(|d| match &d.kind {
                AstKind::Num(v) if v.is_integer() => v.to_u32().filter(|&n| n <= MAX_ROUND_DIGITS),
                _ => None,
            });
            let x = args.first().and_then(|a| self.num(a, sc));
            if digits.is_none()
                && let Some(d) = args.get(1)
            {
                let msg = format!(
                    "the number of digits of `round` must be a whole number from 0 to {MAX_ROUND_DIGITS}, written as a literal"
                );
                self.error(d, msg);
            }
            return Some(Node::Num(NumNode::Round(
                Box::new(x?),
                digits.filter(|_| ok)?,
            )));
        }
        let checked: Vec<_> = args.iter().map(|a| self.num(a, sc)).collect();
        let mut a = all(checked).filter(|_| ok)?;
        Some(Node::Num(match name {
            "min" | "max" => NumNode::Extreme(name == "max", a),
            "pow" => {
                let (y, x) = (a.pop()?, a.pop()?);
                NumNode::Pow(Box::new(x), Box::new(y))
            }
            _ => {
                let f = match name {
                    "abs" => NumFn::Abs,
                    "ln" => NumFn::Ln,
                    "exp" => NumFn::Exp,
                    "floor" => NumFn::Floor,
                    _ => NumFn::Ceil,
                };
                NumNode::Fn1(f, Box::new(a.pop()?))
            }
        }))
    }

    /// `missing(x)`, `present(x)` (x of either type) and `coalesce(x, y, …)` (all of one type).
    fn presence(
        &mut self,
        ast: &Ast,
        name: &str,
        args: &[Ast],
        sc: Scope,
        ok: bool,
    ) -> Option<Node> {
        let checked: Vec<_> = args.iter().map(|a| self.check(a, sc)).collect();
        let mut nodes = all(checked).filter(|_| ok)?;
        if name != "coalesce" {
            let x = nodes.pop()?;
            return Some(Node::Bool(BoolNode::Present(
                name == "present",
                Box::new(x),
            )));
        }
        let ty = nodes.first()?.ty();
        if let Some(pos) = nodes.iter().position(|n| n.ty() != ty) {
            let (first, other) = (args.first()?, args.get(pos)?);
            let msg = format!(
                "all arguments of `coalesce` must have the same type, but {} is {} and {} is {}",
                self.describe(first),
                ty.word(),
                self.describe(other),
                nodes.get(pos)?.ty().word()
            );
            self.error(ast, msg);
            return None;
        }
        Some(match ty {
            Ty::Num => Node::Num(NumNode::Coalesce(
                nodes
                    .into_iter()
                    .filter_map(|n| match n {
                        Node::Num(n) => Some(n),
                        Node::Bool(_) => None,
                    })
                    .collect(),
            )),
            Ty::Bool => Node::Bool(BoolNode::Coalesce(
                nodes
                    .into_iter()
                    .filter_map(|n| match n {
                        Node::Bool(b) => Some(b),
                        Node::Num(_) => None,
                    })
                    .collect(),
            )),
        })
    }

    fn aggregation(&mut self, name: &str, args: &[Ast], res: &dyn Resolver) -> Option<Node> {
        let first = args.first()?;
        let AstKind::Name(kind_name) = &first.kind else {
            let msg =
                format!("the first argument of `{name}` must be a unit kind such as `village`");
            self.error(first, msg);
            return None;
        };
        let Some((kind, inner_res)) = res.resolve_kind(kind_name) else {
            let mut msg = if res.resolve(kind_name).is_some() {
                format!(
                    "`{kind_name}` is a value, not a unit kind; `{name}` aggregates over a unit kind"
                )
            } else {
                format!("unknown unit kind `{kind_name}`")
            };
            did_you_mean(&mut msg, suggest(kind_name, &res.kind_names()));
            self.error(first, msg);
            return None;
        };
        self.kinds.push(kind);
        let sc = Scope {
            res: inner_res,
            kind: Some(kind),
        };
        let Some(inner) = args.get(1) else {
            return Some(Node::Num(NumNode::Count(kind, None)));
        };
        Some(Node::Num(match name {
            "count" => NumNode::Count(kind, Some(Box::new(self.boolean(inner, sc)?))),
            "share" => NumNode::Share(kind, Box::new(self.boolean(inner, sc)?)),
            _ => {
                let op = match name {
                    "sum" => AggOp::Sum,
                    "mean" => AggOp::Mean,
                    "min_of" => AggOp::MinOf,
                    _ => AggOp::MaxOf,
                };
                NumNode::Agg(op, kind, Box::new(self.num(inner, sc)?))
            }
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------

/// A compiled expression: a typed tree with resolved slots, cheap to evaluate and to clone.
#[derive(Debug, Clone)]
pub struct Compiled {
    source: String,
    root: Node,
    /// The filtered path's flat form of `root` (None: it walks the tree).
    prog: Option<prog::Prog>,
    slots: Vec<u32>,
    kinds: Vec<u32>,
    kind_slots: Vec<(u32, u32)>,
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Parse, resolve, type-check and compile `src`.
///
/// Reports all errors found: parsing stops at the first syntax error, while name and type
/// errors are all collected. `expected` is the type the caller needs, if any.
pub fn compile(
    src: &str,
    resolver: &dyn Resolver,
    expected: Option<Ty>,
) -> Result<Compiled, Vec<ExprError>> {
    let toks = lex(src).map_err(|e| vec![e])?;
    let ast = Parser::new(src, toks).parse().map_err(|e| vec![e])?;
    let mut ck = Checker {
        src,
        errors: Vec::new(),
        slots: Vec::new(),
        kinds: Vec::new(),
        kind_slots: Vec::new(),
    };
    let mut root = ck.check(
        &ast,
        Scope {
            res: resolver,
            kind: None,
        },
    );
    match expected {
        Some(Ty::Num) => root = ck.want_num(&ast, root).map(Node::Num),
        Some(Ty::Bool) => root = ck.want_bool(&ast, root).map(Node::Bool),
        None => {}
    }
    match root {
        Some(root) if ck.errors.is_empty() => Ok(Compiled {
            source: src.to_string(),
            prog: prog::Prog::new(&root),
            root,
            slots: sorted(ck.slots),
            kinds: sorted(ck.kinds),
            kind_slots: sorted(ck.kind_slots),
        }),
        _ if ck.errors.is_empty() => Err(vec![err(0, src.len(), "invalid expression")]),
        _ => Err(ck.errors),
    }
}

impl Compiled {
    /// Whether the filtered path runs it as a flat program ([`prog`]).
    pub(crate) fn has_prog(&self) -> bool {
        self.prog.is_some()
    }

    /// The type of the expression's value.
    pub fn ty(&self) -> Ty {
        self.root.ty()
    }

    /// Slots of the own scope that the expression reads (not those inside aggregations),
    /// sorted and deduplicated.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Kinds aggregated over, at any depth (including nested aggregations), sorted and
    /// deduplicated.
    pub fn kinds(&self) -> &[u32] {
        &self.kinds
    }

    /// `(kind, slot)` pairs read inside aggregations: `slot` is read on descendants of
    /// `kind`. Sorted and deduplicated.
    pub fn kind_slots(&self) -> &[(u32, u32)] {
        &self.kind_slots
    }

    /// The source text, for display.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluate against one unit.
    pub fn eval(&self, env: &dyn Env) -> Result<Val, EvalError> {
        self.root.eval(env)
    }

    /// The slots of the own scope whose missing values leave this expression without a value
    /// for this unit, in slot order: only those on the path the evaluation takes, so a blank
    /// that the unit's other values make irrelevant is not listed. Empty when the expression
    /// has a value.
    pub fn missing_slots(&self, env: &dyn Env) -> Vec<u32> {
        let mut out = Vec::new();
        self.root.missing(env, &mut out);
        sorted(out)
    }

    /// Evaluate a number expression; a yes/no expression gives [`EvalError::Domain`].
    pub fn eval_num(&self, env: &dyn Env) -> Result<Decimal, EvalError> {
        match &self.root {
            Node::Num(n) => n.eval(env),
            Node::Bool(_) => Err(EvalError::Domain("expression is yes/no, not a number")),
        }
    }

    /// Evaluate a yes/no expression; a number expression gives [`EvalError::Domain`].
    pub fn eval_bool(&self, env: &dyn Env) -> Result<bool, EvalError> {
        match &self.root {
            Node::Bool(b) => b.eval(env),
            Node::Num(_) => Err(EvalError::Domain("expression is a number, not yes/no")),
        }
    }
}

impl fmt::Display for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/// Turns a missing value into `None` so aggregations can skip it.
fn skip_missing<T>(r: Result<T, EvalError>) -> Result<Option<T>, EvalError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(EvalError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn pow(x: Decimal, y: Decimal) -> Result<Decimal, EvalError> {
    if y.is_integer() {
        let n = y.to_i64().ok_or(EvalError::Overflow)?;
        if x.is_zero() && n < 0 {
            return Err(EvalError::DivByZero);
        }
        return x.checked_powi(n).ok_or(EvalError::Overflow);
    }
    if x.is_zero() {
        return if y.is_sign_positive() {
            Ok(Decimal::ZERO)
        } else {
            Err(EvalError::DivByZero)
        };
    }
    if x.is_sign_negative() {
        return Err(EvalError::Domain(
            "pow of a negative number to a fractional power",
        ));
    }
    let ln = x
        .checked_ln()
        .ok_or(EvalError::Domain("ln could not be computed"))?;
    let p = ln.checked_mul(y).ok_or(EvalError::Overflow)?;
    match p.checked_exp() {
        Some(r) => Ok(r),
        // e^p for a very negative p is below the smallest representable Decimal.
        None if p.is_sign_negative() => Ok(Decimal::ZERO),
        None => Err(EvalError::Overflow),
    }
}

// The evaluators are split into a small recursive dispatcher and non-recursive helpers:
// debug builds give every temporary its own stack slot, and keeping the recursive frames
// small keeps deep expressions far from the thread's stack limit.

impl NumNode {
    fn eval(&self, env: &dyn Env) -> Result<Decimal, EvalError> {
        match self {
            NumNode::Const(d, _) => Ok(*d),
            NumNode::Slot(s) => num_slot(env, *s),
            NumNode::Neg(a) => Ok(-a.eval(env)?),
            NumNode::Arith(op, a, b) => {
                let (a, b) = both(a.eval(env), b.eval(env))?;
                arith(*op, a, b)
            }
            NumNode::If(c, a, b) => match c.eval(env) {
                Ok(true) => a.eval(env),
                Ok(false) => b.eval(env),
                Err(e) => agree(e, a.eval(env), b.eval(env)),
            },
            NumNode::Fn1(f, a) => fn1(*f, a.eval(env)?),
            NumNode::Round(a, dp) => Ok(round(a.eval(env)?, *dp)),
            NumNode::Pow(a, b) => {
                let (a, b) = both(a.eval(env), b.eval(env))?;
                pow(a, b)
            }
            NumNode::Extreme(is_max, args) => extreme(*is_max, args, env),
            NumNode::Count(kind, cond) => count(env, *kind, cond.as_deref()),
            NumNode::Share(kind, cond) => share(env, *kind, cond),
            NumNode::Agg(op, kind, inner) => aggregate(env, *op, *kind, inner),
            NumNode::Coalesce(args) => coalesce(args.iter().map(|a| a.eval(env))),
        }
    }
}

/// `if` with an unknown condition: the branches' value when both have the same one, else the
/// condition's error.
fn agree<T: PartialEq>(
    e: EvalError,
    a: Result<T, EvalError>,
    b: Result<T, EvalError>,
) -> Result<T, EvalError> {
    match (a, b) {
        (Ok(a), Ok(b)) if a == b => Ok(a),
        _ => Err(e),
    }
}

/// The first value that is not missing (any other error stops the search).
fn coalesce<T>(results: impl Iterator<Item = Result<T, EvalError>>) -> Result<T, EvalError> {
    let mut first = None;
    for r in results {
        match r {
            Err(e @ EvalError::Missing(_)) => {
                first.get_or_insert(e);
            }
            r => return r,
        }
    }
    Err(first.unwrap_or(EvalError::Missing(AGGREGATE_EMPTY)))
}

/// Of two reasons for no value, the one reported whatever the operands' order: a missing value
/// first (it can be supplied), the lower slot among missing values.
fn first_error(a: EvalError, b: EvalError) -> EvalError {
    let key = |e: &EvalError| match e {
        EvalError::Missing(s) => (0, *s),
        EvalError::DivByZero => (1, 0),
        EvalError::Domain(_) => (2, 0),
        EvalError::Overflow => (3, 0),
    };
    if key(&b) < key(&a) { b } else { a }
}

/// Both operands' values, or the reason reported whatever their order.
fn both<A, B>(a: Result<A, EvalError>, b: Result<B, EvalError>) -> Result<(A, B), EvalError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(x), Err(y)) => Err(first_error(x, y)),
    }
}

impl NumNode {
    /// See [`Compiled::missing_slots`].
    fn missing(&self, env: &dyn Env, out: &mut Vec<u32>) {
        if self.eval(env).is_ok() {
            return;
        }
        match self {
            NumNode::Const(..) | NumNode::Count(..) | NumNode::Agg(..) | NumNode::Share(..) => {}
            NumNode::Slot(s) => {
                if env.get(*s).is_none() {
                    out.push(*s);
                }
            }
            NumNode::Neg(a) | NumNode::Fn1(_, a) | NumNode::Round(a, _) => a.missing(env, out),
            NumNode::Arith(_, a, b) | NumNode::Pow(a, b) => {
                a.missing(env, out);
                b.missing(env, out);
            }
            NumNode::If(c, a, b) => match c.eval(env) {
                Ok(true) => a.missing(env, out),
                Ok(false) => b.missing(env, out),
                Err(_) => {
                    c.missing(env, out);
                    a.missing(env, out);
                    b.missing(env, out);
                }
            },
            NumNode::Extreme(_, args) | NumNode::Coalesce(args) => {
                args.iter().for_each(|a| a.missing(env, out));
            }
        }
    }
}

impl BoolNode {
    /// See [`Compiled::missing_slots`].
    fn missing(&self, env: &dyn Env, out: &mut Vec<u32>) {
        if self.eval(env).is_ok() {
            return;
        }
        match self {
            BoolNode::Const(_) => {}
            BoolNode::Slot(s) => {
                if env.get(*s).is_none() {
                    out.push(*s);
                }
            }
            BoolNode::Not(a) => a.missing(env, out),
            BoolNode::And(a, b) | BoolNode::Or(a, b) | BoolNode::Same(_, a, b) => {
                a.missing(env, out);
                b.missing(env, out);
            }
            BoolNode::Cmp(_, a, b) => {
                a.missing(env, out);
                b.missing(env, out);
            }
            BoolNode::If(c, a, b) => match c.eval(env) {
                Ok(true) => a.missing(env, out),
                Ok(false) => b.missing(env, out),
                Err(_) => {
                    c.missing(env, out);
                    a.missing(env, out);
                    b.missing(env, out);
                }
            },
            BoolNode::Present(_, x) => x.missing(env, out),
            BoolNode::Coalesce(args) => args.iter().for_each(|a| a.missing(env, out)),
            BoolNode::Class(..) => {}
        }
    }
}

/// Kleene `and` (`dominant` false) or `or` (`dominant` true): an operand with the dominant
/// value decides whatever the other is; otherwise any unknown operand makes it unknown.
fn kleene(
    dominant: bool,
    a: Result<bool, EvalError>,
    b: impl FnOnce() -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    if a == Ok(dominant) {
        return Ok(dominant);
    }
    match (a, b()) {
        (_, Ok(x)) if x == dominant => Ok(dominant),
        (Ok(_), Ok(_)) => Ok(!dominant),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(x), Err(y)) => Err(first_error(x, y)),
    }
}

fn num_slot(env: &dyn Env, slot: u32) -> Result<Decimal, EvalError> {
    match env.get(slot) {
        Some(Val::Num(d)) => Ok(d),
        Some(Val::Bool(_)) => Err(EvalError::Domain(
            "a slot holds yes/no where a number was expected",
        )),
        None => Err(EvalError::Missing(slot)),
    }
}

fn bool_slot(env: &dyn Env, slot: u32) -> Result<bool, EvalError> {
    match env.get(slot) {
        Some(Val::Bool(b)) => Ok(b),
        Some(Val::Num(_)) => Err(EvalError::Domain(
            "a slot holds a number where yes/no was expected",
        )),
        None => Err(EvalError::Missing(slot)),
    }
}

fn arith(op: ArithOp, a: Decimal, b: Decimal) -> Result<Decimal, EvalError> {
    let r = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div if b.is_zero() => return Err(EvalError::DivByZero),
        ArithOp::Div => a.checked_div(b),
    };
    // A computed value carries no written decimals: `0.5 * 100` is 50, not 50.0, when shown.
    r.map(|d| d.normalize()).ok_or(EvalError::Overflow)
}

fn fn1(f: NumFn, a: Decimal) -> Result<Decimal, EvalError> {
    Ok(match f {
        NumFn::Abs => a.abs(),
        NumFn::Floor => a.floor(),
        NumFn::Ceil => a.ceil(),
        NumFn::Ln if a <= Decimal::ZERO => {
            return Err(EvalError::Domain("ln of a non-positive number"));
        }
        NumFn::Ln => a
            .checked_ln()
            .ok_or(EvalError::Domain("ln could not be computed"))?,
        NumFn::Exp => a.checked_exp().ok_or(EvalError::Overflow)?,
    })
}

/// Rounds half away from zero ("四舍五入").
fn round(a: Decimal, dp: u32) -> Decimal {
    crate::num::round_half_up(a, dp)
}

fn extreme(is_max: bool, args: &[NumNode], env: &dyn Env) -> Result<Decimal, EvalError> {
    let mut best: Option<Decimal> = None;
    for a in args {
        let v = a.eval(env)?;
        best = Some(match best {
            Some(b) if is_max => b.max(v),
            Some(b) => b.min(v),
            None => v,
        });
    }
    best.ok_or(EvalError::Missing(AGGREGATE_EMPTY))
}

fn count(env: &dyn Env, kind: u32, cond: Option<&BoolNode>) -> Result<Decimal, EvalError> {
    let mut n: u64 = 0;
    env.for_each_descendant(kind, &mut |d| {
        let hit = match cond {
            None => true,
            Some(c) => skip_missing(c.eval(d))? == Some(true),
        };
        n += u64::from(hit);
        Ok(())
    })?;
    Ok(Decimal::from(n))
}

fn share(env: &dyn Env, kind: u32, cond: &BoolNode) -> Result<Decimal, EvalError> {
    let (mut hits, mut defined) = (0u64, 0u64);
    env.for_each_descendant(kind, &mut |d| {
        if let Some(v) = skip_missing(cond.eval(d))? {
            defined += 1;
            hits += u64::from(v);
        }
        Ok(())
    })?;
    if defined == 0 {
        return Err(EvalError::Missing(AGGREGATE_EMPTY));
    }
    let (hits, defined) = (Decimal::from(hits), Decimal::from(defined));
    hits.checked_div(defined)
        .map(|d| d.normalize())
        .ok_or(EvalError::Overflow)
}

fn aggregate(env: &dyn Env, op: AggOp, kind: u32, inner: &NumNode) -> Result<Decimal, EvalError> {
    let (mut acc, mut n): (Option<Decimal>, u64) = (None, 0);
    env.for_each_descendant(kind, &mut |d| {
        let Some(v) = skip_missing(inner.eval(d))? else {
            return Ok(());
        };
        n += 1;
        acc = Some(match (acc, op) {
            (None, _) => v,
            (Some(a), AggOp::Sum | AggOp::Mean) => a.checked_add(v).ok_or(EvalError::Overflow)?,
            (Some(a), AggOp::MinOf) => a.min(v),
            (Some(a), AggOp::MaxOf) => a.max(v),
        });
        Ok(())
    })?;
    match (op, acc) {
        (AggOp::Sum, None) => Ok(Decimal::ZERO),
        (_, None) => Err(EvalError::Missing(AGGREGATE_EMPTY)),
        (AggOp::Mean, Some(s)) => s
            .checked_div(Decimal::from(n))
            .map(|d| d.normalize())
            .ok_or(EvalError::Overflow),
        (AggOp::Sum, Some(v)) => Ok(v.normalize()),
        (_, Some(v)) => Ok(v),
    }
}

fn compare(op: CmpOp, a: Decimal, b: Decimal) -> bool {
    op.holds(a.cmp(&b))
}

impl CmpOp {
    /// Whether the comparison holds of two numbers in order `o`.
    #[inline]
    fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CmpOp::Lt => o == Less,
            CmpOp::Le => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Ge => o != Less,
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
        }
    }
}

impl BoolNode {
    fn eval(&self, env: &dyn Env) -> Result<bool, EvalError> {
        match self {
            BoolNode::Const(b) => Ok(*b),
            BoolNode::Slot(s) => bool_slot(env, *s),
            BoolNode::Not(a) => Ok(!a.eval(env)?),
            BoolNode::And(a, b) => kleene(false, a.eval(env), || b.eval(env)),
            BoolNode::Or(a, b) => kleene(true, a.eval(env), || b.eval(env)),
            BoolNode::Cmp(op, a, b) => {
                let (a, b) = both(a.eval(env), b.eval(env))?;
                Ok(compare(*op, a, b))
            }
            BoolNode::Same(eq, a, b) => {
                let (a, b) = both(a.eval(env), b.eval(env))?;
                Ok((a == b) == *eq)
            }
            BoolNode::If(c, a, b) => match c.eval(env) {
                Ok(true) => a.eval(env),
                Ok(false) => b.eval(env),
                Err(e) => agree(e, a.eval(env), b.eval(env)),
            },
            BoolNode::Present(present, x) => match x.eval(env) {
                Ok(_) => Ok(*present),
                Err(EvalError::Missing(_)) => Ok(!*present),
                Err(e) => Err(e),
            },
            BoolNode::Coalesce(args) => coalesce(args.iter().map(|a| a.eval(env))),
            BoolNode::Class(eq, class, _) => Ok((env.class() == Some(*class)) == *eq),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ty::{Bool, Num};
    use proptest::prelude::*;
    use std::str::FromStr;

    /// A test scope: named slots and aggregatable kinds with their own scopes.
    struct Names {
        names: Vec<(&'static str, u32, Ty)>,
        kinds: Vec<(&'static str, u32, Names)>,
    }

    impl Resolver for Names {
        fn resolve(&self, name: &str) -> Option<(u32, Ty)> {
            self.names.iter().find(|n| n.0 == name).map(|n| (n.1, n.2))
        }
        fn resolve_kind(&self, name: &str) -> Option<(u32, &dyn Resolver)> {
            let k = self.kinds.iter().find(|k| k.0 == name)?;
            Some((k.1, &k.2 as &dyn Resolver))
        }
        fn names(&self) -> Vec<String> {
            self.names.iter().map(|n| n.0.to_string()).collect()
        }
        fn kind_names(&self) -> Vec<String> {
            self.kinds.iter().map(|k| k.0.to_string()).collect()
        }
    }

    const TOWNSHIP: u32 = 1;
    const VILLAGE: u32 = 2;
    const HAMLET: u32 = 3;

    /// City scope; townships contain villages; hamlets exist as a kind but have no units.
    fn scope() -> Names {
        let leaf = |names| Names {
            names,
            kinds: vec![],
        };
        let village = || leaf(vec![("x", 0, Num), ("ok", 1, Bool), ("pop", 2, Num)]);
        let township = Names {
            names: vec![("pop", 0, Num), ("x", 1, Num)],
            kinds: vec![("village", VILLAGE, village())],
        };
        #[rustfmt::skip]
        let names = vec![
            ("births", 0, Num), ("deaths", 1, Num), ("policy_births", 2, Num), ("has_plan", 3, Bool),
            ("gap", 4, Num), ("cases.two_non", 5, Num), ("出生数", 6, Num), ("flag", 7, Bool),
        ];
        let hamlet = leaf(vec![("y", 0, Num), ("b", 1, Bool)]);
        let kinds = vec![
            ("township", TOWNSHIP, township),
            ("village", VILLAGE, village()),
            ("hamlet", HAMLET, hamlet),
        ];
        Names { names, kinds }
    }

    /// A test unit: its kind, values and children.
    struct Unit {
        kind: u32,
        vals: Vec<(u32, Val)>,
        children: Vec<Unit>,
    }

    impl Env for Unit {
        fn get(&self, slot: u32) -> Option<Val> {
            self.vals.iter().find(|v| v.0 == slot).map(|v| v.1)
        }
        fn for_each_descendant(
            &self,
            kind: u32,
            f: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
        ) -> Result<(), EvalError> {
            for c in &self.children {
                if c.kind == kind {
                    f(c)?;
                }
                c.for_each_descendant(kind, f)?;
            }
            Ok(())
        }
    }

    fn n(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test number")
    }

    fn v(x: i64) -> Val {
        Val::Num(x.into())
    }

    /// City → 2 townships → 4 villages; the last village has neither `x` nor `ok`.
    fn city() -> Unit {
        let unit = |kind, vals, children| Unit {
            kind,
            vals,
            children,
        };
        let village = |vals| unit(VILLAGE, vals, vec![]);
        let t1 = vec![
            village(vec![(0, v(0)), (1, Val::Bool(true)), (2, v(10))]),
            village(vec![(0, v(3)), (1, Val::Bool(false)), (2, v(20))]),
        ];
        let t2 = vec![
            village(vec![(0, v(0)), (2, v(30))]),
            village(vec![(2, v(40))]),
        ];
        let townships = vec![
            unit(TOWNSHIP, vec![(0, v(100)), (1, v(0))], t1),
            unit(TOWNSHIP, vec![(0, v(50)), (1, v(5))], t2),
        ];
        #[rustfmt::skip]
        let vals = vec![(0, v(200)), (1, v(3)), (2, v(190)), (3, Val::Bool(true)), (5, v(1)), (6, v(200))];
        unit(0, vals, townships)
    }

    fn ev(src: &str) -> Result<Val, EvalError> {
        compile(src, &scope(), None).expect(src).eval(&city())
    }

    fn errors(src: &str, expected: Option<Ty>) -> Vec<(usize, usize, String)> {
        let errs = compile(src, &scope(), expected).expect_err(src);
        errs.into_iter()
            .map(|e| (e.start, e.end, e.message))
            .collect()
    }

    /// `"source" => "value";` asserts that the source evaluates to that number or yes/no.
    macro_rules! evaluates {
        ($($src:literal => $want:literal;)*) => {$(
            let want = match $want {
                "true" => Val::Bool(true),
                "false" => Val::Bool(false),
                w => Val::Num(n(w)),
            };
            assert_eq!(ev($src), Ok(want), "{}", $src);
        )*};
    }

    /// `"source" => result;` asserts the evaluation result.
    macro_rules! fails {
        ($($src:literal => $want:expr;)*) => {$( assert_eq!(ev($src), $want, "{}", $src); )*};
    }

    /// `"source" => start..end "message";` asserts a single compile error.
    macro_rules! rejects {
        ($($src:expr => $start:literal..$end:literal $msg:literal;)*) => {$(
            assert_eq!(errors(&$src, None), vec![($start, $end, $msg.to_string())], "{}", $src);
        )*};
    }

    #[test]
    fn precedence_and_associativity() {
        evaluates! {
            "1 + 2 * 3" => "7";
            "(1 + 2) * 3" => "9";
            "10 - 4 - 3" => "3";
            "8 / 4 / 2" => "1";
            "-2 * 3" => "-6";
            "2 - -3" => "5";
            "- -2" => "2";
            "1 + 2 > 2 and not false" => "true";
            "true or false and false" => "true";
            "true || false && false" => "true";
            "not 1 > 2" => "true";
            "!(1 > 2) && 2 >= 2 && 1 <= 1 && 1 != 2 && 3 < 4" => "true";
            "has_plan == true and false != true" => "true";
            "policy_births / births * 100" => "95";
            "if births > 0 then deaths / births else 0" => "0.015";
            "1 + if false then 1 else 2 * 10" => "21";
            "if false then 1 else if true then 2 else 3" => "2";
            "if has_plan then births > 100 else false" => "true";
            "cases.two_non + 出生数" => "201";
        }
    }

    #[test]
    fn exact_decimal_arithmetic() {
        evaluates! {
            "95 - 94.7 == 0.3" => "true";
            "95 - 94.7" => "0.3";
            "0.1 + 0.2 == 0.3" => "true";
            "1.0 == 1" => "true";
            "1e3 == 1000 and 2.5E-1 == 0.25 and 1e+2 == 100" => "true";
        }
    }

    #[test]
    fn functions() {
        evaluates! {
            "min(3, 1, 2)" => "1";
            "max(3, 1, 2)" => "3";
            "abs(-2.5)" => "2.5";
            "round(2.345, 2)" => "2.35";
            "round(0.125, 2)" => "0.13";
            "round(2.5, 0)" => "3";
            "round(-2.5, 0)" => "-3";
            "round(2.4, 0)" => "2";
            "ln(1)" => "0";
            "pow(2, 10)" => "1024";
            "pow(2, -1)" => "0.5";
            "pow(1.1, 2)" => "1.21";
            "pow(0, 0.5)" => "0";
            "floor(-1.5)" => "-2";
            "floor(2)" => "2";
            "ceil(1.2)" => "2";
            "ceil(-1.2)" => "-1";
            "abs(ln(10) - 2.302585092994045684) < 1e-18" => "true";
            "abs(pow(4, 0.5) - 2) < 1e-20" => "true";
        }
    }

    #[test]
    fn evaluation_errors() {
        let domain = |r: Result<Val, EvalError>| matches!(r, Err(EvalError::Domain(_)));
        fails! {
            "births / 0" => Err(EvalError::DivByZero);
            "pow(0, -1)" => Err(EvalError::DivByZero);
            "79228162514264337593543950335 + 1" => Err(EvalError::Overflow);
            "pow(10, 100)" => Err(EvalError::Overflow);
            "pow(2, 1e28)" => Err(EvalError::Overflow);
        }
        assert!(domain(ev("ln(0)")) && domain(ev("ln(-1)")) && domain(ev("pow(-8, 0.5)")));
        // Extremes must give a value or an error, never a panic.
        let max = "79228162514264337593543950335";
        for src in [
            format!("floor(-{max}) + ceil({max}) + round(-{max}, 10)"),
            "floor(-7922816251426433759354395033.5) + ceil(7922816251426433759354395033.5)".into(),
            format!("pow({max}, 0.5) + pow(0.0000000000000000000000000001, 0.5) + pow(2, -{max})"),
            format!("ln({max}) + ln(0.0000000000000000000000000001) + abs(-{max}) + -{max}"),
            format!("pow(0.5, 99999) + pow(1.0000001, 9223372036854775807) + {max} * {max} / 0.1"),
            format!("pow(-2, 3) == -8 and pow(1.5, -{max}) == 0 and pow({max}, -0.5) > 0"),
        ] {
            let _ = ev(&src);
        }
        assert_eq!(ev("pow(-2, 3)"), Ok(Val::Num(n("-8"))));
        let c = compile("births > 1", &scope(), None).expect("compiles");
        assert!(matches!(c.eval_num(&city()), Err(EvalError::Domain(_))));
        let c = compile("births", &scope(), None).expect("compiles");
        assert!(matches!(c.eval_bool(&city()), Err(EvalError::Domain(_))));
        assert_eq!(c.eval_num(&city()), Ok(n("200")));
    }

    #[test]
    fn missing_values_and_short_circuit() {
        fails! {
            "gap + 1" => Err(EvalError::Missing(4));
            "max(1, gap)" => Err(EvalError::Missing(4));
            "if false then 1 else gap" => Err(EvalError::Missing(4));
            "if flag then 1 else 2" => Err(EvalError::Missing(7));
            "true and gap > 0" => Err(EvalError::Missing(4));
            "false or flag" => Err(EvalError::Missing(7));
            "gap > 0 and flag" => Err(EvalError::Missing(4));
            "flag and gap > 0" => Err(EvalError::Missing(4));
            "not flag" => Err(EvalError::Missing(7));
            "coalesce(gap, gap * 2)" => Err(EvalError::Missing(4));
            "exp(100)" => Err(EvalError::Overflow);
            "missing(births / 0)" => Err(EvalError::DivByZero);
            "births / 0 + gap" => Err(EvalError::Missing(4));
            "gap + births / 0" => Err(EvalError::Missing(4));
        }
        evaluates! {
            "if true then 1 else gap" => "1";
            "false and gap > 0" => "false";
            "gap > 0 and false" => "false";
            "true or gap > 0" => "true";
            "gap > 0 or true" => "true";
            "flag or true" => "true";
            "has_plan || flag" => "true";
            "flag || has_plan" => "true";
            "if flag then 2 else 2" => "2";
            "if flag then has_plan else true" => "true";
            "missing(gap)" => "true";
            "missing(flag)" => "true";
            "present(gap)" => "false";
            "present(births)" => "true";
            "missing(births + gap)" => "true";
            "coalesce(gap, 3)" => "3";
            "coalesce(gap, births, 3)" => "200";
            "coalesce(flag, false)" => "false";
            "coalesce(births)" => "200";
            "exp(0)" => "1";
            "round(exp(1), 4)" => "2.7183";
        }
    }

    /// A blank is unknown: `and`/`or` follow Kleene's strong three-valued logic, whatever
    /// the operands' order.
    #[test]
    fn kleene_truth_tables() {
        // true, false and unknown (`flag` has no value).
        let vals = ["true", "false", "flag"];
        let known = |s: &str| match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        for a in vals {
            for b in vals {
                let (x, y) = (known(a), known(b));
                let and = match (x, y) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let or = match (x, y) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                for (op, want) in [("and", and), ("or", or)] {
                    let got = ev(&format!("{a} {op} {b}")).ok();
                    assert_eq!(got, want.map(Val::Bool), "{a} {op} {b}");
                    let swapped = ev(&format!("{b} {op} {a}")).ok();
                    assert_eq!(got, swapped, "{a} {op} {b} is not symmetric");
                }
            }
        }
    }

    #[test]
    fn missing_slots_follow_the_path_taken() {
        let slots = |src: &str| {
            compile(src, &scope(), None)
                .expect(src)
                .missing_slots(&city())
        };
        // births is 200: only the branch taken counts; `flag` is irrelevant.
        assert_eq!(
            slots("if births > 0 then gap else (if flag then 1 else 2)"),
            vec![4]
        );
        assert_eq!(
            slots("if births < 0 then gap else (if flag then 1 else 2)"),
            vec![7]
        );
        // An unknown condition: the condition and both branches.
        assert_eq!(slots("if flag then gap else 1"), vec![4, 7]);
        // A known deciding operand makes the other irrelevant.
        assert_eq!(slots("false and (gap > 0 or flag)"), Vec::<u32>::new());
        assert_eq!(slots("gap > 0 and flag"), vec![4, 7]);
        assert_eq!(slots("births + deaths"), Vec::<u32>::new());
        assert_eq!(slots("coalesce(gap, births)"), Vec::<u32>::new());
        assert_eq!(slots("coalesce(gap, gap + 1)"), vec![4]);
        assert_eq!(
            errors("coalesce(gap, flag)", None),
            vec![(0, 19, "all arguments of `coalesce` must have the same type, but `gap` is a number and `flag` is yes/no".to_string())]
        );
    }

    #[test]
    fn aggregations() {
        evaluates! {
            "count(village)" => "4";
            "count(township)" => "2";
            "count(village, x == 0)" => "2";
            "share(village, ok)" => "0.5";
            "sum(village, pop)" => "100";
            "sum(village, x)" => "3";
            "mean(township, pop)" => "75";
            "min_of(village, x)" => "0";
            "max_of(village, x)" => "3";
            "mean(township, count(village))" => "2";
            "sum(township, share(village, x == 0))" => "1.5";
            "count(hamlet)" => "0";
            "count(hamlet, b)" => "0";
            "sum(hamlet, y)" => "0";
        }
        // The village without `x` is left out of the denominator.
        assert_eq!(ev("share(village, x == 0)"), Ok(Val::Num(n("2") / n("3"))));
        assert_eq!(
            ev("round(share(village, x == 0) * 100, 2)"),
            Ok(Val::Num(n("66.67")))
        );
        fails! {
            "mean(hamlet, y)" => Err(EvalError::Missing(AGGREGATE_EMPTY));
            "share(hamlet, b)" => Err(EvalError::Missing(AGGREGATE_EMPTY));
            "min_of(hamlet, y)" => Err(EvalError::Missing(AGGREGATE_EMPTY));
            "max_of(hamlet, y)" => Err(EvalError::Missing(AGGREGATE_EMPTY));
            // Errors other than a missing value are not skipped.
            "sum(village, 1 / x)" => Err(EvalError::DivByZero);
        }
    }

    #[test]
    fn compiled_metadata() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<Compiled>();
        let src = "births + sum(village, pop) + deaths + births";
        let c = compile(src, &scope(), Some(Num)).expect("compiles");
        assert_eq!(
            (c.ty(), c.source(), c.to_string()),
            (Num, src, src.to_string())
        );
        assert_eq!(
            (c.slots(), c.kinds(), c.kind_slots()),
            (&[0, 1][..], &[VILLAGE][..], &[(VILLAGE, 2)][..])
        );
        let src = "mean(township, count(village, x > pop)) > 1 or has_plan";
        let c = compile(src, &scope(), Some(Bool)).expect("compiles");
        assert_eq!(c.ty(), Bool);
        assert_eq!(c.slots(), &[3]);
        assert_eq!(c.kinds(), &[TOWNSHIP, VILLAGE]);
        assert_eq!(c.kind_slots(), &[(VILLAGE, 0), (VILLAGE, 2)]);
    }

    #[test]
    fn name_and_type_errors() {
        rejects! {
            "birth + 1" => 0..5 "unknown name `birth` (did you mean `births`?)";
            "Births + 1" => 0..6 "unknown name `Births` (did you mean `births`?)";
            "zzz" => 0..3 "unknown name `zzz`";
            "has_plan * 2" => 0..8 "expected a number but `has_plan` is yes/no";
            "has_plan < 1" => 0..8 "expected a number but `has_plan` is yes/no";
            "-has_plan" => 1..9 "expected a number but `has_plan` is yes/no";
            "not births" => 4..10 "expected yes/no but `births` is a number";
            "births and true" => 0..6 "expected yes/no but `births` is a number";
            "(births > 1) + 1" => 0..12 "expected a number but `(births > 1)` is yes/no";
            "births == has_plan" => 0..18 "cannot compare `births` (a number) with `has_plan` (yes/no)";
            "if has_plan then 1 else true" => 24..28 "both branches of `if` must have the same type, but `1` is a number and `true` is yes/no";
            "village + 1" => 0..7 "unknown name `village`; `village` is a unit kind, usable only as the first argument of an aggregation such as `count(village)`";
            // Names inside an aggregation are looked up in the kind's scope.
            "sum(village, births)" => 13..19 "unknown name `births`";
            "share(village, x)" => 15..16 "expected yes/no but `x` is a number";
            "count(vilage)" => 6..12 "unknown unit kind `vilage` (did you mean `village`?)";
            "sum(births, 1)" => 4..10 "`births` is a value, not a unit kind; `sum` aggregates over a unit kind";
            "count(1)" => 6..7 "the first argument of `count` must be a unit kind such as `village`";
        }
        let long = "births + deaths + policy_births + births + deaths";
        assert_eq!(
            errors(long, Some(Bool)),
            vec![(
                0,
                long.len(),
                "expected yes/no but this expression is a number".into()
            )]
        );
        // All name and type errors are collected, with byte spans (出生数 is 9 bytes).
        assert_eq!(
            errors("birth + 出生数 * has_plan + dethss", None),
            vec![
                (0, 5, "unknown name `birth` (did you mean `births`?)".into()),
                (20, 28, "expected a number but `has_plan` is yes/no".into()),
                (
                    31,
                    37,
                    "unknown name `dethss` (did you mean `deaths`?)".into()
                ),
            ]
        );
        let if_errors = errors("if births then 1 else true", Some(Num));
        assert_eq!(if_errors.len(), 2, "{if_errors:?}");
        assert_eq!(
            if_errors[0],
            (3, 9, "expected yes/no but `births` is a number".into())
        );
    }

    #[test]
    fn function_errors() {
        rejects! {
            "abs(1, 2)" => 0..9 "`abs` takes exactly 1 argument, got 2";
            "min(1)" => 0..6 "`min` takes at least 2 arguments, got 1";
            "count()" => 0..7 "`count` takes 1 or 2 arguments, got 0";
            "pow(2)" => 0..6 "`pow` takes exactly 2 arguments, got 1";
            "flor(2.5)" => 0..4 "unknown function `flor` (did you mean `floor`?)";
            "sqrt(4)" => 0..4 "unknown function `sqrt`";
            "births(4)" => 0..6 "`births` is a value, not a function";
            "abs(has_plan)" => 4..12 "expected a number but `has_plan` is yes/no";
        }
        for digits in ["11", "births", "-1", "1.5"] {
            let src = format!("round(births, {digits})");
            let msg = "the number of digits of `round` must be a whole number from 0 to 10, written as a literal";
            assert_eq!(
                errors(&src, None),
                vec![(14, 14 + digits.len(), msg.to_string())]
            );
        }
    }

    #[test]
    fn syntax_errors() {
        rejects! {
            "1 < 2 < 3" => 6..7 "comparisons cannot be chained; combine them with `and`, e.g. `a < b and b < c`";
            "1 == 1 == true" => 7..9 "comparisons cannot be chained; combine them with `and`, e.g. `a < b and b < c`";
            "births # 2" => 7..8 "unexpected character `#`";
            "births = 2" => 7..8 "unexpected character `=`; use `==` to compare";
            "（births）" => 0..3 "unexpected character `（`; use the ASCII `(`";
            "2x + 1" => 0..2 "invalid number `2x`";
            "1e40" => 0..4 "number `1e40` is too large or has too many digits";
            "(births + 1" => 0..1 "unclosed `(`";
            "min(1, 2" => 3..4 "unclosed `(`";
            "births + 1)" => 10..11 "unexpected `)` with no matching `(`";
            "()" => 1..2 "unexpected `)`, expected an operand";
            "min(1, )" => 7..8 "unexpected `)`, expected an operand";
            "(1 2)" => 3..4 "expected `)` to close the `(`, found `2`";
            "min(1 2)" => 6..7 "expected `,` or `)` after an argument of `min`, found `2`";
            "births +" => 8..8 "unexpected end of the expression, expected an operand";
            "" => 0..0 "empty expression, expected an operand";
            "  " => 0..2 "empty expression, expected an operand";
            "births births" => 7..13 "unexpected `births`, expected an operator or the end of the expression";
            "if births > 0 then 1" => 20..20 "expected `else` (an `if` needs both branches), found the end of the expression";
            "if births > 0 else 1" => 14..18 "expected `then` after the condition of `if`, found `else`";
            "1 + * 2" => 4..5 "unexpected `*`, expected an operand";
            "1 + and" => 4..7 "unexpected `and`, expected an operand";
        }
    }

    #[test]
    fn deep_input_is_rejected_without_overflowing_the_stack() {
        let first = |src: String| errors(&src, None).remove(0).2;
        assert!(
            first(format!("{}1{}", "(".repeat(100), ")".repeat(100))).contains("nested too deeply")
        );
        assert!(first(format!("{}1", "-".repeat(10_000))).contains("nested too deeply"));
        assert!(first(format!("{}true", "not ".repeat(10_000))).contains("nested too deeply"));
        assert!(first("(".repeat(100_000)).contains("nested too deeply"));
        assert!(first(format!("1{}", " + 1".repeat(1_000))).contains("too complex"));
        // Reasonable depths are fine.
        let ok = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(ev(&ok), Ok(v(1)));
        assert_eq!(ev(&format!("0{}", " + 1".repeat(250))), Ok(v(250)));
        let nested_ifs = format!(
            "{}0{}",
            "if true then 1 + ".repeat(50),
            " else 0".repeat(50)
        );
        assert_eq!(ev(&nested_ifs), Ok(v(50)));
        let calls = format!("{}1{}", "min(2, abs(".repeat(30), "))".repeat(30));
        assert_eq!(ev(&calls), Ok(v(1)));
        let mixed = format!(
            "{}1{}",
            "-(not not (".repeat(10),
            " > 0) == true)".repeat(10)
        );
        assert!(first(mixed).contains("expected a number"));
    }

    /// A yes/no expression over `true`, `false` and `flag` (blank), with its Kleene value
    /// worked out directly: `(source, swapped source, value)` where the swapped source has the
    /// operands of every `and`/`or` in the other order.
    fn kleene_tree() -> impl Strategy<Value = (String, String, Option<bool>)> {
        let leaf = prop_oneof![
            Just(("true".to_string(), "true".to_string(), Some(true))),
            Just(("false".to_string(), "false".to_string(), Some(false))),
            Just(("flag".to_string(), "flag".to_string(), None)),
        ];
        leaf.prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone(), any::<bool>()).prop_map(|(a, b, is_and)| {
                    let op = if is_and { "and" } else { "or" };
                    let v = match (is_and, a.2, b.2) {
                        (true, Some(false), _) | (true, _, Some(false)) => Some(false),
                        (true, Some(true), Some(true)) => Some(true),
                        (false, Some(true), _) | (false, _, Some(true)) => Some(true),
                        (false, Some(false), Some(false)) => Some(false),
                        _ => None,
                    };
                    (
                        format!("({} {op} {})", a.0, b.0),
                        format!("({} {op} {})", b.1, a.1),
                        v,
                    )
                }),
                inner.prop_map(|a| (
                    format!("(not {})", a.0),
                    format!("(not {})", a.1),
                    a.2.map(|x| !x)
                )),
            ]
        })
    }

    proptest! {
        /// Kleene's three-valued logic on any nesting of `and`, `or` and `not` with blanks,
        /// and the result never depends on the order of operands.
        #[test]
        fn kleene_holds_in_any_order((src, swapped, want) in kleene_tree()) {
            let got = ev(&src).ok();
            prop_assert_eq!(got, want.map(Val::Bool), "{}", src);
            prop_assert_eq!(ev(&swapped).ok(), got, "{} vs {}", src, swapped);
        }

        #[test]
        fn compile_never_panics(src in "\\PC*") {
            let _ = compile(&src, &scope(), None);
        }

        #[test]
        fn compile_and_eval_never_panic(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("births"), Just("gap"), Just("has_plan"), Just("flag"), Just("x"),
                    Just("village"), Just("township"), Just("hamlet"), Just("0"), Just("1"),
                    Just("-"), Just("2.5"), Just("1e28"), Just("79228162514264337593543950335"),
                    Just("+"), Just("*"), Just("/"), Just("<"), Just("=="), Just("!="),
                    Just("and"), Just("or"), Just("not"), Just("if"), Just("then"),
                    Just("else"), Just("("), Just(")"), Just(","), Just("min"), Just("pow"),
                    Just("ln"), Just("round"), Just("floor"), Just("count"), Just("sum"),
                    Just("mean"), Just("share"), Just("max_of"), Just("true"), Just("0.5"),
                ],
                0..30,
            )
        ) {
            let src = parts.join(" ");
            if let Ok(c) = compile(&src, &scope(), None) {
                let _ = c.eval(&city());
            }
        }

        #[test]
        fn arithmetic_never_panics(a in any::<i64>(), b in any::<u32>(), s in 0u32..28, op in 0usize..7) {
            let (x, y) = (Decimal::new(a, s), Decimal::new(i64::from(b), s / 2));
            let src = match op {
                4 => format!("pow({x}, {y})"),
                5 => format!("ln({x}) + round({x}, 3) + floor({x}) - ceil({y})"),
                6 => format!("pow({y}, {x})"),
                _ => format!("{x} {} {y} * {x}", ["+", "*", "/", "-"][op]),
            };
            let c = compile(&src, &scope(), Some(Num));
            prop_assert!(c.is_ok(), "{}", src);
            if let Ok(c) = c {
                let _ = c.eval(&city());
            }
        }
    }
}

#[cfg(test)]
mod class_tests {
    use super::*;

    /// Classes `dept` (部门) and `town` (乡镇); one yes/no slot `fraud`.
    struct Classes;
    impl Resolver for Classes {
        fn resolve(&self, name: &str) -> Option<(u32, Ty)> {
            (name == "fraud").then_some((0, Ty::Bool))
        }
        fn resolve_kind(&self, _: &str) -> Option<(u32, &dyn Resolver)> {
            None
        }
        fn resolve_class(&self, name: &str) -> Option<u32> {
            match name {
                "dept" | "部门" => Some(0),
                "town" | "乡镇" => Some(1),
                _ => None,
            }
        }
        fn class_names(&self) -> Option<Vec<String>> {
            Some(vec!["dept".into(), "town".into()])
        }
    }

    struct U(Option<u32>, Option<bool>);
    impl Env for U {
        fn get(&self, _: u32) -> Option<Val> {
            self.1.map(Val::Bool)
        }
        fn class(&self) -> Option<u32> {
            self.0
        }
        fn for_each_descendant(
            &self,
            _: u32,
            _: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
        ) -> Result<(), EvalError> {
            Ok(())
        }
    }

    fn eval(src: &str, u: &U) -> Result<bool, EvalError> {
        compile(src, &Classes, None).expect("compiles").eval_bool(u)
    }

    #[test]
    fn class_compares_by_id_or_name_in_either_order() {
        let dept = U(Some(0), Some(false));
        let town = U(Some(1), Some(false));
        let none = U(None, Some(false));
        for src in [
            r#"class == "部门""#,
            "class == 'dept'",
            r#""dept" == class"#,
        ] {
            assert_eq!(eval(src, &dept), Ok(true), "{src}");
            assert_eq!(eval(src, &town), Ok(false), "{src}");
            assert_eq!(eval(src, &none), Ok(false), "{src}");
        }
        assert_eq!(eval(r#"class != "部门""#, &town), Ok(true));
        assert_eq!(eval(r#"class != "部门""#, &none), Ok(true));
    }

    #[test]
    fn class_combines_with_three_valued_logic() {
        // A department with fraud unknown: `and` stays unknown; a town is decided false.
        let src = r#"class == "部门" and fraud"#;
        assert!(eval(src, &U(Some(0), None)).is_err());
        assert_eq!(eval(src, &U(Some(1), None)), Ok(false));
        assert_eq!(eval(src, &U(Some(0), Some(true))), Ok(true));
    }

    #[test]
    fn an_unknown_class_or_a_stray_text_is_a_compile_error() {
        let e = compile(r#"class == "dep""#, &Classes, None).expect_err("unknown class");
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].message,
            "unknown class `dep`; the set's classes are `dept`, `town` (did you mean `dept`?)"
        );
        assert_eq!((e[0].start, e[0].end), (9, 14));
        let e = compile(r#"fraud == "yes""#, &Classes, None).expect_err("text");
        assert!(
            e[0].message
                .contains("only be compared with the unit's class"),
            "{e:?}"
        );
        let e = compile(r#"class == "dept"#, &Classes, None).expect_err("unclosed");
        assert!(e[0].message.contains("unclosed quote"), "{e:?}");
        let e = compile(r#"class < "dept""#, &Classes, None).expect_err("order");
        assert!(!e.is_empty());
    }
}
