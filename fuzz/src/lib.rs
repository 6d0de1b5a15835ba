//! What the fuzz targets share: a scratch data dir per fuzzing process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static SCRATCH: OnceLock<PathBuf> = OnceLock::new();

/// A fresh directory for `target`'s broker or log, on a tmpfs when there is one
/// (fsyncs cost nothing there), named by pid and removed when the process exits.
/// libFuzzer leaves a crashing process without running exit handlers, so the
/// directories of earlier runs whose pid is gone are removed here first.
pub fn scratch_dir(target: &str) -> PathBuf {
    SCRATCH
        .get_or_init(|| {
            let shm = Path::new("/dev/shm");
            let root = if shm.is_dir() { shm.to_owned() } else { std::env::temp_dir() };
            let prefix = format!("strand-fuzz-{target}-");
            for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix(&prefix) {
                    if !Path::new("/proc").join(pid).exists() {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
            let dir = root.join(format!("{prefix}{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            // SAFETY: registers a plain extern "C" function that touches only SCRATCH.
            unsafe { libc::atexit(remove_scratch) };
            dir
        })
        .clone()
}

extern "C" fn remove_scratch() {
    if let Some(dir) = SCRATCH.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
