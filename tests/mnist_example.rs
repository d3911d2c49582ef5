//! The `mnist` example end to end, as a user runs it: it trains on the shipped digits, saves
//! the model, and the `dendrite` command evaluates the saved file on the test digits to the
//! same accuracy as the example printed and as `Model::evaluate` in-process.

use std::path::PathBuf;
use std::process::Command;

use dendrite::prelude::*;
use dendrite_data::read_mnist_dir;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A binary that `cargo test --workspace` builds beside the test binaries.
fn built(relative: &str) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().and_then(|deps| deps.parent()).ok_or("no target directory")?;
    let path = dir.join(format!("{relative}{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `cargo test --workspace`, which builds it", path.display()).into())
    }
}

#[test]
fn the_saved_mnist_model_evaluates_the_same_through_the_command() -> TestResult {
    let dir = std::env::temp_dir().join(format!("dendrite-mnist-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let model_path = dir.join("mnist.dnd");
    let out =
        Command::new(built("examples/mnist")?).args(["--epochs", "3", "--save"]).arg(&model_path).output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout)?;
    let last = text.lines().last().ok_or("no output")?;
    let printed: f64 = last
        .strip_prefix("validation, acc: ")
        .and_then(|rest| rest.split(',').next())
        .ok_or_else(|| format!("last line is not the validation line: {last}"))?
        .parse()?;
    assert!(printed > 0.85, "{last}");

    let data_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let cli = Command::new(built("dendrite")?)
        .args(["evaluate", "--json", "--model"])
        .arg(&model_path)
        .args(["--input", &format!("{data_dir}/test-images-idx3-ubyte.gz")])
        .args(["--labels", &format!("{data_dir}/test-labels-idx1-ubyte.gz")])
        .output()?;
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let v: serde_json::Value = serde_json::from_slice(&cli.stdout)?;
    let accuracy = v["accuracy"].as_f64().ok_or("accuracy")?;
    assert_eq!(format!("{accuracy:.3}"), format!("{printed:.3}"));

    let data = read_mnist_dir(data_dir)?;
    let model = Model::load(&model_path)?;
    let e = model.evaluate(&data.test_x, Targets::Classes(&data.test_y))?;
    assert_eq!(accuracy, f64::from(e.accuracy));
    assert_eq!(v["samples"], 2000);
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
