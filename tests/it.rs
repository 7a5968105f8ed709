//! The one integration-test binary. Each file in `tests/` is a module here.

mod browser;
mod cases;
mod cli;
mod decide;
mod determinism;
mod english;
mod evidence3;
mod excel;
mod explain;
mod hardening;
mod invalid;
mod missing;
mod office;
mod project;
mod properties;
mod robustness;
mod rubric;
mod seed;
mod support;
mod tidy;
mod uncertainty;
