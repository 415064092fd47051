//! Writing a file whole or not at all, without replacing what is not ours
//! to replace.
//!
//! [`write_atomic`] decides by what is at the path:
//!
//! * nothing, or a regular file: the new content goes to a temporary file in
//!   the same directory, flushed and renamed into place, so a reader (or a
//!   crash) sees the old file or the new one, never half of one;
//! * a symbolic link: the same for the file it points to (followed to the
//!   end of a chain); the link stays a link;
//! * a FIFO, a character or block device, or a socket: opened and written
//!   directly, never renamed over (`-o /dev/null`, `-o /dev/stdout`, a named
//!   pipe to another program);
//! * a directory: an error.
//!
//! Temporary files are named `.neardup-<pid>-<random>.tmp` and locked while
//! written. Each write removes the temporary files of earlier writers in its
//! directory that were left behind (a killed run): those whose process is
//! gone (on Linux, no `/proc/<pid>`; elsewhere, or when `/proc` is not
//! mounted, those older than a day) and that no process holds locked.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The start of every temporary file name.
pub const TEMP_PREFIX: &str = ".neardup-";
/// The end of every temporary file name.
pub const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file whose writer cannot be checked is stale after this.
pub const STALE_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Writes `path` as the module docs say: atomically when it is (or will be)
/// a regular file, directly when it is a FIFO or a device.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if meta.is_dir() {
            return Err(std::io::Error::other("is a directory"));
        }
        if !meta.is_file() {
            // A FIFO, device or socket: write into it, never rename over it.
            let file = std::fs::OpenOptions::new().write(true).open(&target)?;
            let mut w = std::io::BufWriter::new(file);
            write(&mut w)?;
            return w.flush();
        }
    }
    into_temp_then_rename(&target, |w| write(w))
}

/// The regular-file case of [`write_atomic`]: `write` fills a temporary
/// file beside `target` (links already followed), which is then flushed and
/// renamed over it.
fn into_temp_then_rename(
    target: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    remove_stale_temp_files(dir);
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // The file gets the mode a plain create would give it (0666 less the
    // umask), or keeps the mode of the file it replaces; not tempfile's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // Held until the file is closed: a cleanup by another process never
    // removes a temporary file that is being written.
    let _ = <File as fs4::FileExt>::try_lock(tmp.as_file());
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// What [`write_atomic_seekable`] writes to.
pub trait WriteSeek: Write + std::io::Seek {}
impl<T: Write + std::io::Seek> WriteSeek for T {}

/// [`write_atomic`] for a writer that seeks back (to fill in a header
/// last). A FIFO or device cannot seek: for those the content is put
/// together in memory and then written.
pub fn write_atomic_seekable(
    path: &Path,
    write: impl FnOnce(&mut dyn WriteSeek) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        // A directory (refused there) or a FIFO or device.
        let mut buf = std::io::Cursor::new(Vec::new());
        write(&mut buf)?;
        return write_atomic(path, |w| w.write_all(buf.get_ref()));
    }
    into_temp_then_rename(&target, |w| write(w))
}

/// Follows `path` through symbolic links to what is at the end of the chain
/// (which may not exist yet: a dangling link names the file to create).
pub fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other(
        "too many levels of symbolic links (a loop?)",
    ))
}

/// The pid in a temporary file name of ours: `Some(Some(pid))` for
/// `.neardup-<pid>-<random>.tmp`, `Some(None)` for the older
/// `.neardup-<random>.tmp` (no pid), `None` for any other name.
pub fn temp_file_pid(name: &str) -> Option<Option<u32>> {
    let middle = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    match middle.split_once('-') {
        Some((pid, rand)) if !rand.is_empty() => pid.parse().ok().map(Some),
        Some(_) => None,
        None if !middle.is_empty() && middle.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some(None)
        }
        None => None,
    }
}

/// Whether process `pid` is gone, when that can be told (Linux with
/// `/proc` mounted).
fn process_gone(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Some(!Path::new("/proc").join(pid.to_string()).exists())
    } else {
        None
    }
}

/// Removes the temporary files left in `dir` by writers that are gone (see
/// the module docs). Best effort: what cannot be read or removed is left.
/// Returns the names removed.
pub fn remove_stale_temp_files(dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = temp_file_pid(name) else {
            continue;
        };
        if pid == Some(me) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_AGE);
        let stale = match pid.and_then(process_gone) {
            Some(gone) => gone,
            None => old,
        };
        if !stale {
            continue;
        }
        // A writer in another pid namespace (a container) holds its lock.
        let path = entry.path();
        let Ok(f) = File::open(&path) else { continue };
        if <File as fs4::FileExt>::try_lock(&f).is_err() {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            removed.push(name.to_string());
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid above Linux's largest (`pid_max` is at most 2^22).
    const DEAD_PID: u32 = 999_999_999;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_the_usual_mode_and_replaced_files_keep_theirs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (plain, ours) = (dir.path().join("plain"), dir.path().join("ours"));
        std::fs::write(&plain, b"x").unwrap();
        write_atomic(&ours, |w| w.write_all(b"x")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
        std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&ours, |w| w.write_all(b"y")).unwrap();
        assert_eq!(mode(&ours), 0o640);
    }

    #[test]
    fn failed_write_leaves_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomic(&p, |w| w.write_all(b"good")).unwrap();
        let err = write_atomic(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("injected failure"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"good");
        // No temporary file is left behind.
        assert_eq!(names(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_seekable_write_fills_in_its_head_last_and_fails_whole() {
        use std::io::SeekFrom;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.idx");
        let body = |w: &mut dyn WriteSeek| {
            w.seek(SeekFrom::Start(4))?;
            w.write_all(b"body")?;
            w.seek(SeekFrom::Start(0))?;
            w.write_all(b"head")
        };
        write_atomic_seekable(&p, body).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"headbody");
        let err = write_atomic_seekable(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("injected failure"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"headbody");
        assert_eq!(names(dir.path()), ["out.idx"]);
        let err = write_atomic_seekable(dir.path(), body).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join("real.json");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("sub/real.json", &link).unwrap();
        let link2 = dir.path().join("link2.json");
        std::os::unix::fs::symlink("link.json", &link2).unwrap();
        write_atomic(&link2, |w| w.write_all(b"new")).unwrap();
        for l in [&link, &link2] {
            assert!(std::fs::symlink_metadata(l).unwrap().is_symlink());
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(names(&sub), ["real.json"]);
        // A dangling link names the file to create.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("sub/created", &dangling).unwrap();
        write_atomic(&dangling, |w| w.write_all(b"made")).unwrap();
        assert_eq!(std::fs::read(sub.join("created")).unwrap(), b"made");
        // A loop is an error, not a hang.
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", &b).unwrap();
        assert!(write_atomic(&a, |w| w.write_all(b"x")).is_err());
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_atomic(dir.path(), |w| w.write_all(b"x")).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn temp_file_names_carry_the_pid() {
        assert_eq!(temp_file_pid(".neardup-123-aB9xYz.tmp"), Some(Some(123)));
        assert_eq!(temp_file_pid(".neardup-aB9xYz.tmp"), Some(None));
        for other in [
            ".neardup-.tmp",
            ".neardup-x-.tmp",
            "neardup-1-a.tmp",
            "a.tmp",
        ] {
            assert_eq!(temp_file_pid(other), None, "{other}");
        }
        assert_eq!(temp_file_pid(".neardup-12x-abc.tmp"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_temp_files_of_dead_writers_are_removed_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dead = format!(".neardup-{DEAD_PID}-abcdef.tmp");
        let live = ".neardup-1-abcdef.tmp"; // pid 1 always exists
        let locked = format!(".neardup-{}-lockme.tmp", DEAD_PID - 1);
        let fresh_legacy = ".neardup-Xy12Zw.tmp";
        for n in [
            dead.as_str(),
            live,
            locked.as_str(),
            fresh_legacy,
            "keep.txt",
        ] {
            std::fs::write(dir.path().join(n), b"partial").unwrap();
        }
        let held = File::open(dir.path().join(&locked)).unwrap();
        <File as fs4::FileExt>::try_lock(&held).unwrap();
        write_atomic(&dir.path().join("out"), |w| w.write_all(b"x")).unwrap();
        let mut want = vec![
            fresh_legacy.to_string(),
            live.to_string(),
            locked.clone(),
            "keep.txt".into(),
            "out".into(),
        ];
        want.sort();
        assert_eq!(names(dir.path()), want);
        drop(held);
        // An old file without a pid is stale too.
        let legacy = File::options()
            .write(true)
            .open(dir.path().join(fresh_legacy))
            .unwrap();
        legacy
            .set_modified(SystemTime::now() - STALE_AGE - Duration::from_secs(60))
            .unwrap();
        drop(legacy);
        assert_eq!(
            remove_stale_temp_files(dir.path()),
            [locked, fresh_legacy.to_string()]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_into_and_stays_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        // Checked before joining: a reader of a replaced FIFO never returns.
        let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(ft.is_fifo());
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert_eq!(names(dir.path()), ["pipe"]);
    }
}
