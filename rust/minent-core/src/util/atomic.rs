//! File output. A new path or an existing regular file (or a symlink, which the rename
//! replaces) is written atomically: to a temporary file in the destination's directory,
//! fsync, rename over the destination, fsync the directory. A crash at any moment leaves
//! either the old file or the complete new one; an error removes the temporary file. With
//! a [`Control`], the rename waits for [`Control::commit`], taken once the data is on
//! disk: a cancelled operation publishes nothing, and one that committed only has the
//! rename left.
//!
//! A destination that is a stream is written in place, never replaced: an existing
//! character device (`/dev/null`, a terminal), FIFO (`>(gzip > x.gz)`, which is a
//! `/dev/fd/N` link to a pipe) or Unix socket, and `-` for standard output. Its write
//! errors (ENOSPC on a full device, EPIPE) are errors of the call. A block device is
//! refused: writing over a disk is never what a corpus tool should do.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::util::control::Control;
use crate::util::error::{Error, Result};

/// Flush `w` and ask the system to start writing the file's data to disk now (Linux:
/// `sync_file_range`, which does not wait), so the fsync before the rename finds little
/// left to do. Call it after each large piece of output; elsewhere it only flushes.
pub fn flush_and_start_writeback(w: &mut BufWriter<File>) -> std::io::Result<()> {
    use std::io::Write;
    w.flush()?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only schedules writeback of its pages.
        // Its result is ignored: it is a hint (a sandbox may forbid it), and write errors
        // surface at the fsync that always follows.
        let _ = unsafe { libc::sync_file_range(w.get_ref().as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    }
    Ok(())
}

/// Filesystems where renaming over an open file is one atomic step: ext2/3/4, XFS,
/// Btrfs, tmpfs, F2FS. (NFS and FUSE first move an open target aside, SMB may refuse.)
#[cfg(target_os = "linux")]
const LOCAL_FS: [i64; 5] = [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0xF2F5_2010];

/// A handle on `dest` if it is a large regular file on a local Linux filesystem (the
/// same one as `tmp`, in the same directory), opened without blocking or following a
/// symlink; `None` otherwise. See the rename in [`write_atomic_gated`].
#[cfg(target_os = "linux")]
fn hold_replaced(tmp: &File, dest: &Path) -> Option<File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // SAFETY: statfs is plain old data; fstatfs fills it for a valid descriptor.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(tmp.as_raw_fd(), &mut st) } != 0 || !LOCAL_FS.contains(&(st.f_type as i64)) {
        return None;
    }
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(dest)
        .ok()?;
    f.metadata().is_ok_and(|m| m.is_file() && m.len() > 1 << 20).then_some(f)
}

/// Where an output goes: replaced atomically, or written in place as a stream.
enum Destination {
    Replace,
    Stream(File),
}

/// Classify `dest` (symlinks followed, so `/dev/fd/N` and `/dev/stdout` are what they
/// point to). A missing or dangling path, a regular file or a directory (whose rename
/// then fails as before) is replaced; a stream is opened for writing, without creating
/// or truncating anything.
fn destination(dest: &Path) -> Result<Destination> {
    use std::os::unix::fs::FileTypeExt;
    if dest.as_os_str() == "-" {
        use std::os::fd::AsFd;
        let fd = std::io::stdout().as_fd().try_clone_to_owned().map_err(|e| Error::io("<stdout>", e))?;
        return Ok(Destination::Stream(File::from(fd)));
    }
    let kind = match fs::metadata(dest) {
        Ok(m) => m.file_type(),
        Err(_) => return Ok(Destination::Replace),
    };
    if kind.is_char_device() || kind.is_fifo() {
        let f = fs::OpenOptions::new().write(true).open(dest).map_err(|e| Error::io(dest, e))?;
        return Ok(Destination::Stream(f));
    }
    if kind.is_socket() {
        let s = std::os::unix::net::UnixStream::connect(dest).map_err(|e| Error::io(dest, e))?;
        return Ok(Destination::Stream(File::from(std::os::fd::OwnedFd::from(s))));
    }
    if kind.is_block_device() {
        return Err(Error::arg(format!(
            "{}: is a block device; refusing to write over it (give a file, a FIFO or '-')",
            dest.display()
        )));
    }
    Ok(Destination::Replace)
}

/// Write a stream destination in place: flushed, not synced (a device or pipe has no
/// file to sync); every write or flush error is the call's error, naming `dest`.
fn write_stream<T>(
    dest: &Path,
    file: File,
    ctl: Option<&Control>,
    write: impl FnOnce(&mut BufWriter<File>, &Path) -> Result<T>,
) -> Result<T> {
    let name: &Path = if dest.as_os_str() == "-" { Path::new("<stdout>") } else { dest };
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let value = write(&mut w, name)?;
    w.into_inner().map_err(|e| Error::io(name, e.into_error()))?;
    if let Some(ctl) = ctl {
        ctl.commit()?;
    }
    Ok(value)
}

pub fn write_atomic<T>(dest: &Path, write: impl FnOnce(&mut BufWriter<File>, &Path) -> Result<T>) -> Result<T> {
    write_atomic_gated(dest, None, write)
}

/// [`write_atomic`] for a cancellable operation: nothing is published once `ctl` is cancelled.
pub fn write_atomic_ctl<T>(
    dest: &Path,
    ctl: &Control,
    write: impl FnOnce(&mut BufWriter<File>, &Path) -> Result<T>,
) -> Result<T> {
    write_atomic_gated(dest, Some(ctl), write)
}

fn write_atomic_gated<T>(
    dest: &Path,
    ctl: Option<&Control>,
    write: impl FnOnce(&mut BufWriter<File>, &Path) -> Result<T>,
) -> Result<T> {
    if let Destination::Stream(file) = destination(dest)? {
        return write_stream(dest, file, ctl, write);
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".{name}.tmp-{}-{nanos}", std::process::id()));
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let value = write(&mut w, &tmp)?;
        let file = w.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        // The file being replaced is freed when its last handle closes: inside the rename
        // if none is open, which for a large file (its cached pages are released) takes
        // milliseconds. Hold a handle across the rename and close it in the background.
        #[cfg(target_os = "linux")]
        let replaced = hold_replaced(&file, dest);
        drop(file);
        if let Some(ctl) = ctl {
            ctl.commit()?; // the point of no return: from here on only the rename is left
        }
        fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))?;
        #[cfg(target_os = "linux")]
        if let Some(f) = replaced {
            // if no thread can be started, the closure (and the handle) is dropped here
            let _ = std::thread::Builder::new().name("minent-close".into()).spawn(move || drop(f));
        }
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_cancelled_write_publishes_nothing_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.txt");
        fs::write(&dest, "old").unwrap();
        let ctl = Control::new();
        let r = write_atomic_ctl(&dest, &ctl, |w, tmp| {
            w.write_all(b"new").map_err(|e| Error::io(tmp, e))?;
            ctl.cancel(); // Ctrl-C arrives after the data was written, before the rename
            Ok(())
        });
        assert!(matches!(r, Err(Error::Cancelled)));
        assert_eq!(fs::read_to_string(&dest).unwrap(), "old"); // the user's file is untouched
        assert_eq!(leftovers(dir.path()), vec!["out.txt".to_string()]);

        let ctl = Control::new();
        write_atomic_ctl(&dest, &ctl, |w, tmp| w.write_all(b"new").map_err(|e| Error::io(tmp, e))).unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "new");
        assert!(!ctl.cancel()); // committed: too late to cancel
    }

    #[test]
    fn replacing_a_large_file_with_early_writeback() {
        // a > 1 MB destination is replaced while a handle to it is held (closed in the
        // background); output flushed in pieces with early writeback reads back whole
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("big.txt");
        fs::write(&dest, vec![b'o'; 3 << 20]).unwrap();
        let piece = vec![b'n'; 1 << 20];
        write_atomic(&dest, |w, tmp| {
            for _ in 0..3 {
                w.write_all(&piece).map_err(|e| Error::io(tmp, e))?;
                flush_and_start_writeback(w).map_err(|e| Error::io(tmp, e))?;
            }
            w.write_all(b"end").map_err(|e| Error::io(tmp, e))
        })
        .unwrap();
        let got = fs::read(&dest).unwrap();
        assert_eq!(got.len(), (3 << 20) + 3);
        assert!(got[..3 << 20].iter().all(|&b| b == b'n') && got.ends_with(b"end"));
        assert_eq!(leftovers(dir.path()), vec!["big.txt".to_string()]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_large_regular_files_are_held_across_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = File::create(dir.path().join("tmp")).unwrap();
        let big = dir.path().join("big");
        fs::write(&big, vec![0u8; 2 << 20]).unwrap();
        let small = dir.path().join("small");
        fs::write(&small, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&big, &link).unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let local = {
            let mut st: libc::statfs = unsafe { std::mem::zeroed() };
            use std::os::fd::AsRawFd;
            assert_eq!(unsafe { libc::fstatfs(tmp.as_raw_fd(), &mut st) }, 0);
            LOCAL_FS.contains(&(st.f_type as i64))
        };
        assert_eq!(hold_replaced(&tmp, &big).is_some(), local);
        assert!(hold_replaced(&tmp, &small).is_none());
        assert!(hold_replaced(&tmp, &link).is_none()); // not followed
        assert!(hold_replaced(&tmp, &fifo).is_none()); // opened without blocking, not held
        assert!(hold_replaced(&tmp, &dir.path().join("missing")).is_none());
    }

    fn mknod(path: &Path, kind: libc::mode_t, major: u32, minor: u32) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; the call only creates a node in a temporary directory
        let r = unsafe { libc::mknod(c.as_ptr(), kind | 0o600, libc::makedev(major, minor)) };
        assert_eq!(r, 0, "mknod {}: {} (the tests run as root)", path.display(), std::io::Error::last_os_error());
    }

    #[test]
    fn a_device_destination_is_written_in_place_and_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let null = dir.path().join("null");
        mknod(&null, libc::S_IFCHR, 1, 3);
        let n = write_atomic(&null, |w, p| w.write_all(&[b'x'; 3 << 20]).map_err(|e| Error::io(p, e)).map(|_| 7)).unwrap();
        assert_eq!(n, 7);
        assert!(fs::metadata(&null).unwrap().file_type().is_char_device());
        // a full device: the error is the call's, and the node is still a device
        let full = dir.path().join("full");
        mknod(&full, libc::S_IFCHR, 1, 7);
        let ctl = Control::new();
        let r = write_atomic_ctl(&full, &ctl, |w, p| w.write_all(&[b'x'; 3 << 20]).map_err(|e| Error::io(p, e)));
        match r {
            Err(Error::Io { path, source }) => {
                assert_eq!(path, full);
                assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
            }
            other => panic!("expected ENOSPC, got {other:?}"),
        }
        assert!(fs::metadata(&full).unwrap().file_type().is_char_device());
        // a block device is refused, untouched
        let blk = dir.path().join("blk");
        mknod(&blk, libc::S_IFBLK, 7, 200);
        assert!(matches!(write_atomic(&blk, |_, _| Ok(())), Err(Error::InvalidArgument(_))));
        assert!(fs::metadata(&blk).unwrap().file_type().is_block_device());
        let mut names = leftovers(dir.path());
        names.sort();
        assert_eq!(names, vec!["blk", "full", "null"]);
    }

    #[test]
    fn fifo_socket_and_symlink_destinations() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        // a FIFO (what `>(cmd)` gives) is streamed to its reader, and stays a FIFO
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                File::open(&fifo).unwrap().read_to_end(&mut got).unwrap();
                got
            })
        };
        write_atomic(&fifo, |w, p| w.write_all(b"through the pipe").map_err(|e| Error::io(p, e))).unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
        // a Unix socket gets a connection
        let sock = dir.path().join("sock");
        let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let server = std::thread::spawn(move || {
            let mut got = Vec::new();
            listener.accept().unwrap().0.read_to_end(&mut got).unwrap();
            got
        });
        write_atomic(&sock, |w, p| w.write_all(b"over the socket").map_err(|e| Error::io(p, e))).unwrap();
        assert_eq!(server.join().unwrap(), b"over the socket");
        // a symlink to a regular file is replaced by the new file, the target kept
        let target = dir.path().join("target");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, |w, p| w.write_all(b"new").map_err(|e| Error::io(p, e))).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(fs::read_to_string(&link).unwrap(), "new");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    }
}
