// One exception family for everything fitstore reports.
//
// Every error names the file it concerns, the manifest field (or other
// location inside the file) and what was expected versus found, so a user can
// act on the message without a debugger.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace fitstore {

/// Base of every exception fitstore throws. what() reads
/// "fitstore: <path>: <field>: <message>" (empty parts left out).
class error : public std::runtime_error {
public:
    error(std::string path, std::string field, std::string message);

    const std::string& path() const noexcept { return m_path; }
    const std::string& field() const noexcept { return m_field; }
    const std::string& message() const noexcept { return m_message; }

private:
    std::string m_path;
    std::string m_field;
    std::string m_message;
};

/// The operating system refused an operation (open, write, fsync, rename, mmap...).
/// error_code() is the errno it reported (0 when there was none), so a program
/// can tell ENOSPC from EACCES without parsing the message.
class io_error : public error {
public:
    io_error(std::string path, std::string field, std::string message, int error_code = 0)
        : error(std::move(path), std::move(field), std::move(message)), m_error_code(error_code) {}
    int error_code() const noexcept { return m_error_code; }

private:
    int m_error_code = 0;
};

/// A path that does not exist: the store to load, or the folder a dump was
/// asked to write into (error_code() is ENOENT).
class not_found : public io_error {
public:
    not_found(std::string path, std::string field, std::string message);
};

/// The input is malformed, damaged or hostile: bad JSON, impossible sizes,
/// names that escape the store, truncated or oversized chunks.
class format_error : public error {
public:
    using error::error;
};

/// Data did not match its recorded XXH3-64 checksum.
class checksum_error : public format_error {
public:
    using format_error::format_error;
};

/// The file was written by a newer, incompatible format or type version.
class version_error : public format_error {
public:
    using format_error::format_error;
};

/// The stored object is not the type asked for, or names an unregistered type.
class type_error : public error {
public:
    using error::error;
};

/// The caller passed options that make no sense (unknown codec, bad level...).
class usage_error : public error {
public:
    using error::error;
};

}  // namespace fitstore
