#include "layouts/hdf5_types.hpp"

namespace fitstore::detail::h5 {

h5_id make_file_type(dtype t) {
    hid_t base = H5I_INVALID_HID;
    switch (t) {
        case dtype::bool_: {
            hid_t e = H5Tenum_create(H5T_STD_I8LE);
            signed char no = 0, yes = 1;
            H5Tenum_insert(e, "FALSE", &no);
            H5Tenum_insert(e, "TRUE", &yes);
            return h5_id(e, H5Tclose);
        }
        case dtype::int8: base = H5T_STD_I8LE; break;
        case dtype::int16: base = H5T_STD_I16LE; break;
        case dtype::int32: base = H5T_STD_I32LE; break;
        case dtype::int64: base = H5T_STD_I64LE; break;
        case dtype::uint8: base = H5T_STD_U8LE; break;
        case dtype::uint16: base = H5T_STD_U16LE; break;
        case dtype::uint32: base = H5T_STD_U32LE; break;
        case dtype::uint64: base = H5T_STD_U64LE; break;
        case dtype::float32: base = H5T_IEEE_F32LE; break;
        case dtype::float64: base = H5T_IEEE_F64LE; break;
    }
    return h5_id(H5Tcopy(base), H5Tclose);
}

bool type_matches(hid_t stored, dtype t, bool big_endian) {
    h5_id expected = make_file_type(t);
    if (!expected) return false;
    if (t == dtype::bool_) {
        if (H5Tget_class(stored) != H5T_ENUM || H5Tget_size(stored) != 1) return false;
        h5_id super(H5Tget_super(stored), H5Tclose);
        return super && H5Tget_class(super.get()) == H5T_INTEGER;
    }
    if (big_endian && itemsize(t) > 1) H5Tset_order(expected.get(), H5T_ORDER_BE);
    if (itemsize(t) == 1 && H5Tget_class(stored) == H5T_INTEGER && H5Tget_size(stored) == 1)
        return H5Tget_sign(stored) == H5Tget_sign(expected.get());
    return H5Tequal(stored, expected.get()) > 0;
}

std::string describe_type(hid_t type) {
    const char* cls = "other";
    switch (H5Tget_class(type)) {
        case H5T_INTEGER: cls = "integer"; break;
        case H5T_FLOAT: cls = "float"; break;
        case H5T_ENUM: cls = "enum"; break;
        case H5T_STRING: cls = "string"; break;
        case H5T_COMPOUND: cls = "compound"; break;
        default: break;
    }
    std::string order = H5Tget_order(type) == H5T_ORDER_BE ? " big-endian" : "";
    return std::string(cls) + " of " + std::to_string(H5Tget_size(type)) + " bytes" + order;
}

h5_id make_space(const shape_t& shape) {
    if (shape.empty()) return h5_id(H5Screate(H5S_SCALAR), H5Sclose);
    const auto dims = to_hsize(shape);
    return h5_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
}

}  // namespace fitstore::detail::h5
