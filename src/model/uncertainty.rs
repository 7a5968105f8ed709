//! How sure a set's figures and weights are (`uncertainty:` in the set; `kaohe robustness`).
//!
//! A declaration names a field (any layer), a layer (every field whose value came from it), or
//! a field from one layer, with one kind of error: absolute, relative, a survey proportion's
//! sampling error (√(p(1−p)/n)) or a self-report bias range. Weights: every item's maximum
//! scaled by 1 + u. The default is no uncertainty, and then `robustness` gives today's results
//! with probability 1.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How a ± is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Normal: the ± is one standard error.
    #[default]
    Normal,
    /// Uniform: the ± is the half-width.
    Uniform,
}

impl Distribution {
    /// `normal` / `uniform`.
    pub fn en(self) -> &'static str {
        match self {
            Distribution::Normal => "normal",
            Distribution::Uniform => "uniform",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Distribution::Normal => "正态",
            Distribution::Uniform => "均匀",
        }
    }
}

/// The error of a figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spread {
    /// ± this much in the field's unit.
    Absolute(Decimal),
    /// ± this share of the value.
    Relative(Decimal),
    /// A proportion from this many households; the value is read as a share of the field's
    /// scale (percent: /100, per mille: /1000, otherwise as written, 0…1).
    Survey { households: u32 },
    /// A relative bias range: the true value is value × (1 + b), b uniform in [lo, hi].
    Bias { lo: Decimal, hi: Decimal },
}

/// One declaration, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field (index into the scored kind's fields); None: every field with the layer.
    pub field: Option<usize>,
    /// The layer (index into `IndicatorSet::layers`) the value must have come from.
    pub layer: Option<usize>,
    pub spread: Spread,
    pub distribution: Distribution,
    /// Where the figure comes from, in words (e.g. 抽样调查), for the inspection plan.
    pub source: Option<String>,
}

/// A spread of item weights: ± `relative` of the item's maximum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightSpread {
    pub relative: Decimal,
    pub distribution: Distribution,
}

/// The set's uncertainty (empty by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Uncertainty {
    pub fields: Vec<FieldError>,
    /// Every item's weight.
    pub weights: Option<WeightSpread>,
    /// Per item (index into `indicators`), overriding `weights`.
    pub items: Vec<(usize, WeightSpread)>,
}

impl Uncertainty {
    /// No declaration: every figure and weight is exact.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.weights.is_none() && self.items.is_empty()
    }

    /// The weight spread of item `k`.
    pub fn item(&self, k: usize) -> Option<WeightSpread> {
        self.items
            .iter()
            .find(|(i, _)| *i == k)
            .map(|(_, s)| *s)
            .or(self.weights)
    }

    /// The declaration for field `f` whose value came from `layer` (None: the field has no
    /// layers or none is present): a declaration for the field and that layer first, then
    /// for the field, then for the layer.
    pub fn for_field(&self, f: usize, layer: Option<usize>) -> Option<&FieldError> {
        let exact = self
            .fields
            .iter()
            .find(|e| e.field == Some(f) && e.layer.is_some() && e.layer == layer);
        exact
            .or_else(|| {
                self.fields
                    .iter()
                    .find(|e| e.field == Some(f) && e.layer.is_none())
            })
            .or_else(|| {
                self.fields
                    .iter()
                    .find(|e| e.field.is_none() && e.layer.is_some() && e.layer == layer)
            })
    }
}
