//! Diagnostics: where in a spec something is wrong, what was found and what
//! was expected.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {severity}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Turns byte offsets into line and column, and collects diagnostics.
pub struct Reporter<'a> {
    file: &'a str,
    source: &'a str,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a str, source: &'a str) -> Reporter<'a> {
        Reporter { file, source, diagnostics: Vec::new() }
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.source[..offset.min(self.source.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    pub fn report(&mut self, severity: Severity, offset: usize, message: impl Into<String>) {
        let (line, column) = self.position(offset);
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    pub fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.report(Severity::Error, offset, message);
    }

    pub fn warning(&mut self, offset: usize, message: impl Into<String>) {
        self.report(Severity::Warning, offset, message);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let reporter = Reporter::new("x.toml", "ab\ncdé\nf");
        assert_eq!(reporter.position(0), (1, 1));
        assert_eq!(reporter.position(3), (2, 1));
        assert_eq!(reporter.position(8), (3, 1));
        assert_eq!(reporter.position(7), (2, 4));
    }
}
