//! Reading fixture files and folders at start-up: the file system's part of loading
//! fixtures; the domain (`domain::fixtures`) reads their text.

use std::path::{Path, PathBuf};

use crate::domain::fixtures::{FixtureError, Fixtures, extension, parse, unreadable};

/// Loads each path in order: a file, or a folder whose `.json` and `.ndjson` files load in
/// name order.
pub(super) fn load(paths: &[PathBuf]) -> Result<Fixtures, FixtureError> {
    let mut all = Fixtures::default();
    for path in paths {
        for file in files_of(path)? {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| unreadable(&file, format!("cannot read: {e}")))?;
            let loaded = parse(&file, &text)?;
            all.events.extend(loaded.events);
            all.parties.extend(loaded.parties);
        }
    }
    Ok(all)
}

fn files_of(path: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let metadata =
        std::fs::metadata(path).map_err(|e| unreadable(path, format!("cannot open: {e}")))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| unreadable(path, format!("cannot list: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|file| {
            file.is_file() && matches!(extension(file).as_deref(), Some("json" | "ndjson"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(unreadable(
            path,
            "the folder holds no .json or .ndjson file".into(),
        ));
    }
    Ok(files)
}
