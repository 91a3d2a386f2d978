#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Thin wrappers over the POSIX calls storage needs: they retry EINTR, finish short transfers and turn
/// failures into `StorageError.io` naming the operation and path.
enum Posix {
    /// Opens `path`; `flags` are open(2) flags.
    static func open(_ path: String, _ flags: CInt, mode: mode_t = 0o644) throws -> CInt {
        while true {
            let fd = path.withCString { libcOpen($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw StorageError.io(errno, "open \(path)")
        }
    }

    /// Closes `fd`; errors are ignored because the descriptor is released either way on Linux.
    static func close(_ fd: CInt) {
        _ = libcClose(fd)
    }

    /// Writes all of `bytes` at `offset`.
    static func pwriteAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, at offset: Int, _ what: @autoclosure () -> String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(errno, "pwrite \(what())")
            }
            done += n
        }
    }

    /// Writes `head` then `tail` at `offset` with one pwritev(2) call in the common case.
    static func pwritevAll(
        _ fd: CInt, _ head: UnsafeRawBufferPointer, _ tail: UnsafeRawBufferPointer, at offset: Int,
        _ what: @autoclosure () -> String
    ) throws {
        let total = head.count + tail.count
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress), iov_len: head.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: tail.baseAddress), iov_len: tail.count)
        )
        let written: Int = try withUnsafeMutableBytes(of: &vectors) { raw in
            let iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            while true {
                let n = pwritev(fd, iov, 2, off_t(offset))
                if n >= 0 { return n }
                if errno == EINTR { continue }
                throw StorageError.io(errno, "pwritev \(what())")
            }
        }
        if written < total {
            // A short write (rare: signals, quotas): finish byte-wise from where it stopped.
            var done = written
            if done < head.count {
                try pwriteAll(fd, UnsafeRawBufferPointer(rebasing: head[done...]), at: offset + done, what())
                done = head.count
            }
            let tailDone = done - head.count
            try pwriteAll(fd, UnsafeRawBufferPointer(rebasing: tail[tailDone...]), at: offset + done, what())
        }
    }

    /// Reads exactly `length` bytes at `offset` into a new buffer; a file that ends sooner is corrupt.
    static func preadBuffer(_ fd: CInt, at offset: Int, length: Int, _ what: @autoclosure () -> String) throws -> ByteBuffer {
        var bytes = ByteBufferAllocator().buffer(capacity: length)
        let got = try bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
            try preadFully(fd, UnsafeMutableRawBufferPointer(rebasing: raw[0..<length]), at: offset, what())
        }
        guard got == length else { throw StorageError.corruptLog("\(what()): short read at \(offset)") }
        return bytes
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    static func preadFully(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, _ what: @autoclosure () -> String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(errno, "pread \(what())")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads a whole (small) file; nil when it does not exist.
    static func readFile(_ path: String) throws -> [UInt8]? {
        let fd: CInt
        do {
            fd = try open(path, O_RDONLY)
        } catch let error as StorageError where error.errno == ENOENT {
            return nil
        }
        defer { close(fd) }
        let size = try fileSize(fd, path)
        var bytes = [UInt8](repeating: 0, count: size)
        let n = try bytes.withUnsafeMutableBytes { try preadFully(fd, $0, at: 0, path) }
        bytes.removeLast(size - n)
        return bytes
    }

    /// Replaces the file at `path` with `bytes` so that a crash leaves either the old or the new content: the bytes go
    /// to `<path>.tmp`, which is fsynced, renamed over `path`, and then the directory is fsynced so the rename itself
    /// survives a power loss. A crash before the rename leaves a `.tmp` file that readers must ignore.
    static func replaceFile(_ path: String, with bytes: [UInt8]) throws {
        let temporary = temporaryPath(for: path)
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try bytes.withUnsafeBytes { try pwriteAll(fd, $0, at: 0, temporary) }
            try syncData(fd, temporary)
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        try rename(temporary, path)
        try syncDirectory(parentDirectory(of: path))
    }

    /// Where `replaceFile` stages the new content of `path`.
    static func temporaryPath(for path: String) -> String { path + ".tmp" }

    /// The directory part of `path` ("." for a bare name).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The size of the open file.
    static func fileSize(_ fd: CInt, _ what: @autoclosure () -> String) throws -> Int {
        var info = stat()
        if fstat(fd, &info) != 0 { throw StorageError.io(errno, "fstat \(what())") }
        return Int(info.st_size)
    }

    /// The size of the file at `path`, nil when it does not exist.
    static func fileSize(atPath path: String) throws -> Int? {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw StorageError.io(errno, "stat \(path)")
        }
        return Int(info.st_size)
    }

    /// True when `path` names a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Sets the file's length.
    static func truncate(_ fd: CInt, to length: Int, _ what: @autoclosure () -> String) throws {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw StorageError.io(errno, "ftruncate \(what())")
        }
    }

    /// Makes the file's data durable (fdatasync where available: metadata other than size is not needed).
    static func syncData(_ fd: CInt, _ what: @autoclosure () -> String) throws {
        #if os(Linux)
        let rc = fdatasync(fd)
        #else
        let rc = fsync(fd)
        #endif
        if rc != 0 { throw StorageError.io(errno, "fsync \(what())") }
    }

    /// fsyncs a directory so that creations, renames and unlinks in it survive a power loss.
    static func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        if fsync(fd) != 0 { throw StorageError.io(errno, "fsync \(path)") }
    }

    /// Duplicates a descriptor (close-on-exec).
    static func duplicate(_ fd: CInt, _ what: @autoclosure () -> String) throws -> CInt {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        if copy < 0 { throw StorageError.io(errno, "dup \(what())") }
        return copy
    }

    /// Removes a file; a missing file is not an error.
    static func unlinkIfPresent(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw StorageError.io(errno, "unlink \(path)") }
    }

    /// Renames atomically.
    static func rename(_ from: String, _ to: String) throws {
        if libcRename(from, to) != 0 { throw StorageError.io(errno, "rename \(from) -> \(to)") }
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError.io(errno, "mkdir \(prefix)")
            }
            prefix += "/"
        }
    }

    /// Removes an empty directory.
    static func removeDirectory(_ path: String) throws {
        if rmdir(path) != 0 && errno != ENOENT { throw StorageError.io(errno, "rmdir \(path)") }
    }

    /// The names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw StorageError.io(errno, "opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

// Module-qualified aliases so the wrappers above can share the libc names.
#if canImport(Glibc)
private func libcOpen(_ path: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt { Glibc.open(path, flags, mode) }
private func libcClose(_ fd: CInt) -> CInt { Glibc.close(fd) }
private func libcRename(_ from: String, _ to: String) -> CInt { Glibc.rename(from, to) }
#elseif canImport(Musl)
private func libcOpen(_ path: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt { Musl.open(path, flags, mode) }
private func libcClose(_ fd: CInt) -> CInt { Musl.close(fd) }
private func libcRename(_ from: String, _ to: String) -> CInt { Musl.rename(from, to) }
#elseif canImport(Darwin)
private func libcOpen(_ path: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt { Darwin.open(path, flags, mode) }
private func libcClose(_ fd: CInt) -> CInt { Darwin.close(fd) }
private func libcRename(_ from: String, _ to: String) -> CInt { Darwin.rename(from, to) }
#endif
