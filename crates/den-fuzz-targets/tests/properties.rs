//! The fuzz targets on bounded input in every test run (no nightly needed): each seed of
//! `fuzz/corpus/<target>/` as it is and mutated, then random bytes and random text built
//! from the characters that matter to these formats. A panic, stack overflow or hang fails
//! the run; errors are expected.

use std::path::{Path, PathBuf};

use den_fuzz_targets::TARGETS;
use proptest::prelude::*;

/// `fuzz/corpus/<target>/*` (the seeds cargo-fuzz starts from).
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("no seed corpus at {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|file| std::fs::read(file).unwrap())
        .collect()
}

#[test]
fn every_target_has_seeds_and_survives_them() {
    for (name, target) in TARGETS {
        let seeds = seeds(name);
        assert!(!seeds.is_empty(), "fuzz/corpus/{name} is empty");
        for seed in &seeds {
            target(seed);
        }
    }
}

/// Text made of what these formats are built from: names, operators, quotes, brackets,
/// separators, markers' words, headers, CSV and INI punctuation, newlines and non-ASCII.
fn format_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "foo",
        "-",
        "_",
        ".",
        "1",
        "0",
        "==",
        ">=",
        "~=",
        "!=",
        "<",
        "*",
        ",",
        ";",
        "@",
        "[",
        "]",
        "(",
        ")",
        "'",
        "\"",
        " ",
        "\t",
        "\n",
        "\r\n",
        "#",
        "=",
        ":",
        "/",
        "..",
        "é",
        "and",
        "or",
        "in",
        "not",
        "python_version",
        "extra",
        "os_name",
        "file://",
        "https://",
        "-r ",
        "-e ",
        "--hash=sha256:",
        "Name: ",
        "Version: ",
        "Requires-Dist: ",
        "sha256=",
        "home = ",
        "[",
        "<a href=\"",
        "\">",
        "</a>",
        "{",
        "}",
        "\"files\"",
        "[packages]\n",
        "[[source]]\n",
        "requests = ",
        "{version = \"*\"}",
        "\"_meta\": ",
        "\"default\": {",
        "[scripts]\n",
        "[pipenv]\nsort_pipfile = true\n",
        "\\",
        "\0",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn text_targets_survive_format_shaped_text(text in format_text()) {
        for (name, target) in TARGETS {
            if !matches!(*name, "wheel" | "sdist") {
                target(text.as_bytes());
            }
        }
    }

    #[test]
    fn every_target_survives_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for (_, target) in TARGETS {
            target(&bytes);
        }
    }

    #[test]
    fn every_target_survives_mutated_seeds(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        for (name, target) in TARGETS {
            let seeds = seeds(name);
            let mut seed = seeds[pick.index(seeds.len())].clone();
            if seed.is_empty() {
                continue;
            }
            for (at, byte) in &flips {
                let at = at.index(seed.len());
                seed[at] = *byte;
            }
            target(&seed);
            target(&seed[..cut.index(seed.len())]);
        }
    }
}
