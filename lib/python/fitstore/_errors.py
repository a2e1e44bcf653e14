"""fitstore's exception family in Python (mirrors fitstore::error in C++).

    Error                         every exception fitstore raises
    +- FormatError(ValueError)    malformed, damaged or hostile store
    |  +- ChecksumError           data does not match its XXH3-64 checksum
    |  +- VersionError            written by a newer, incompatible format or type version
    +- FileError(OSError)         the operating system refused (errno, filename set)
    |  +- NotFoundError(FileNotFoundError)
    +- UnsupportedTypeError(TypeError)   a value fitstore does not store (never pickled),
    |                                    or a stored type it does not know
    +- UsageError(ValueError)     options that make no sense (unknown codec, bad level...)

The message is the C++ one: "fitstore: <file>: <field>: <what was expected, what was found>".
"""
import errno as _errno
import os as _os


class Error(Exception):
    """Base of every exception fitstore raises; `path` and `field` say where."""

    def __init__(self, message, path="", field=""):
        super().__init__(message)
        self.path = path
        self.field = field


def with_path(e, path):
    """`e` naming the store's path as the C++ messages do ("fitstore: <file>: <field>: ..."):
    errors raised while rebuilding a loaded value (adapters, FORMAT.md 9) know the field only."""
    if e.path or isinstance(e, FileError):
        return e
    message = str(e)
    rest = message[len("fitstore: "):] if message.startswith("fitstore: ") else message
    return type(e)(f"fitstore: {path}: {rest}", path=path, field=e.field)


class FormatError(Error, ValueError):
    """The store is malformed, damaged or hostile."""


class ChecksumError(FormatError):
    """Data did not match its recorded XXH3-64 checksum."""


class VersionError(FormatError):
    """Written by a newer, incompatible format or type version."""


class UsageError(Error, ValueError):
    """The caller passed options that make no sense."""


class UnsupportedTypeError(Error, TypeError):
    """A value fitstore cannot store, or a stored type it does not construct."""


class FileError(Error, OSError):
    """The operating system refused an operation; `errno` and `filename` are set when known."""

    def __init__(self, message, path="", field="", errno=None):
        OSError.__init__(self, errno, message, path or None)
        self.path = path
        self.field = field

    def __str__(self):
        return self.strerror


class NotFoundError(FileError, FileNotFoundError):
    """The store (or a file it needs) does not exist."""


def not_found(path):
    return NotFoundError(f"fitstore: {path}: {_os.strerror(_errno.ENOENT)}", path, errno=_errno.ENOENT)


def _errno_of(message):
    # For a C++ io_error without error_code() (see core.cpp errno_of): recover
    # the number from the strerror() text in its message.
    best = None
    for code in sorted(_errno.errorcode):
        text = _os.strerror(code)
        if text and text in message and (best is None or len(text) > len(_os.strerror(best))):
            best = code
    return best


_CLASSES = {
    "checksum": ChecksumError,
    "version": VersionError,
    "format": FormatError,
    "type": UnsupportedTypeError,
    "usage": UsageError,
    "error": Error,
}


def from_engine(exc):
    """The public exception for a fitstore._core.EngineError."""
    kind, what, path, field, _message, code = exc.args
    if kind == "io":
        code = code or _errno_of(what)
        cls = NotFoundError if code == _errno.ENOENT else FileError
        return cls(what, path, field, errno=code)
    return _CLASSES.get(kind, Error)(what, path, field)
