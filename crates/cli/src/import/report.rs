//! What an import tells a person: a progress line on stderr while it runs,
//! the summary on stdout when it ends.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Rejection reasons listed in the summary; the counts cover all of them.
pub const MAX_LISTED: usize = 50;

/// An item that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub file: String,
    /// `line 7`, `order #1001 (450789469)`, `850 0001`.
    pub at: String,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub accepted: u64,
    /// Already stored by an earlier import (same event id): skipped.
    pub duplicates: u64,
    pub rejected: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: &'static str,
    #[serde(flatten)]
    pub tally: Tally,
}

/// Everything the import did, per file and in total.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub files: Vec<FileReport>,
    pub total: Tally,
    /// The first [`MAX_LISTED`] rejections.
    pub rejections: Vec<Rejection>,
    /// Set when the import stopped before the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Summary {
    pub fn start_file(&mut self, file: &str, format: &'static str) {
        self.files.push(FileReport {
            file: file.to_owned(),
            format,
            tally: Tally::default(),
        });
    }

    /// Counts into the file last started.
    pub fn count(&mut self, tally: Tally) {
        if let Some(file) = self.files.last_mut() {
            file.tally.add(tally);
        }
        self.total.add(tally);
    }

    /// Counts one rejected item and lists why.
    pub fn reject(&mut self, rejection: Rejection) {
        self.count(Tally {
            rejected: 1,
            ..Tally::default()
        });
        self.list(rejection);
    }

    /// Lists a reason without counting it: an EDI file's rejected sets are
    /// counted from the acknowledgement, which may give one reason for many.
    pub fn list(&mut self, rejection: Rejection) {
        if self.rejections.len() < MAX_LISTED {
            self.rejections.push(rejection);
        }
    }

    pub fn render_text(&self) -> String {
        let width = self.files.iter().map(|f| f.file.len()).max().unwrap_or(0).max(5);
        let mut out = format!(
            "{:<width$}  {:<14}  {:>9}  {:>20}  {:>9}\n",
            "file", "format", "accepted", "skipped (duplicates)", "rejected"
        );
        let row = |name: &str, format: &str, t: &Tally| {
            format!(
                "{name:<width$}  {format:<14}  {:>9}  {:>20}  {:>9}\n",
                t.accepted, t.duplicates, t.rejected
            )
        };
        for f in &self.files {
            out.push_str(&row(&f.file, f.format, &f.tally));
        }
        out.push_str(&row("total", "", &self.total));
        if self.total.rejected > 0 {
            let shown = self.rejections.len() as u64;
            out.push_str(&format!("\nRejected: {}", self.total.rejected));
            if shown < self.total.rejected {
                out.push_str(&format!(" (the first {shown} listed)"));
            }
            out.push('\n');
            for r in &self.rejections {
                out.push_str(&format!("  {}:{}: {}: {}", r.file, r.at, r.code, r.message));
                if let Some(field) = &r.field {
                    out.push_str(&format!(" ({field})"));
                }
                out.push('\n');
            }
        }
        out
    }
}

/// Items done out of the total: a bar redrawn in place on a terminal, a
/// line every 10% otherwise (a log file should not fill with bars).
pub struct Progress {
    total: u64,
    done: u64,
    started: Instant,
    terminal: bool,
    last_draw: Option<Instant>,
    last_tenth: u64,
}

impl Progress {
    pub fn new(total: u64) -> Self {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            last_draw: None,
            last_tenth: 0,
        }
    }

    pub fn advance(&mut self, items: u64) {
        self.done = (self.done + items).min(self.total);
        if self.terminal {
            let due = self.last_draw.is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
            if due || self.done == self.total {
                self.last_draw = Some(Instant::now());
                self.draw_bar();
            }
        } else if let Some(tenth) = (self.done * 10).checked_div(self.total)
            && tenth > self.last_tenth
        {
            self.last_tenth = tenth;
            eprintln!("Imported {}% ({}/{} items, {}/s).", tenth * 10, self.done, self.total, self.rate());
        }
    }

    /// Ends the bar's line so what follows starts on its own.
    pub fn finish(&mut self) {
        if self.terminal && self.last_draw.is_some() {
            self.draw_bar();
            eprintln!();
        }
    }

    fn rate(&self) -> u64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 { (self.done as f64 / secs) as u64 } else { 0 }
    }

    fn draw_bar(&self) {
        const WIDTH: u64 = 30;
        let filled = (self.done * WIDTH).checked_div(self.total).unwrap_or(WIDTH) as usize;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH as usize - filled));
        let mut err = std::io::stderr().lock();
        // `\x1b[K` clears what a longer earlier line left behind.
        let _ = write!(err, "\r[{bar}] {}/{} items  {}/s\x1b[K", self.done, self.total, self.rate());
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(n: usize) -> Rejection {
        Rejection {
            file: "stock.csv".into(),
            at: format!("line {n}"),
            code: "invalid_sku".into(),
            message: "A SKU may not contain ' '.".into(),
            field: Some("sku".into()),
        }
    }

    #[test]
    fn counts_add_up_per_file_and_in_total_and_the_list_is_capped() {
        let mut s = Summary::default();
        s.start_file("orders.json", "shopify-orders");
        s.count(Tally {
            accepted: 3,
            duplicates: 1,
            rejected: 0,
        });
        s.start_file("stock.csv", "inventory-csv");
        for n in 0..(MAX_LISTED + 5) {
            s.reject(rejection(n));
        }
        assert_eq!(s.files[0].tally.accepted, 3);
        assert_eq!(s.files[1].tally.rejected, MAX_LISTED as u64 + 5);
        assert_eq!(
            s.total,
            Tally {
                accepted: 3,
                duplicates: 1,
                rejected: MAX_LISTED as u64 + 5
            }
        );
        assert_eq!(s.rejections.len(), MAX_LISTED);
        let text = s.render_text();
        assert!(
            text.contains(&format!("Rejected: {} (the first {MAX_LISTED} listed)", MAX_LISTED + 5)),
            "{text}"
        );
        assert!(
            text.contains("  stock.csv:line 0: invalid_sku: A SKU may not contain ' '. (sku)\n"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("total") && l.ends_with(&format!("{}", MAX_LISTED + 5)))
        );
    }
}
