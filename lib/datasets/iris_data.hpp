// The embedded iris table (internal; use fitstore::datasets::load_iris()).
#pragma once

namespace fitstore::detail {
extern const double iris_features[150][4];
extern const int iris_target[150];
}  // namespace fitstore::detail
