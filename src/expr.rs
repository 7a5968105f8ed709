//! TEMPORARY stub of the expression language API (the real module is being written).
#![allow(dead_code, unused_variables)]
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Ty {
    Num,
    Bool,
}
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Val {
    Num(Decimal),
    Bool(bool),
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}
pub trait Resolver {
    fn resolve(&self, name: &str) -> Option<(u32, Ty)>;
    fn resolve_kind(&self, name: &str) -> Option<(u32, &dyn Resolver)>;
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}
pub trait Env {
    fn get(&self, slot: u32) -> Option<Val>;
    fn for_each_descendant(
        &self,
        kind: u32,
        f: &mut dyn FnMut(&dyn Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError>;
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub enum EvalError {
    #[error("missing value in slot {0}")]
    Missing(u32),
    #[error("division by zero")]
    DivByZero,
    #[error("{0}")]
    Domain(&'static str),
    #[error("arithmetic overflow")]
    Overflow,
}
#[derive(Debug, Clone)]
pub struct Compiled {
    ty: Ty,
    slots: Vec<u32>,
    kinds: Vec<u32>,
    src: String,
}
impl Compiled {
    pub fn ty(&self) -> Ty {
        self.ty
    }
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }
    pub fn kinds(&self) -> &[u32] {
        &self.kinds
    }
    pub fn eval(&self, env: &dyn Env) -> Result<Val, EvalError> {
        let s = self.slots.first().copied().unwrap_or(0);
        env.get(s).ok_or(EvalError::Missing(s))
    }
    pub fn eval_num(&self, env: &dyn Env) -> Result<Decimal, EvalError> {
        match self.eval(env)? {
            Val::Num(d) => Ok(d),
            Val::Bool(b) => Ok(if b { Decimal::ONE } else { Decimal::ZERO }),
        }
    }
    pub fn eval_bool(&self, env: &dyn Env) -> Result<bool, EvalError> {
        match self.eval(env)? {
            Val::Bool(b) => Ok(b),
            Val::Num(d) => Ok(!d.is_zero()),
        }
    }
    pub fn source(&self) -> &str {
        &self.src
    }
}
pub fn compile(
    src: &str,
    resolver: &dyn Resolver,
    expected: Option<Ty>,
) -> Result<Compiled, Vec<ExprError>> {
    let name = src.trim();
    match resolver.resolve(name) {
        Some((slot, ty)) => Ok(Compiled {
            ty,
            slots: vec![slot],
            kinds: vec![],
            src: src.to_string(),
        }),
        None => Err(vec![ExprError {
            start: 0,
            end: src.len(),
            message: format!("stub cannot compile `{src}`"),
        }]),
    }
}
