//! `spiral_dropout --plots DIR` and `mnist --plots DIR` write PNG pictures: each decodes, has
//! its stated size, and is not a single colour.

use std::path::{Path, PathBuf};
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// An example binary that `cargo test --workspace` builds beside the test binaries.
fn example(name: &str) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().and_then(|deps| deps.parent()).ok_or("no target directory")?;
    let path = dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `cargo test --workspace`, which builds the examples", path.display())
            .into())
    }
}

/// Width, height and the number of distinct colours of a PNG file.
fn inspect(path: &Path) -> Result<(u32, u32, usize), Box<dyn std::error::Error>> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("image too large")?];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    for pixel in buf[..info.buffer_size()].chunks_exact(channels) {
        colours.insert(pixel.to_vec());
    }
    Ok((info.width, info.height, colours.len()))
}

fn run(name: &str, args: &[&str], dir: &Path) -> TestResult {
    let out = Command::new(example(name)?).args(args).arg("--plots").arg(dir).output()?;
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

#[test]
fn the_examples_draw_their_pictures() -> TestResult {
    let dir = std::env::temp_dir().join(format!("dendrite-example-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    run("spiral_dropout", &["--epochs", "201"], &dir)?;
    run("mnist", &["--epochs", "1"], &dir)?;
    run("schedules", &["--epochs", "30"], &dir)?;
    for (file, width, height) in [
        ("spiral_dropout_history.png", 1200, 900),
        ("spiral_dropout_regions.png", 900, 900),
        ("mnist_history.png", 1200, 900),
        ("schedules.png", 1200, 900),
    ] {
        let (w, h, colours) = inspect(&dir.join(file))?;
        assert_eq!((w, h), (width, height), "{file}");
        assert!(colours > 20, "{file} has {colours} colours");
    }
    let (w, h, colours) = inspect(&dir.join("mnist_digits.png"))?;
    assert!(w > 500 && h > 200, "{w}x{h}");
    assert!(colours > 20, "mnist_digits.png has {colours} colours");
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
