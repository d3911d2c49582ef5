//! The book's printout and the progress bar of `Model::fit`.

use std::io::{IsTerminal, Write};

use crate::{Report, Result};

/// The printout's destination and the progress bar.
pub(super) struct Printer<'a, 'r> {
    report: &'r mut Report<'a>,
    bar: Option<Bar>,
}

impl<'a, 'r> Printer<'a, 'r> {
    /// Prints to `report`, with a progress bar of `steps` on standard error when `bar` is asked
    /// for, the report is not quiet and standard error is a terminal.
    pub(super) fn new(report: &'r mut Report<'a>, bar: bool, steps: usize) -> Self {
        let show = bar && !matches!(report, Report::Quiet) && std::io::stderr().is_terminal();
        let bar = if show { Bar::new(steps) } else { None };
        Self { report, bar }
    }

    /// Prints a line; `text` is not even formatted when the report is quiet, so quiet training
    /// allocates nothing for its printout.
    pub(super) fn line(&mut self, text: impl FnOnce() -> String) -> Result<()> {
        match self.report {
            Report::Quiet => Ok(()),
            Report::Stdout => {
                let text = text();
                match &self.bar {
                    Some(bar) => bar.suspend(|| println!("{text}")),
                    None => println!("{text}"),
                }
                Ok(())
            }
            Report::Writer(w) => Ok(writeln!(w, "{}", text())?),
        }
    }

    /// One step done.
    pub(super) fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Training is over: the bar goes.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The progress bar on standard error (feature `progress`).
#[cfg(feature = "progress")]
struct Bar(indicatif::ProgressBar);

#[cfg(feature = "progress")]
impl Bar {
    fn new(steps: usize) -> Option<Self> {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} steps, {elapsed} elapsed, {eta} left")
        {
            bar.set_style(style);
        }
        Some(Self(bar))
    }

    fn suspend(&self, f: impl FnOnce()) {
        self.0.suspend(f);
    }

    fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}

/// Without the feature `progress` there is no bar: none is ever made.
#[cfg(not(feature = "progress"))]
enum Bar {}

#[cfg(not(feature = "progress"))]
impl Bar {
    fn new(_steps: usize) -> Option<Self> {
        None
    }

    fn suspend(&self, _f: impl FnOnce()) {
        match *self {}
    }

    fn inc(&self, _n: u64) {
        match *self {}
    }

    fn finish_and_clear(&self) {
        match *self {}
    }
}
