// fitstore._core: the C++ engine behind the Python package `fitstore`.
//
// Deliberately thin: the mapping between Python values and stored objects
// (FORMAT.md section 9) lives in fitstore/_mapping.py. This module moves
// object trees in and out of the engine:
//
//   node = (type: str, version: int, params: str (JSON text),
//           arrays: [(name, numpy array)], children: [(name, node)])
//
// Arrays cross without copies in both directions: a dump reads the caller's
// C-contiguous little-endian numpy buffers in place (the Python caller keeps
// them alive for the call), and a load hands out numpy arrays over the engine's
// memory (heap buffer or file mapping) whose `base` is a capsule owning that
// memory's shared_ptr, so a mapping lives as long as any array made from it.
// The GIL is released while the engine reads, writes, compresses and hashes.
#include <pybind11/pybind11.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/codec.hpp"
#include "fitstore/dtype.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/store.hpp"
#include "fitstore/stored_object.hpp"
#include "fitstore/verify.hpp"

namespace py = pybind11;

namespace {

// Raised for every fitstore::error; fitstore/_errors.py turns it into the
// public class (FormatError, ChecksumError, ...) with errno where it applies.
// Its args: (kind, what, path, field, message, errno or 0). A plain pointer, deliberately
// never released: a py::object here would be destroyed after the interpreter.
PyObject* engine_error_type = nullptr;

py::object node_to_python(const fitstore::stored_object& node, bool read_only_mapped);

fitstore::any_array array_from_python(const std::string& name, const py::array& a) {
    // The Python side (fitstore/_mapping.py) hands over only C-contiguous,
    // little-endian arrays of the fitstore dtypes; these checks guard the seam.
    if (!(a.flags() & py::array::c_style))
        throw fitstore::usage_error("", name, "internal: array is not C-contiguous");
    bool big_endian = false;
    const std::string typestr = py::str(a.dtype().attr("str"));
    const fitstore::dtype type = fitstore::dtype_from_typestr(typestr, big_endian, "", name);
    if (big_endian) throw fitstore::usage_error("", name, "internal: array is big-endian");
    fitstore::shape_t shape;
    for (py::ssize_t k = 0; k < a.ndim(); ++k) shape.push_back(static_cast<std::size_t>(a.shape(k)));
    // No owner: the numpy array is referenced by the caller's tree for the whole
    // call, and a shared_ptr holding a Python reference could be dropped by a
    // worker thread without the GIL.
    std::shared_ptr<void> no_owner(static_cast<void*>(nullptr), [](void*) {});
    return fitstore::any_array(type, std::move(shape), std::move(no_owner), const_cast<void*>(a.data()),
                               fitstore::storage_kind::heap);
}

void node_from_python(const py::handle& obj, fitstore::stored_object& node) {
    const py::tuple t = py::reinterpret_borrow<py::tuple>(obj);
    if (t.size() != 5) throw fitstore::usage_error("", "", "internal: a node is a 5-tuple");
    node.type = t[0].cast<std::string>();
    node.version = t[1].cast<std::uint32_t>();
    node.params = nlohmann::json::parse(t[2].cast<std::string>());
    for (const py::handle item : t[3]) {
        const py::tuple pair = py::reinterpret_borrow<py::tuple>(item);
        const std::string name = pair[0].cast<std::string>();
        node.arrays.emplace_back(name, array_from_python(name, py::reinterpret_borrow<py::array>(pair[1])));
    }
    for (const py::handle item : t[4]) {
        const py::tuple pair = py::reinterpret_borrow<py::tuple>(item);
        node.children.emplace_back(pair[0].cast<std::string>(), fitstore::stored_object{});
        node_from_python(pair[1], node.children.back().second);
    }
}

py::array array_to_python(const fitstore::any_array& a, bool read_only) {
    const std::vector<py::ssize_t> shape(a.shape().begin(), a.shape().end());
    std::vector<py::ssize_t> strides(shape.size());
    py::ssize_t stride = static_cast<py::ssize_t>(fitstore::itemsize(a.type()));
    for (std::size_t k = shape.size(); k-- > 0;) {
        strides[k] = stride;
        stride *= std::max<py::ssize_t>(shape[k], 1);
    }
    const py::dtype dt(fitstore::numpy_typestr(a.type()));
    if (a.data() == nullptr || a.nbytes() == 0) return py::array(dt, shape, strides);  // empty: numpy owns it
    // The capsule owns a copy of the engine's owner (heap buffer or mapping):
    // numpy keeps it as `base`, so the memory outlives the loader and the dict.
    auto* keep = new std::shared_ptr<void>(a.owner());
    py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<void>*>(p); });
    py::array out(dt, shape, strides, a.data(), base);
    if (read_only) out.attr("setflags")(py::arg("write") = false);
    return out;
}

py::object node_to_python(const fitstore::stored_object& node, bool read_only_mapped) {
    py::list arrays;
    for (const auto& [name, a] : node.arrays)
        arrays.append(py::make_tuple(name, array_to_python(a, read_only_mapped && a.storage() == fitstore::storage_kind::mapped_r)));
    py::list children;
    for (const auto& [name, child] : node.children) children.append(py::make_tuple(name, node_to_python(child, read_only_mapped)));
    return py::make_tuple(node.type, node.version, node.params.dump(), arrays, children);
}

py::list report_to_python(const fitstore::load_report& report) {
    py::list out;
    for (const auto& a : report.arrays) {
        py::dict d;
        d["key"] = a.key;
        d["mapped"] = a.mapped;
        d["reason"] = a.reason;
        d["raw_bytes"] = a.raw_bytes;
        d["stored_bytes"] = a.stored_bytes;
        d["verified"] = a.verified;
        out.append(d);
    }
    return out;
}

fitstore::dump_options make_dump_options(const std::string& layout, const std::string& codec, bool shuffle,
                                         std::size_t chunk_bytes, unsigned threads, bool durable) {
    fitstore::dump_options options;
    // What `fitstore pack` records (software, time), plus the Python side's versions.
    const py::module_ platform = py::module_::import("platform");
    const py::module_ numpy = py::module_::import("numpy");
    options.provenance = fitstore::provenance()
                             .set("python", {{"python", platform.attr("python_version")().cast<std::string>()},
                                             {"numpy", py::str(numpy.attr("__version__")).cast<std::string>()}})
                             .to_json();
    options.layout = fitstore::parse_layout(layout);
    options.codec = fitstore::parse_codec(codec, shuffle);
    fitstore::validate_codec(options.codec);
    if (chunk_bytes == 0) throw fitstore::usage_error("", "chunk_mb", "must be greater than 0");
    options.chunk_bytes = chunk_bytes;
    options.threads = threads;
    options.durable = durable;
    return options;
}

fitstore::load_options make_load_options(const std::string& mmap, bool verify, unsigned threads) {
    fitstore::load_options options;
    options.mmap = fitstore::parse_mmap_mode(mmap);
    options.verify = verify;
    options.threads = threads;
    return options;
}

py::tuple contents_to_python(const fitstore::store_contents& contents, const fitstore::load_options& options) {
    return py::make_tuple(node_to_python(contents.root, options.mmap == fitstore::mmap_mode::r),
                          report_to_python(contents.report), contents.manifest.dump());
}

const char* error_kind(const fitstore::error& e) {
    if (dynamic_cast<const fitstore::checksum_error*>(&e)) return "checksum";
    if (dynamic_cast<const fitstore::version_error*>(&e)) return "version";
    if (dynamic_cast<const fitstore::format_error*>(&e)) return "format";
    if (dynamic_cast<const fitstore::type_error*>(&e)) return "type";
    if (dynamic_cast<const fitstore::usage_error*>(&e)) return "usage";
    return "error";
}

// The errno an io_error carries. Detected rather than called because
// io_error::error_code() arrives with issue 11's error work; until then the
// Python side recovers errno from the strerror() text of the message.
template <class E>
auto errno_of(const E& e, int) -> decltype(int(e.error_code())) {
    return e.error_code();
}
template <class E>
int errno_of(const E&, long) {
    return 0;
}

// A Py_buffer held for the duration of a call (released with the GIL held).
class held_buffer {
public:
    explicit held_buffer(const py::handle& obj) {
        if (PyObject_GetBuffer(obj.ptr(), &m_view, PyBUF_SIMPLE) != 0) throw py::error_already_set();
    }
    ~held_buffer() { PyBuffer_Release(&m_view); }
    held_buffer(const held_buffer&) = delete;
    held_buffer& operator=(const held_buffer&) = delete;
    const void* data() const noexcept { return m_view.buf; }
    std::size_t size() const noexcept { return static_cast<std::size_t>(m_view.len); }

private:
    Py_buffer m_view{};
};

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "fitstore's C++ engine (use the `fitstore` package, not this module)";
    m.attr("__version__") = FITSTORE_MODULE_VERSION;

    engine_error_type = PyErr_NewException("fitstore._core.EngineError", PyExc_Exception, nullptr);
    if (!engine_error_type) throw py::error_already_set();
    m.attr("EngineError") = py::reinterpret_borrow<py::object>(engine_error_type);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const fitstore::io_error& e) {
            const py::tuple args = py::make_tuple("io", e.what(), e.path(), e.field(), e.message(), errno_of(e, 0));
            PyErr_SetObject(engine_error_type, args.ptr());
        } catch (const fitstore::error& e) {
            const py::tuple args = py::make_tuple(error_kind(e), e.what(), e.path(), e.field(), e.message(), 0);
            PyErr_SetObject(engine_error_type, args.ptr());
        } catch (const nlohmann::json::exception& e) {
            const py::tuple args = py::make_tuple("format", std::string("fitstore: ") + e.what(), "", "", e.what(), 0);
            PyErr_SetObject(engine_error_type, args.ptr());
        }
    });

    m.def(
        "write_store",
        [](const py::object& tree, const std::string& path, const std::string& layout, const std::string& codec,
           bool shuffle, std::size_t chunk_bytes, unsigned threads, bool durable) {
            const auto options = make_dump_options(layout, codec, shuffle, chunk_bytes, threads, durable);
            fitstore::stored_object root;
            node_from_python(tree, root);
            py::gil_scoped_release release;
            fitstore::write_store(root, path, options);
        },
        py::arg("tree"), py::arg("path"), py::arg("layout"), py::arg("codec"), py::arg("shuffle"),
        py::arg("chunk_bytes"), py::arg("threads"), py::arg("durable"));

    m.def(
        "write_bytes",
        [](const py::object& tree, const std::string& codec, bool shuffle, std::size_t chunk_bytes, unsigned threads) {
            const auto options = make_dump_options("blob", codec, shuffle, chunk_bytes, threads, false);
            fitstore::stored_object root;
            node_from_python(tree, root);
            std::vector<std::uint8_t> blob;
            {
                py::gil_scoped_release release;
                blob = fitstore::write_blob_bytes(root, options);
            }
            // One copy into the bytes object, outside the GIL for large blobs.
            PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<py::ssize_t>(blob.size()));
            if (!bytes) throw py::error_already_set();
            char* dst = PyBytes_AS_STRING(bytes);
            {
                py::gil_scoped_release release;
                if (!blob.empty()) std::memcpy(dst, blob.data(), blob.size());
            }
            return py::reinterpret_steal<py::bytes>(bytes);
        },
        py::arg("tree"), py::arg("codec"), py::arg("shuffle"), py::arg("chunk_bytes"), py::arg("threads"));

    m.def(
        "read_store",
        [](const std::string& path, const std::string& mmap, bool verify, unsigned threads) {
            const auto options = make_load_options(mmap, verify, threads);
            fitstore::store_contents contents;
            {
                py::gil_scoped_release release;
                contents = fitstore::read_store(path, options);
            }
            return contents_to_python(contents, options);
        },
        py::arg("path"), py::arg("mmap"), py::arg("verify"), py::arg("threads"));

    m.def(
        "read_bytes",
        [](const py::object& data, unsigned threads) {
            const auto options = make_load_options("none", true, threads);
            held_buffer buffer(data);  // no copy of the input: the engine reads it in place
            fitstore::store_contents contents;
            {
                py::gil_scoped_release release;
                contents = fitstore::read_blob_bytes(buffer.data(), buffer.size(), options);
            }
            return contents_to_python(contents, options);
        },
        py::arg("data"), py::arg("threads"));

    m.def(
        "read_manifest",
        [](const std::string& path) {
            nlohmann::json raw;
            {
                py::gil_scoped_release release;
                fitstore::read_store_manifest(path, &raw);
            }
            return raw.dump();
        },
        py::arg("path"));

    m.def(
        "detect_layout",
        [](const std::string& path) {
            py::gil_scoped_release release;
            return std::string(fitstore::layout_name(fitstore::detect_layout(path)));
        },
        py::arg("path"));

    m.def(
        "verify_store",
        [](const std::string& path, bool deep, unsigned threads) {
            fitstore::verify_options options;
            options.deep = deep;
            options.threads = threads;
            fitstore::verify_report report;
            {
                py::gil_scoped_release release;
                report = fitstore::verify_store(path, options);
            }
            py::list checks;
            for (const auto& c : report.checks) {
                py::dict d;
                d["name"] = c.name;
                d["passed"] = c.passed;
                d["detail"] = c.detail;
                checks.append(d);
            }
            py::dict out;
            out["path"] = report.path;
            out["layout"] = std::string(fitstore::layout_name(report.layout));
            out["format_version"] = report.format_version;
            out["passed"] = report.passed();
            out["checks"] = checks;
            return out;
        },
        py::arg("path"), py::arg("deep"), py::arg("threads"));
}
