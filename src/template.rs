//! The evidence-entry workbook (`kaohe template`).
