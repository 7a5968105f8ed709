//! The derived-value expression language (placeholder; being written).
