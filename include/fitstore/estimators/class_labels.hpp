// class_labels: how a classifier's classes_ are stored (FORMAT.md §10.2), shared
// by every classifier family: the `classes_kind` param and the `classes` array
// (int64, float64, or the fixed-width UTF-8 matrix plus `classes_lengths`).
#pragma once

#include <cstdint>
#include <string>

#include "fitstore/errors.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

/// Saves or loads `classes`; an absent `classes_kind` param means int64 (files
/// written before the param existed). Throws format_error naming the field.
template <class Archive>
void persist_class_labels(Archive& ar, targets& classes) {
    std::string kind = target_kind_name(classes.kind());
    if (!Archive::loading() || ar.has_param("classes_kind")) ar.param("classes_kind", kind);
    if constexpr (Archive::loading()) {
        target_kind parsed = target_kind::int64;
        if (!parse_target_kind(kind, parsed))
            throw format_error(ar.file(), "params.classes_kind", "expected int64, float64 or string, found \"" + kind + "\"");
        if (parsed == target_kind::int64) {
            ndarray<std::int64_t> c;
            ar.array("classes", c);
            classes = targets::of_int64(c);
        } else if (parsed == target_kind::float64) {
            ndarray<double> c;
            ar.array("classes", c);
            classes = targets::of_float64(c);
        } else {
            ndarray<std::uint8_t> bytes;
            ndarray<std::uint32_t> lengths;
            ar.array("classes", bytes);
            ar.array("classes_lengths", lengths);
            classes = targets::of_strings(decode_utf8_rows(bytes, lengths, ar.file(), "arrays.classes"));
        }
    } else if (classes.kind() == target_kind::string) {
        ndarray<std::uint32_t> lengths;
        const auto bytes = encode_utf8_rows(classes.strings(), lengths);
        ar.array("classes", bytes);
        ar.array("classes_lengths", lengths);
    } else {
        ar.array("classes", classes.as_any());
    }
}

}  // namespace fitstore
