//! The `spiral_dropout` example, run as a user runs it: its printout follows the book's format
//! line for line, the same seed prints the same bytes, and another seed other numbers.

use std::path::PathBuf;
use std::process::Command;

use regex::Regex;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The example's binary, which `cargo test` builds beside the test binaries.
fn example() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().and_then(|deps| deps.parent()).ok_or("no target directory")?;
    let path = dir.join("examples").join(format!("spiral_dropout{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `cargo test --workspace`, which builds the examples", path.display())
            .into())
    }
}

fn run(args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = Command::new(example()?).args(args).output()?;
    if !out.status.success() {
        return Err(
            format!("spiral_dropout {args:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into()
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

#[test]
fn printout_follows_the_book_line_for_line() -> TestResult {
    let text = run(&["--epochs", "301"])?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let stats =
        r"acc: \d\.\d{3}, loss: \d+\.\d{3} \(data_loss: \d+\.\d{3}, reg_loss: \d+\.\d{3}\), lr: \d\.\d+";
    for (line, epoch) in lines.iter().zip([0, 100, 200, 300]) {
        assert!(Regex::new(&format!("^epoch: {epoch}, {stats}$"))?.is_match(line), "{line}");
    }
    assert!(lines[0].ends_with(", lr: 0.05"), "{}", lines[0]);
    assert!(
        lines[1].ends_with(", lr: 0.04975371909050202"),
        "lr after 99 steps, as Python prints it: {}",
        lines[1]
    );
    assert!(
        Regex::new(r"^validation, acc: \d\.\d{3}, loss: \d+\.\d{3}$")?.is_match(lines[4]),
        "{}",
        lines[4]
    );
    Ok(())
}

#[test]
fn same_seed_same_text_and_another_seed_other_numbers() -> TestResult {
    let a = run(&["--epochs", "201", "--seed", "3"])?;
    let b = run(&["--epochs", "201", "--seed", "3"])?;
    let c = run(&["--epochs", "201", "--seed", "4"])?;
    assert_eq!(a, b);
    assert_ne!(a, c);
    Ok(())
}
