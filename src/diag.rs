//! Diagnostics: every problem found in an input, with where it is and what was expected.
//!
//! Loaders never stop at the first problem they can recover from: they collect
//! [`Diagnostic`]s and return them together, sorted by file and position.

use std::fmt;

/// Where a problem is: a file and either a line/column (YAML), a row/column (CSV) or a cell
/// (Excel, e.g. `Sheet1!D17`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Place {
    /// 1-based line and column in a text file.
    Text { line: u64, column: u64 },
    /// 1-based row of a table file and the column's header (shared by every cell of the column).
    Row {
        row: u64,
        column: std::sync::Arc<str>,
    },
    /// A spreadsheet cell (the sheet name is shared by every cell of the sheet).
    Cell {
        sheet: std::sync::Arc<str>,
        cell: String,
    },
    /// The file as a whole.
    File,
}

/// One problem in one input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub place: Place,
    pub message: String,
}

impl Diagnostic {
    pub fn at(file: &str, line: u64, column: u64, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            place: Place::Text { line, column },
            message: message.into(),
        }
    }

    pub fn row(
        file: &str,
        row: u64,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_string(),
            place: Place::Row {
                row,
                column: column.into().into(),
            },
            message: message.into(),
        }
    }

    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            place: Place::File,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Place::Text { line, column } => {
                write!(f, "{}:{}:{}: {}", self.file, line, column, self.message)
            }
            Place::Row { row, column } => {
                write!(
                    f,
                    "{}: row {}, column `{}`: {}",
                    self.file, row, column, self.message
                )
            }
            Place::Cell { sheet, cell } => {
                write!(f, "{}: {}!{}: {}", self.file, sheet, cell, self.message)
            }
            Place::File => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A non-empty list of problems, sorted and de-duplicated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new(mut list: Vec<Diagnostic>) -> Self {
        list.sort();
        list.dedup();
        Self(list)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "error: {d}")?;
        }
        write!(
            f,
            "{} error{} found",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for one file.
#[derive(Debug, Default)]
pub struct Sink {
    pub file: String,
    pub list: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_string(),
            list: Vec::new(),
        }
    }
    /// Report at a serde-saphyr location.
    pub fn at(&mut self, loc: serde_saphyr::Location, message: impl Into<String>) {
        self.list.push(Diagnostic::at(
            &self.file,
            loc.line(),
            loc.column(),
            message,
        ));
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn finish(self) -> Result<(), Diagnostics> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics::new(self.list))
        }
    }
}

/// Turn a serde-saphyr error into a diagnostic (message without the source snippet).
pub fn from_yaml_error(file: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let text = err.without_snippet().to_string();
    let message = strip_location_suffix(&text).to_string();
    match err.location() {
        Some(loc) if loc.line() > 0 => Diagnostic::at(file, loc.line(), loc.column(), message),
        _ => Diagnostic::file(file, message),
    }
}

fn strip_location_suffix(text: &str) -> &str {
    let text = text.trim();
    // serde-saphyr renders "... at line N, column M" or "line N column M: ..."
    if let Some(idx) = text.rfind(" at line ") {
        return &text[..idx];
    }
    if let Some(rest) = text.strip_prefix("error: ") {
        return strip_location_suffix(rest);
    }
    if text.starts_with("line ")
        && let Some(idx) = text.find(": ")
    {
        return &text[idx + 2..];
    }
    text
}
