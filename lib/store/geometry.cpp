#include <algorithm>

#include "store/engine.hpp"

namespace fitstore::detail {

std::size_t row_bytes(const shape_t& shape, dtype type) {
    if (shape.empty()) return itemsize(type);
    return byte_count(shape_t(shape.begin() + 1, shape.end()), type);
}

bool chunks_along_axis0(const array_record& rec) {
    for (std::size_t k = 1; k < rec.shape.size(); ++k)
        if (rec.chunk_shape[k] != rec.shape[k]) return false;
    return true;
}

chunk_span axis0_chunk_span(const array_record& rec, std::size_t i) {
    const std::size_t row = row_bytes(rec.shape, rec.type);
    const std::size_t rows_per_chunk = rec.shape.empty() ? 1 : rec.chunk_shape[0];
    const std::size_t total_rows = rec.shape.empty() ? 1 : rec.shape[0];
    const std::size_t first = i * rows_per_chunk;
    return {first * row, std::min(rows_per_chunk, total_rows - first) * row};
}

std::string chunk_field(const array_record& rec, std::size_t i) {
    return "arrays." + rec.key + ".chunks[" + std::to_string(i) + "]";
}

}  // namespace fitstore::detail
