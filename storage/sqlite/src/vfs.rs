//! The VFS file connections open through: the platform's default SQLite VFS with one
//! change, in how a commit's frames reach the write-ahead log.
//!
//! SQLite writes each WAL frame as two `write` calls: its 24-byte header, then its page.
//! A CM-22 command commits about four frames, so eight system calls, which on a virtual
//! machine cost more than the bytes they copy (measured here: 4.9 µs a commit, against
//! 1.8 µs for one call carrying the same frames). This VFS keeps the frames a
//! transaction appends in a buffer and writes them with one call: when the frame that
//! commits the transaction is complete (its header carries the database size, which
//! only a commit frame does), when the buffer holds [`FLUSH_AT`] bytes, or before
//! anything else touches the WAL file (a read, a sync, a truncation, its size, a write
//! elsewhere, closing it).
//!
//! Why that is safe: SQLite makes a commit visible to other connections (the WAL index
//! header in shared memory) only after the commit frame's write has returned, and that
//! write is the one that flushes the buffer and reports its failure, so a failed write
//! fails the commit exactly as before, and no reader is ever pointed at bytes still in
//! the buffer. Frames of a transaction that spills to the WAL before it commits are not
//! visible to anyone but their own connection, whose reads of the WAL flush first.
//! Durability is unchanged: the bytes reach the operating system at the same points of
//! a commit as before, and `synchronous = FULL` syncs after them as before.
//!
//! One more case: a transaction larger than the page cache spills frames to the WAL
//! before it commits, and if it then rolls back, no commit frame ever flushes them. The
//! main database file therefore knows its connection's WAL, and before the connection
//! lets go of its locks on the WAL index (the write lock among them) the WAL writes what
//! it holds, where SQLite leaves rolled-back frames itself: past the last commit. So no
//! buffered frame can ever land on frames another connection appended later.
//!
//! Only the main database file and its WAL are ours; journals and temporary files are
//! the default VFS's own, untouched. Every method forwards to the default VFS's file.

use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;
use std::sync::OnceLock;

/// The name connections ask for.
const NAME: &CStr = c"casekit";

/// The size of a WAL frame header (and of nothing else SQLite writes to a WAL).
const FRAME_HEADER: usize = 24;

/// Frames buffered before they are written even without a commit (a large transaction,
/// say an import's, writes its frames in pieces of about this size).
const FLUSH_AT: usize = 256 * 1024;

/// The most one call to the default VFS writes: the unix VFS takes at most 128 KiB - 1
/// a call (it masks larger sizes, and the write then comes up short).
const MAX_WRITE: usize = 64 * 1024;

/// The VFS's name, registering it the first time (for the whole process); `None` if
/// SQLite has no default VFS to build on, and connections then open with the default.
pub(crate) fn name() -> Option<&'static CStr> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    // SAFETY: `register` runs once, and only reads the default VFS SQLite hands out.
    REGISTERED.get_or_init(|| unsafe { register() }).then_some(NAME)
}

/// Opens a file connection through this VFS (through the default one if it could not
/// be registered).
pub(crate) fn open(path: &std::path::Path, flags: rusqlite::OpenFlags) -> rusqlite::Result<rusqlite::Connection> {
    match name() {
        Some(vfs) => rusqlite::Connection::open_with_flags_and_vfs(path, flags, vfs),
        None => rusqlite::Connection::open_with_flags(path, flags),
    }
}

/// The default VFS, which ours forwards to (stored in our VFS's `pAppData`).
unsafe fn base_of(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    (*vfs).pAppData.cast()
}

unsafe fn register() -> bool {
    let base = ffi::sqlite3_vfs_find(ptr::null());
    if base.is_null() {
        return false;
    }
    let b = &*base;
    let Ok(size) = c_int::try_from(std::mem::size_of::<File>()) else { return false };
    let vfs = Box::new(ffi::sqlite3_vfs {
        // Version 2: what every platform's default VFS offers (version 3 adds only the
        // system-call overrides SQLite's own tests use).
        iVersion: b.iVersion.min(2),
        szOsFile: b.szOsFile.saturating_add(size),
        mxPathname: b.mxPathname,
        pNext: ptr::null_mut(),
        zName: NAME.as_ptr(),
        pAppData: base.cast(),
        xOpen: Some(x_open),
        xDelete: Some(x_delete),
        xAccess: Some(x_access),
        xFullPathname: Some(x_full_pathname),
        xDlOpen: Some(x_dl_open),
        xDlError: Some(x_dl_error),
        xDlSym: Some(x_dl_sym),
        xDlClose: Some(x_dl_close),
        xRandomness: Some(x_randomness),
        xSleep: Some(x_sleep),
        xCurrentTime: Some(x_current_time),
        xGetLastError: Some(x_get_last_error),
        xCurrentTimeInt64: Some(x_current_time_int64),
        xSetSystemCall: None,
        xGetSystemCall: None,
        xNextSystemCall: None,
    });
    // Registered for the life of the process (SQLite keeps the pointer): leaked on purpose.
    let vfs = Box::into_raw(vfs);
    if ffi::sqlite3_vfs_register(vfs, 0) == ffi::SQLITE_OK {
        true
    } else {
        drop(Box::from_raw(vfs));
        false
    }
}

/// A main database file or a WAL, as SQLite sees it: ours, with the default VFS's file
/// (`real`) in the same allocation, right after this struct.
#[repr(C)]
struct File {
    /// SQLite's view: our methods.
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// A WAL's frames not written yet (`None` for a main database file).
    frames: Option<Frames>,
    /// The other file of the same connection (pager), once both are open: a main
    /// database file's WAL, a WAL's main database file. Null otherwise.
    peer: *mut File,
}

/// What a WAL keeps of the frames being appended.
struct Frames {
    /// Bytes not written yet, to be written at `pending_at`.
    pending: Vec<u8>,
    pending_at: i64,
    /// Where the last write through this file (buffered or not) ended.
    last_end: i64,
    /// Whether that write ended a frame (its page) or was the WAL's own header: only
    /// then does a 24-byte write at `last_end` start a frame.
    at_frame_boundary: bool,
    /// The last buffered write is a frame header, whose page comes next.
    header_held: bool,
    /// That header is a commit frame's.
    commit_held: bool,
}

impl File {
    unsafe fn real_methods(&self) -> &ffi::sqlite3_io_methods {
        &*(*self.real).pMethods
    }

    /// Writes what a WAL has buffered (nothing for a main database file).
    unsafe fn flush(&mut self) -> c_int {
        let real = self.real;
        let Some(fr) = &mut self.frames else { return ffi::SQLITE_OK };
        fr.header_held = false;
        fr.commit_held = false;
        let mut rc = ffi::SQLITE_OK;
        let mut at = fr.pending_at;
        for piece in fr.pending.chunks(MAX_WRITE) {
            rc = write_real(real, piece, at);
            if rc != ffi::SQLITE_OK {
                break;
            }
            at = at.saturating_add(piece.len() as i64);
        }
        fr.pending.clear();
        if fr.pending.capacity() > FLUSH_AT * 2 {
            fr.pending.shrink_to(FLUSH_AT);
        }
        rc
    }

    /// `data` written at `offset`: for a WAL, buffered if it is the next piece of a
    /// frame, else written (after whatever is buffered).
    unsafe fn write(&mut self, data: &[u8], offset: i64) -> c_int {
        let end = offset.saturating_add(i64::try_from(data.len()).unwrap_or(i64::MAX));
        if let Some(fr) = &mut self.frames {
            if offset == fr.last_end {
                if fr.header_held {
                    // The page of the frame whose header is buffered.
                    fr.pending.extend_from_slice(data);
                    fr.header_held = false;
                    fr.last_end = end;
                    fr.at_frame_boundary = true;
                    if fr.commit_held || fr.pending.len() >= FLUSH_AT {
                        return self.flush();
                    }
                    return ffi::SQLITE_OK;
                }
                if fr.at_frame_boundary && data.len() == FRAME_HEADER {
                    if fr.pending.is_empty() {
                        fr.pending_at = offset;
                    }
                    fr.pending.extend_from_slice(data);
                    fr.header_held = true;
                    // Bytes 4..8 of a frame header: the database size after a commit,
                    // zero in every other frame.
                    fr.commit_held = data.get(4..8).is_some_and(|size| size != [0, 0, 0, 0]);
                    fr.last_end = end;
                    fr.at_frame_boundary = false;
                    return ffi::SQLITE_OK;
                }
            }
            let rc = self.flush();
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        let rc = write_real(self.real, data, offset);
        if let (Some(fr), ffi::SQLITE_OK) = (&mut self.frames, rc) {
            fr.last_end = end;
            fr.at_frame_boundary = data.len() != FRAME_HEADER;
        }
        rc
    }

    /// Flushes, then runs `op` on the default VFS's file, or answers `missing` if it
    /// has no such method.
    unsafe fn then<F>(
        &mut self,
        method: Option<F>,
        missing: c_int,
        op: impl FnOnce(F, *mut ffi::sqlite3_file) -> c_int,
    ) -> c_int {
        let rc = self.flush();
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        match method {
            Some(m) => op(m, self.real),
            None => missing,
        }
    }
}

/// One write through the default VFS's file.
unsafe fn write_real(real: *mut ffi::sqlite3_file, data: &[u8], offset: i64) -> c_int {
    let Ok(amount) = c_int::try_from(data.len()) else { return ffi::SQLITE_IOERR_WRITE };
    #[cfg(test)]
    tests::count_write();
    match (*(*real).pMethods).xWrite {
        Some(write) => write(real, data.as_ptr().cast(), amount, offset),
        None => ffi::SQLITE_IOERR_WRITE,
    }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(f_close),
    xRead: Some(f_read),
    xWrite: Some(f_write),
    xTruncate: Some(f_truncate),
    xSync: Some(f_sync),
    xFileSize: Some(f_file_size),
    xLock: Some(f_lock),
    xUnlock: Some(f_unlock),
    xCheckReservedLock: Some(f_check_reserved_lock),
    xFileControl: Some(f_file_control),
    xSectorSize: Some(f_sector_size),
    xDeviceCharacteristics: Some(f_device_characteristics),
    xShmMap: Some(f_shm_map),
    xShmLock: Some(f_shm_lock),
    xShmBarrier: Some(f_shm_barrier),
    xShmUnmap: Some(f_shm_unmap),
    xFetch: Some(f_fetch),
    xUnfetch: Some(f_unfetch),
};

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let base = base_of(vfs);
    let Some(open) = (*base).xOpen else { return ffi::SQLITE_CANTOPEN };
    let wal = flags & ffi::SQLITE_OPEN_WAL != 0;
    if !wal && flags & ffi::SQLITE_OPEN_MAIN_DB == 0 {
        // Journals and temporary files: the default VFS's own file, in our file's place.
        return open(base, name, file, flags, out_flags);
    }
    let ours = file.cast::<File>();
    let real = ours.add(1).cast::<ffi::sqlite3_file>();
    // Until the open succeeds SQLite must see no methods (it then calls no `xClose`).
    (*file).pMethods = ptr::null();
    let rc = open(base, name, real, flags, out_flags);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if (*real).pMethods.is_null() {
        // The default VFS opened nothing to close: neither do we.
        return ffi::SQLITE_CANTOPEN;
    }
    let frames = wal.then(|| Frames {
        pending: Vec::new(),
        pending_at: 0,
        last_end: -1,
        at_frame_boundary: false,
        header_held: false,
        commit_held: false,
    });
    ptr::write(ours, File { base: ffi::sqlite3_file { pMethods: &METHODS }, real, frames, peer: ptr::null_mut() });
    if wal && !name.is_null() {
        // The main database file of this WAL's connection: told when the connection
        // lets go of the WAL's write lock (see `f_shm_lock`).
        let db = ffi::sqlite3_database_file_object(name);
        if !db.is_null() && ptr::eq((*db).pMethods, &METHODS) {
            let db = db.cast::<File>();
            (*db).peer = ours;
            (*ours).peer = db;
        }
    }
    ffi::SQLITE_OK
}

unsafe fn file<'a>(f: *mut ffi::sqlite3_file) -> &'a mut File {
    &mut *f.cast::<File>()
}

unsafe extern "C" fn f_close(f: *mut ffi::sqlite3_file) -> c_int {
    let me = file(f);
    let flushed = me.flush();
    if !me.peer.is_null() {
        (*me.peer).peer = ptr::null_mut();
    }
    let closed = match me.real_methods().xClose {
        Some(close) => close(me.real),
        None => ffi::SQLITE_OK,
    };
    ptr::drop_in_place(f.cast::<File>());
    (*f).pMethods = ptr::null();
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        closed
    }
}

unsafe extern "C" fn f_read(f: *mut ffi::sqlite3_file, buf: *mut c_void, amount: c_int, offset: i64) -> c_int {
    let me = file(f);
    me.then(me.real_methods().xRead, ffi::SQLITE_IOERR_READ, |read, real| read(real, buf, amount, offset))
}

unsafe extern "C" fn f_write(f: *mut ffi::sqlite3_file, buf: *const c_void, amount: c_int, offset: i64) -> c_int {
    let Ok(len) = usize::try_from(amount) else { return ffi::SQLITE_IOERR_WRITE };
    if buf.is_null() && len > 0 {
        return ffi::SQLITE_IOERR_WRITE;
    }
    let data = if len == 0 { &[][..] } else { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
    file(f).write(data, offset)
}

unsafe extern "C" fn f_truncate(f: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let me = file(f);
    if let Some(fr) = &mut me.frames {
        fr.at_frame_boundary = false;
    }
    me.then(me.real_methods().xTruncate, ffi::SQLITE_IOERR_TRUNCATE, |truncate, real| truncate(real, size))
}

unsafe extern "C" fn f_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let me = file(f);
    me.then(me.real_methods().xSync, ffi::SQLITE_IOERR_FSYNC, |sync, real| sync(real, flags))
}

unsafe extern "C" fn f_file_size(f: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    let me = file(f);
    me.then(me.real_methods().xFileSize, ffi::SQLITE_IOERR_FSTAT, |file_size, real| file_size(real, size))
}

unsafe extern "C" fn f_lock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let me = file(f);
    me.real_methods().xLock.map_or(ffi::SQLITE_OK, |lock| lock(me.real, level))
}

unsafe extern "C" fn f_unlock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let me = file(f);
    me.real_methods().xUnlock.map_or(ffi::SQLITE_OK, |unlock| unlock(me.real, level))
}

unsafe extern "C" fn f_check_reserved_lock(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    let me = file(f);
    match me.real_methods().xCheckReservedLock {
        Some(check) => check(me.real, out),
        None => {
            if !out.is_null() {
                *out = 0;
            }
            ffi::SQLITE_OK
        }
    }
}

unsafe extern "C" fn f_file_control(f: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    let me = file(f);
    me.then(me.real_methods().xFileControl, ffi::SQLITE_NOTFOUND, |control, real| control(real, op, arg))
}

unsafe extern "C" fn f_sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    let me = file(f);
    me.real_methods().xSectorSize.map_or(4096, |size| size(me.real))
}

unsafe extern "C" fn f_device_characteristics(f: *mut ffi::sqlite3_file) -> c_int {
    let me = file(f);
    me.real_methods().xDeviceCharacteristics.map_or(0, |chars| chars(me.real))
}

// Shared memory and memory mapping belong to the main database file (a WAL has
// neither); forwarded as they are.

unsafe extern "C" fn f_shm_map(
    f: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    let me = file(f);
    let methods = me.real_methods();
    match (methods.iVersion >= 2, methods.xShmMap) {
        (true, Some(map)) => map(me.real, page, page_size, extend, out),
        _ => ffi::SQLITE_IOERR_SHMMAP,
    }
}

/// The one place the main database file does more than forward: before the connection
/// lets go of a lock on the WAL index (the write lock among them), its WAL writes what
/// it buffered. Whatever is buffered then belongs to a transaction that did not commit
/// (a commit's frames were written when its last frame was), such as frames a large
/// transaction spilled before it rolled back: once the write lock is gone another
/// connection may append frames where these lie, and they must not be written over it
/// later. Written now, while the lock is still held, they are beyond the WAL's last
/// commit, where SQLite leaves such frames itself.
unsafe extern "C" fn f_shm_lock(f: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    let me = file(f);
    if flags & ffi::SQLITE_SHM_UNLOCK != 0 && !me.peer.is_null() {
        // A failed write drops the frames (`flush` empties the buffer either way): they
        // were never part of a commit, and the unlock goes ahead.
        let _ = (*me.peer).flush();
    }
    let methods = me.real_methods();
    match (methods.iVersion >= 2, methods.xShmLock) {
        (true, Some(lock)) => lock(me.real, offset, n, flags),
        _ => ffi::SQLITE_IOERR_SHMLOCK,
    }
}

unsafe extern "C" fn f_shm_barrier(f: *mut ffi::sqlite3_file) {
    let me = file(f);
    let methods = me.real_methods();
    if let (true, Some(barrier)) = (methods.iVersion >= 2, methods.xShmBarrier) {
        barrier(me.real);
    }
}

unsafe extern "C" fn f_shm_unmap(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    let me = file(f);
    let methods = me.real_methods();
    match (methods.iVersion >= 2, methods.xShmUnmap) {
        (true, Some(unmap)) => unmap(me.real, delete),
        _ => ffi::SQLITE_OK,
    }
}

unsafe extern "C" fn f_fetch(f: *mut ffi::sqlite3_file, offset: i64, amount: c_int, out: *mut *mut c_void) -> c_int {
    let me = file(f);
    let methods = me.real_methods();
    match (methods.iVersion >= 3, methods.xFetch) {
        (true, Some(fetch)) => fetch(me.real, offset, amount, out),
        _ => {
            // No mapping: SQLite reads with `xRead` instead.
            if !out.is_null() {
                *out = ptr::null_mut();
            }
            ffi::SQLITE_OK
        }
    }
}

unsafe extern "C" fn f_unfetch(f: *mut ffi::sqlite3_file, offset: i64, p: *mut c_void) -> c_int {
    let me = file(f);
    let methods = me.real_methods();
    match (methods.iVersion >= 3, methods.xUnfetch) {
        (true, Some(unfetch)) => unfetch(me.real, offset, p),
        _ => ffi::SQLITE_OK,
    }
}

// The VFS's own methods: the default VFS's, called with the default VFS.

unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    let base = base_of(vfs);
    (*base).xDelete.map_or(ffi::SQLITE_IOERR_DELETE, |f| f(base, name, sync_dir))
}

unsafe extern "C" fn x_access(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    let base = base_of(vfs);
    (*base).xAccess.map_or(ffi::SQLITE_IOERR_ACCESS, |f| f(base, name, flags, out))
}

unsafe extern "C" fn x_full_pathname(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    let base = base_of(vfs);
    (*base).xFullPathname.map_or(ffi::SQLITE_CANTOPEN, |f| f(base, name, n, out))
}

unsafe extern "C" fn x_dl_open(vfs: *mut ffi::sqlite3_vfs, name: *const c_char) -> *mut c_void {
    let base = base_of(vfs);
    (*base).xDlOpen.map_or(ptr::null_mut(), |f| f(base, name))
}

unsafe extern "C" fn x_dl_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) {
    let base = base_of(vfs);
    if let Some(f) = (*base).xDlError {
        f(base, n, out);
    }
}

type DlSym = Option<unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char)>;

unsafe extern "C" fn x_dl_sym(vfs: *mut ffi::sqlite3_vfs, handle: *mut c_void, symbol: *const c_char) -> DlSym {
    let base = base_of(vfs);
    (*base).xDlSym.and_then(|f| f(base, handle, symbol))
}

unsafe extern "C" fn x_dl_close(vfs: *mut ffi::sqlite3_vfs, handle: *mut c_void) {
    let base = base_of(vfs);
    if let Some(f) = (*base).xDlClose {
        f(base, handle);
    }
}

unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    let base = base_of(vfs);
    (*base).xRandomness.map_or(0, |f| f(base, n, out))
}

unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    let base = base_of(vfs);
    (*base).xSleep.map_or(0, |f| f(base, micros))
}

unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    let base = base_of(vfs);
    (*base).xCurrentTime.map_or(ffi::SQLITE_ERROR, |f| f(base, out))
}

unsafe extern "C" fn x_get_last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    let base = base_of(vfs);
    (*base).xGetLastError.map_or(0, |f| f(base, n, out))
}

unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    let base = base_of(vfs);
    match ((*base).iVersion >= 2, (*base).xCurrentTimeInt64) {
        (true, Some(f)) => f(base, out),
        _ => {
            let mut days = 0.0;
            let rc = x_current_time(vfs, &mut days);
            if !out.is_null() {
                // Julian day number in milliseconds, as SQLite's own fallback computes it.
                *out = (days * 86_400_000.0) as i64;
            }
            rc
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};
    use std::cell::Cell;

    thread_local! {
        /// Writes that reached a WAL file through the default VFS, on this thread.
        static WAL_WRITES: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn count_write() {
        WAL_WRITES.with(|w| w.set(w.get() + 1));
    }

    fn writes() -> u64 {
        WAL_WRITES.with(Cell::get)
    }

    fn open(path: &std::path::Path, ours: bool) -> Connection {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match ours {
            true => Connection::open_with_flags_and_vfs(path, flags, name().expect("the VFS registers")),
            false => Connection::open_with_flags(path, flags),
        }
        .expect("open");
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")
            .expect("configure");
        conn
    }

    /// A connection through this VFS with a page cache of ten pages and a table `t` of
    /// 3,000-byte blobs: its larger transactions spill frames to the WAL before they end.
    fn spilling(path: &std::path::Path) -> Connection {
        let conn = open(path, true);
        conn.execute_batch("PRAGMA cache_size = 10; CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB);").expect("schema");
        conn
    }

    /// Rows `keys` of `t`, 3,000-byte blobs, inserted in a transaction left open.
    fn fill(conn: &Connection, keys: std::ops::Range<i64>) -> rusqlite::Transaction<'_> {
        let tx = conn.unchecked_transaction().expect("begin");
        for k in keys {
            tx.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(3000))", [k]).expect("insert");
        }
        tx
    }

    fn frames(conn: &Connection) -> i64 {
        // `wal_checkpoint` with nothing to copy reports the frames in the WAL.
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)).expect("frames")
    }

    #[test]
    fn a_commit_reaches_the_wal_in_one_write_and_reads_back_everywhere() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.db");
        let conn = open(&path, true);
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v);")
            .expect("schema");
        let before = writes();
        for k in 0..200 {
            // Each commit touches the table and its index: two or more frames.
            conn.execute("INSERT INTO t (k, v) VALUES (?1, ?2)", rusqlite::params![k, format!("value {k:05}")])
                .expect("insert");
        }
        let written = writes() - before;
        let appended = frames(&conn);
        assert!(appended >= 300, "200 commits of table and index append more than 300 frames, not {appended}");
        // Two writes a frame without the VFS; one a commit with it (the first frame
        // after opening goes on its own).
        assert!(written <= 202, "{written} writes for 200 commits of {appended} frames");

        // Another connection (this VFS) and one of the default VFS read every row.
        for ours in [true, false] {
            let other = open(&path, ours);
            let (n, last): (i64, String) =
                other.query_row("SELECT count(*), max(v) FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).expect("read");
            assert_eq!((n, last.as_str()), (200, "value 00199"));
        }
    }

    #[test]
    fn spilled_large_and_rolled_back_transactions_leave_a_sound_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.db");
        // A tiny page cache: a large transaction spills frames to the WAL before it commits.
        let conn = spilling(&path);
        // Larger than the buffer's flush size: written in pieces, then committed.
        fill(&conn, 0..500).commit().expect("commit");
        // Spilled, then rolled back: none of it may be seen.
        fill(&conn, 500..900).rollback().expect("rollback");
        fill(&conn, 900..950).commit().expect("commit");
        drop(conn);
        // The file as the default VFS sees it after the last connection closed.
        let plain = open(&path, false);
        let check: String = plain.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(check, "ok");
        let (n, lo, hi): (i64, i64, i64) = plain
            .query_row("SELECT count(*), min(k), max(k) FROM t", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("count");
        assert_eq!((n, lo, hi), (550, 0, 949));
        let rolled_back: i64 =
            plain.query_row("SELECT count(*) FROM t WHERE k BETWEEN 500 AND 899", [], |r| r.get(0)).expect("count");
        assert_eq!(rolled_back, 0);
    }

    #[test]
    fn frames_a_rolled_back_transaction_spilled_never_land_on_a_later_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.db");
        let a = spilling(&path);
        let b = open(&path, true);
        // A spills frames past the WAL's last commit, then rolls back (SQLite reads the
        // WAL while it does, which flushes them; the lock release that would otherwise
        // is shown by the test above), and B then commits where they lay.
        fill(&a, 0..300).rollback().expect("rollback");
        // B appends its commits where A's frames lay.
        for k in 1000..1100 {
            b.execute("INSERT INTO t (k, v) VALUES (?1, randomblob(3000))", [k]).expect("insert");
        }
        // A touches the WAL again (a read): nothing of its may be written now.
        let seen: i64 = a.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).expect("count");
        assert_eq!(seen, 100);
        drop(a);
        drop(b);
        let plain = open(&path, false);
        let check: String = plain.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(check, "ok");
        let n: i64 = plain.query_row("SELECT count(*) FROM t WHERE k >= 1000", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 100);
    }

    #[test]
    fn frames_still_buffered_are_written_before_the_connection_releases_a_wal_lock() {
        // The rollback case cannot be staged reliably through SQL (SQLite often reads
        // the WAL while it rolls back, which flushes anyway), so this puts a non-commit
        // frame into the connection's WAL buffer directly, as a spill leaves it, and
        // shows that a read transaction which never touches the WAL file (its pages are
        // cached) still writes it when it releases its read lock.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("l.db");
        let wal_path = dir.path().join("l.db-wal");
        let conn = open(&path, true);
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);").expect("schema");
        let _: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).expect("warm the cache");
        let size = |p: &std::path::Path| std::fs::metadata(p).expect("wal").len();
        let before = size(&wal_path);
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).expect("page size");
        // SAFETY: the WAL file of this connection, used on this thread only, while no
        // statement runs; the frame goes where the next frame would (past the last commit).
        unsafe {
            let mut wal: *mut ffi::sqlite3_file = ptr::null_mut();
            let rc = ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_JOURNAL_POINTER,
                ptr::addr_of_mut!(wal).cast(),
            );
            assert_eq!(rc, ffi::SQLITE_OK);
            assert!(!wal.is_null() && ptr::eq((*wal).pMethods, &METHODS), "the WAL is this VFS's");
            let offset = i64::try_from(before).expect("size");
            let header = [0u8; FRAME_HEADER];
            let page = vec![0u8; usize::try_from(page_size).expect("page size")];
            let write = (*(*wal).pMethods).xWrite.expect("xWrite");
            let len = |b: &[u8]| c_int::try_from(b.len()).expect("len");
            assert_eq!(write(wal, header.as_ptr().cast(), len(&header), offset), ffi::SQLITE_OK);
            assert_eq!(write(wal, page.as_ptr().cast(), len(&page), offset + FRAME_HEADER as i64), ffi::SQLITE_OK);
        }
        assert_eq!(size(&wal_path), before, "a non-commit frame stays buffered");
        let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).expect("read");
        assert_eq!(n, 1);
        assert_eq!(
            size(&wal_path),
            before + FRAME_HEADER as u64 + u64::try_from(page_size).expect("page size"),
            "releasing the read lock wrote the buffered frame"
        );
    }

    #[test]
    fn a_wal_left_by_a_process_that_died_is_recovered() {
        // Commits whose frames are in the WAL and not yet in the database file: the
        // connection is leaked (never closed, no checkpoint), as if its process died.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.db");
        let conn = open(&path, true);
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);").expect("schema");
        for k in 0..50 {
            conn.execute("INSERT INTO t (k, v) VALUES (?1, 'x')", [k]).expect("insert");
        }
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).expect("copy db");
        std::fs::copy(dir.path().join("r.db-wal"), dir.path().join("copy.db-wal")).expect("copy wal");
        std::mem::forget(conn);
        // The copy has a WAL and no shared memory: opening it recovers from the frames,
        // checking their checksums, so every frame must be whole and in order.
        let recovered = open(&copy, false);
        let n: i64 = recovered.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 50);
    }
}
