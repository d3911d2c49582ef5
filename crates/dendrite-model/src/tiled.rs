//! Tiled training: a large batch of a row-wise network runs in tiles of rows, each tile's
//! forward and backward pass done while its activations are still in cache.
//!
//! A full-batch step on 3,000 samples with 512 hidden units touches about 25 arrays of
//! 3,000 × 512 floats, six megabytes each: they live in the L3 cache or memory, and the step
//! is bound by moving them. In tiles of 256 rows the same arithmetic runs on data in L2 (on
//! the `spiral512` benchmark, 7.3 → 5.2 ms per epoch with the tiles alone). Gradients are sums
//! over rows, so the tiles add their parts: the same gradient, summed in another order.

use dendrite_losses::Targets;
use dendrite_tensor::{Matrix, Parameterized};

use crate::batch::Batch;
use crate::{Model, Result};

/// Floats in one tile of the widest layer's activations at most (512 KiB, half an L2 cache):
/// a tile's activations and gradients then stay in the caches close by.
const TILE_FLOATS: usize = 128 * 1024;

/// Rows of a tile at most: enough to keep per-tile overheads small.
const MAX_TILE_ROWS: usize = 256;

/// Rows of a tile at least, beside very wide layers.
const MIN_TILE_ROWS: usize = 16;

impl Model {
    /// The rows of a tile for a batch of `rows`, or `None` when the batch runs whole: when it
    /// fits in two tiles, or a layer is not row-wise (a plug-in that keeps its batch whole).
    /// It depends only on the architecture and the batch, never on the machine, so the same
    /// seed still gives the same bytes everywhere.
    pub(crate) fn tile_rows(&self, rows: usize) -> Option<usize> {
        if !self.layers.iter().all(|l| l.rowwise()) {
            return None;
        }
        // The layers' outputs are what the tiles keep in cache; the input is only read.
        let (mut width, mut widest) = (self.input_width, 1);
        for layer in &self.layers {
            width = layer.output_width(width).ok()?;
            widest = widest.max(width);
        }
        let tile = (TILE_FLOATS / widest).clamp(MIN_TILE_ROWS, MAX_TILE_ROWS);
        if rows < 2 * tile {
            return None;
        }
        // Tiles of whole SIMD blocks of 16 rows (the kernels' remainders cost), as even as that
        // allows: no small last tile.
        let tiles = rows.div_ceil(tile);
        Some(rows.div_ceil(tiles).next_multiple_of(16))
    }

    /// [`Model::gradients`] of a batch, tile by tile: the parameters' gradients are zeroed,
    /// each tile adds its part (the loss's gradient scaled by its share of the rows), and the
    /// regularization penalty's gradient is added once at the end. Returns the mean data loss,
    /// the hits and the count.
    pub(crate) fn gradients_tiled(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        epoch: usize,
        step: usize,
        tile: usize,
    ) -> Result<(f64, usize, usize)> {
        // Regression accuracy takes its precision from the whole batch, not from each tile.
        let accuracy = self.accuracy;
        self.accuracy = accuracy.fitted_to(y);
        self.layers.visit_params_mut(&mut |p| p.grad.fill(0.0));
        for layer in &mut self.layers {
            layer.accumulate_gradients(true);
        }
        let mut tiles = std::mem::take(&mut self.tile_batch);
        let sums = self.run_tiles(x, y, epoch, step, tile, &mut tiles);
        self.tile_batch = tiles;
        for layer in &mut self.layers {
            layer.accumulate_gradients(false);
        }
        self.accuracy = accuracy;
        let sums = sums?;
        self.layers.visit_params_mut(&mut |p| p.regularizer.add_gradient(&p.value, &mut p.grad));
        Ok(sums)
    }

    fn run_tiles(
        &mut self,
        x: &Matrix,
        y: Targets<'_>,
        epoch: usize,
        step: usize,
        tile: usize,
        tiles: &mut Batch,
    ) -> Result<(f64, usize, usize)> {
        let n = x.nrows();
        let (mut loss, mut hits, mut count) = (0.0f64, 0, 0);
        for start in (0..n).step_by(tile) {
            let len = tile.min(n - start);
            tiles.gather_range(x, y, start, len);
            let share = len as f32 / n as f32;
            let (l, h, c) = self.gradients(&tiles.x, tiles.targets(y), epoch, step, share)?;
            loss += f64::from(l) * len as f64;
            hits += h;
            count += c;
        }
        Ok((loss / n as f64, hits, count))
    }
}

#[cfg(test)]
mod tests {
    use dendrite_layers::DenseConfig;
    use dendrite_losses::Targets;
    use dendrite_tensor::{Matrix, Parameterized, Rng};

    use crate::{LossKind, Model};

    fn model(dropout: f32) -> Model {
        let mut builder = Model::builder(2)
            .dense_with(DenseConfig { weight_l2: 5e-4, bias_l1: 1e-3, ..DenseConfig::new(2, 64) })
            .relu();
        if dropout > 0.0 {
            builder = builder.dropout(dropout);
        }
        builder.dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).seed(7).build().expect("valid")
    }

    fn grads(model: &Model) -> Vec<f32> {
        let mut out = Vec::new();
        model.visit_params(&mut |p| out.extend_from_slice(p.grad.as_slice()));
        out
    }

    #[test]
    fn regression_tiles_give_the_whole_batch_gradient_and_accuracy() -> crate::Result<()> {
        // Value targets (gathered per tile) and a regression accuracy, whose precision comes
        // from the whole batch's targets, not from each tile's.
        let mut rng = Rng::seed_from_u64(4);
        let x = Matrix::from_fn(2000, 1, |_, _| rng.uniform_f32());
        let y = x.map(|v| (6.0 * v).sin());
        let build = || {
            Model::builder(1)
                .dense(64)
                .tanh()
                .dense(1)
                .linear()
                .loss(LossKind::MeanSquaredError)
                .seed(2)
                .build()
                .expect("valid")
        };
        assert_tiles_match_the_whole_batch(build(), build(), &x, Targets::Values(&y))
    }

    /// Gradients, loss and accuracy of `(x, y)` through `tiled` in tiles equal those of the
    /// same batch through `whole` at once (the two models built alike).
    fn assert_tiles_match_the_whole_batch(
        mut whole: Model,
        mut tiled: Model,
        x: &Matrix,
        y: Targets<'_>,
    ) -> crate::Result<()> {
        let tile = tiled.tile_rows(x.nrows()).expect("the batch runs in tiles");
        assert!(tile < x.nrows() && tile.is_multiple_of(16), "{tile}");
        let (loss, hits, count) = whole.gradients(x, y, 0, 0, 1.0)?;
        let (tiled_loss, tiled_hits, tiled_count) = tiled.gradients_tiled(x, y, 0, 0, tile)?;
        assert!((f64::from(loss) - tiled_loss).abs() < 1e-5, "{loss} vs {tiled_loss}");
        assert_eq!((hits, count), (tiled_hits, tiled_count));
        let (g, t) = (grads(&whole), grads(&tiled));
        let scale = g.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for (k, (a, b)) in g.iter().zip(&t).enumerate() {
            assert!((a - b).abs() <= 1e-5 * scale, "gradient {k}: {a} vs {b}");
        }
        Ok(())
    }

    #[test]
    fn small_batches_and_plugin_layers_run_whole() {
        let model = model(0.1);
        assert_eq!(model.tile_rows(300), None, "fits in two tiles");
        assert!(model.tile_rows(600).is_some());
        let plugin = Model::builder(2)
            .dense(64)
            .layer(Box::new(Opaque::default()))
            .dense(3)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .build()
            .expect("valid");
        assert_eq!(plugin.tile_rows(100_000), None, "a plug-in layer may mix rows");
    }

    /// A plug-in layer that does not say it is row-wise.
    #[derive(Debug, Default)]
    struct Opaque {
        out: Matrix,
    }

    impl Parameterized for Opaque {
        fn visit_params(&self, _f: &mut dyn FnMut(&dendrite_tensor::Param)) {}
        fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut dendrite_tensor::Param)) {}
    }

    impl dendrite_layers::Layer for Opaque {
        fn kind(&self) -> &'static str {
            "Opaque"
        }
        fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
            Ok(input_width)
        }
        fn forward(
            &mut self,
            input: &Matrix,
            _mode: dendrite_layers::Mode,
        ) -> dendrite_layers::Result<&Matrix> {
            self.out = input.clone();
            Ok(&self.out)
        }
        fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
            self.out = dvalues.clone();
            Ok(&self.out)
        }
    }

    #[test]
    fn tiles_give_the_whole_batch_gradient() -> crate::Result<()> {
        let mut rng = Rng::seed_from_u64(3);
        let x = Matrix::from_fn(3000, 2, |_, _| rng.normal_f32());
        let y: Vec<usize> = (0..3000).map(|_| rng.below(3) as usize).collect();
        assert_tiles_match_the_whole_batch(model(0.0), model(0.0), &x, Targets::Classes(&y))
    }

    #[test]
    fn a_layer_after_a_plugin_without_output_keeps_its_own_input() -> crate::Result<()> {
        // The Dense after `Opaque` (whose output the model cannot hand back) copies its input;
        // the others are lent theirs. Either way the gradients are those of the same network
        // without the identity plug-in.
        let build = |plugin: bool| {
            let mut builder = Model::builder(2).dense(8);
            if plugin {
                builder = builder.layer(Box::new(Opaque::default()));
            }
            builder.dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).seed(5).build().expect("valid")
        };
        let (mut with, mut without) = (build(true), build(false));
        let x = Matrix::from_fn(40, 2, |i, j| ((i * 2 + j) as f32 * 0.3).sin());
        let y: Vec<usize> = (0..40).map(|i| i % 3).collect();
        for _ in 0..2 {
            let a = with.train_batch(&x, Targets::Classes(&y))?;
            let b = without.train_batch(&x, Targets::Classes(&y))?;
            assert_eq!(a.data_loss.to_bits(), b.data_loss.to_bits());
            assert_eq!(grads(&with), grads(&without));
        }
        Ok(())
    }

    /// ReLU as a plug-in: the model does not fuse it with the dropout after it.
    #[derive(Debug, Default)]
    struct PluginRelu(dendrite_layers::Relu);

    impl Parameterized for PluginRelu {
        fn visit_params(&self, _f: &mut dyn FnMut(&dendrite_tensor::Param)) {}
        fn visit_params_mut(&mut self, _f: &mut dyn FnMut(&mut dendrite_tensor::Param)) {}
    }

    impl dendrite_layers::Layer for PluginRelu {
        fn kind(&self) -> &'static str {
            "PluginRelu"
        }
        fn output_width(&self, input_width: usize) -> dendrite_layers::Result<usize> {
            Ok(input_width)
        }
        fn forward(
            &mut self,
            input: &Matrix,
            mode: dendrite_layers::Mode,
        ) -> dendrite_layers::Result<&Matrix> {
            self.0.forward(input, mode)
        }
        fn backward(&mut self, dvalues: &Matrix) -> dendrite_layers::Result<&Matrix> {
            self.0.backward(dvalues)
        }
        fn rowwise(&self) -> bool {
            true
        }
        fn output(&self) -> Option<&Matrix> {
            self.0.output()
        }
    }

    #[test]
    fn relu_and_dropout_fused_train_as_the_two_layers_apart() -> crate::Result<()> {
        // The same network with its ReLU as a plug-in, which the model does not fuse: the same
        // bits after whole-batch steps (in tiles) and after a shuffled mini-batch epoch.
        let build = |plugin: bool| {
            let mut builder = Model::builder(2).dense(16);
            builder = if plugin { builder.layer(Box::new(PluginRelu::default())) } else { builder.relu() };
            // Two hidden layers: not a two-layer perceptron, which trains in a sweep of its own.
            builder
                .dropout(0.2)
                .dense(8)
                .relu()
                .dense(3)
                .softmax()
                .loss(LossKind::CategoricalCrossEntropy)
                .seed(8)
                .build()
                .expect("valid")
        };
        let (mut fused, mut apart) = (build(false), build(true));
        let mut rng = Rng::seed_from_u64(6);
        let x = Matrix::from_fn(1200, 2, |_, _| rng.normal_f32());
        let y: Vec<usize> = (0..1200).map(|_| rng.below(3) as usize).collect();
        assert!(fused.tile_rows(1200).is_some());
        assert_eq!(fused.perceptron(Targets::Classes(&y)), None);
        for _ in 0..3 {
            let a = fused.train_batch(&x, Targets::Classes(&y))?;
            let b = apart.train_batch(&x, Targets::Classes(&y))?;
            assert_eq!(a.data_loss.to_bits(), b.data_loss.to_bits());
            assert_eq!(grads(&fused), grads(&apart));
        }
        let options = || crate::FitOptions {
            epochs: 1,
            batch_size: Some(100),
            report: crate::Report::Quiet,
            ..crate::FitOptions::default()
        };
        let (a, b) = (
            fused.fit(&x, Targets::Classes(&y), options())?,
            apart.fit(&x, Targets::Classes(&y), options())?,
        );
        assert_eq!(a.epochs.len(), b.epochs.len());
        assert_eq!(grads(&fused), grads(&apart));
        let values = |m: &Model| {
            let mut out = Vec::new();
            m.visit_params(&mut |p| out.extend(p.value.iter().map(|v| v.to_bits())));
            out
        };
        assert_eq!(values(&fused), values(&apart));
        Ok(())
    }
}
