//! kaohe (考核): a target-responsibility assessment engine.
//!
//! An **indicator set** (YAML) describes lines, sections, indicators with rule shapes,
//! derived values, veto rules, bonus items and grades. **Evidence** (YAML, CSV, Excel)
//! gives each unit's values and case ledger. The engine scores every unit in parallel and
//! deterministically; see `ARCHITECTURE.md` for the code map and invariants.

pub mod bench;
pub mod bind;
pub mod cli;
pub mod decide;
pub mod diag;
pub mod diff;
pub mod engine;
pub mod evidence;
pub mod exit;
pub mod explain;
pub mod expr;
pub mod fx;
pub mod gap;
pub mod handbook;
pub mod lang;
pub mod lint;
pub mod load;
pub mod model;
pub mod num;
pub mod output;
pub mod raw;
pub mod read;
pub mod report;
pub mod result;
pub mod robustness;
pub mod rules;
pub mod selfassess;
pub mod stream;
pub mod template;
pub mod testcase;
pub mod title;
pub mod weights;
pub mod yaml;
