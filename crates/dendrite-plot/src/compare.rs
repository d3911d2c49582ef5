//! Loss curves (and learning rates) of several training runs in one picture: comparing
//! optimizers or schedules.

use std::path::Path;

use dendrite_model::History;
use plotters::prelude::*;

use crate::canvas::render_png;
use crate::history::{Curve, Panel, draw_panel, epoch_coordinate};
use crate::{Error, Result, palette};

/// Draws the training loss of every run over the epochs into one 1200×600 PNG at `path`, one
/// labelled curve per run, with titled, labelled axes and a legend; atomically, as
/// [`crate::plot_history`]. Losses above 1.5 times the largest first-epoch loss are drawn at
/// that height, so that early spikes do not flatten the rest.
///
/// # Errors
/// [`Error::Empty`] when no run has an epoch; [`Error::Io`] when the file cannot be written;
/// [`Error::Drawing`] and [`Error::Png`] if drawing or encoding fails.
///
/// # Example
/// ```
/// use dendrite_model::{EpochRecord, History};
/// use dendrite_plot::plot_loss_comparison;
/// # fn main() -> dendrite_plot::Result<()> {
/// let run = |rate: f64| History {
///     epochs: (0..20)
///         .map(|epoch| EpochRecord {
///             epoch, loss: (-rate * epoch as f64).exp(), data_loss: 0.0, regularization_loss: 0.0,
///             accuracy: 0.5, learning_rate: 0.1, ..EpochRecord::default()
///         })
///         .collect(),
/// };
/// let path = std::env::temp_dir().join("dendrite-plot-doc-compare.png");
/// plot_loss_comparison(&[("fast", &run(0.3)), ("slow", &run(0.1))], &path)?;
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn plot_loss_comparison(runs: &[(&str, &History)], path: impl AsRef<Path>) -> Result<()> {
    let epochs = epoch_range(runs)?;
    let panel = loss_panel(runs);
    render_png(1200, 600, path.as_ref(), |root| draw_panel(root, &panel, epochs))
}

/// Draws two panels into one 1200×900 PNG at `path`: the learning rate of every run over the
/// epochs (the rate of each epoch's last step), and below it their training losses, clipped as
/// [`plot_loss_comparison`] clips them; one labelled colour per run in both. Atomically, as
/// [`crate::plot_history`].
///
/// # Errors
/// As [`plot_loss_comparison`].
///
/// # Example
/// ```
/// use dendrite_model::{EpochRecord, History};
/// use dendrite_plot::plot_schedule_comparison;
/// # fn main() -> dendrite_plot::Result<()> {
/// let run = |gamma: f64| History {
///     epochs: (0..20)
///         .map(|epoch| EpochRecord {
///             epoch, loss: 1.0 / (1.0 + epoch as f64), learning_rate: 0.1 * gamma.powf(epoch as f64),
///             ..EpochRecord::default()
///         })
///         .collect(),
/// };
/// let path = std::env::temp_dir().join("dendrite-plot-doc-schedules.png");
/// plot_schedule_comparison(&[("gamma 0.9", &run(0.9)), ("gamma 0.8", &run(0.8))], &path)?;
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn plot_schedule_comparison(runs: &[(&str, &History)], path: impl AsRef<Path>) -> Result<()> {
    let epochs = epoch_range(runs)?;
    let rates = Panel {
        title: "learning rate per epoch (its last step's)",
        y_desc: "learning rate",
        legend: SeriesLabelPosition::UpperRight,
        y_floor: (0.0, 0.0),
        curves: runs
            .iter()
            .enumerate()
            .map(|(k, (name, history))| {
                Curve::new(name, palette::strong(k), history, |r| Some(r.learning_rate))
            })
            .collect(),
    };
    let panels = [rates, loss_panel(runs)];
    render_png(1200, 900, path.as_ref(), |root| {
        for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(&panels) {
            draw_panel(area, panel, epochs)?;
        }
        Ok(())
    })
}

/// The range of the runs' epochs, widened around a single epoch.
fn epoch_range(runs: &[(&str, &History)]) -> Result<(i64, i64)> {
    let epochs = runs.iter().flat_map(|(_, h)| h.epochs.iter().map(|r| epoch_coordinate(r.epoch)));
    let (Some(first), Some(last)) = (epochs.clone().min(), epochs.max()) else {
        return Err(Error::Empty { what: "the runs" });
    };
    Ok(if first == last { (first - 1, last + 1) } else { (first, last) })
}

/// The runs' training losses, one curve each.
fn loss_panel(runs: &[(&str, &History)]) -> Panel {
    // Early spikes (a learning rate too large for the first steps) would flatten everything
    // else: values above 1.5 times the largest first-epoch loss are drawn at that height.
    let cap = 1.5 * runs.iter().filter_map(|(_, h)| h.epochs.first().map(|r| r.loss)).fold(0.0, f64::max);
    let cap = if cap > 0.0 && cap.is_finite() { cap } else { f64::INFINITY };
    let curves = runs
        .iter()
        .enumerate()
        .map(|(k, (name, history))| Curve::new(name, palette::strong(k), history, |r| Some(r.loss.min(cap))))
        .collect();
    Panel {
        title: "training loss per epoch (clipped at 1.5 x the first epoch's)",
        y_desc: "loss",
        legend: SeriesLabelPosition::UpperRight,
        y_floor: (0.0, 0.0),
        curves,
    }
}

#[cfg(test)]
mod tests {
    use dendrite_model::EpochRecord;

    use super::*;
    use crate::testing::{decode, scratch};

    fn run(rate: f64) -> History {
        History {
            epochs: (0..30)
                .map(|epoch| EpochRecord {
                    epoch,
                    loss: (-rate * epoch as f64).exp(),
                    data_loss: 0.0,
                    regularization_loss: 0.0,
                    accuracy: 0.5,
                    learning_rate: 0.1,
                    ..EpochRecord::default()
                })
                .collect(),
        }
    }

    #[test]
    fn draws_every_run_and_rejects_nothing_to_draw() -> Result<()> {
        let dir = scratch("compare")?;
        let path = dir.join("compare.png");
        plot_loss_comparison(&[("a", &run(0.3)), ("b", &run(0.1)), ("c", &run(0.05))], &path)?;
        let image = decode(&path)?;
        assert_eq!((image.width, image.height), (1200, 600));
        for k in 0..3 {
            let c = palette::strong(k);
            assert!(image.pixels().any(|p| p == (c.0, c.1, c.2)), "curve {k} is drawn");
        }
        assert!(matches!(plot_loss_comparison(&[], &path), Err(Error::Empty { .. })));
        Ok(())
    }

    #[test]
    fn schedules_draw_both_panels_for_every_run() -> Result<()> {
        let dir = scratch("schedules")?;
        let path = dir.join("schedules.png");
        plot_schedule_comparison(&[("a", &run(0.3)), ("b", &run(0.1))], &path)?;
        let image = decode(&path)?;
        assert_eq!((image.width, image.height), (1200, 900));
        for k in 0..2 {
            let c = palette::strong(k);
            let (c, half) = ((c.0, c.1, c.2), image.height / 2);
            let top = (0..half).any(|y| (0..image.width).any(|x| image.pixel(x, y) == c));
            let bottom = (half..image.height).any(|y| (0..image.width).any(|x| image.pixel(x, y) == c));
            assert!(top && bottom, "run {k} is drawn in both panels");
        }
        assert!(matches!(plot_schedule_comparison(&[], &path), Err(Error::Empty { .. })));
        Ok(())
    }
}
