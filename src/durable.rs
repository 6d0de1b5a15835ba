//! Small files that must survive a crash whole: either the old contents or the
//! new, never a mix. Every such file in the data dir (the log's checkpoints and
//! producer snapshots, `meta.properties`, `partition.metadata`, `producer-ids`,
//! the compacted offset store) is written through here.

use std::io::Write;
use std::path::{Path, PathBuf};

/// An I/O failure and the file it happened on, which each layer wraps in its own error.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct Error {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl Error {
    fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error { path: path.to_owned(), source }
    }
}

/// Write a temporary file beside `path`, fsync it, rename it over `path`, fsync
/// the directory: after a crash `path` holds the old or the new contents.
pub fn write_durably(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(Error::at(&tmp))?;
    file.write_all(contents).map_err(Error::at(&tmp))?;
    file.sync_all().map_err(Error::at(&tmp))?;
    std::fs::rename(&tmp, path).map_err(Error::at(path))?;
    // A bare file name's parent is "", which is the current dir.
    sync_dir(path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

/// Makes a directory's entries (a rename, a new or removed file) durable.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(Error::at(dir))
}
