#include "verify_data.hpp"

#include "fitstore/errors.hpp"

namespace fitstore::cli {

std::vector<verify_check> verify_training_data(const std::string& model_path, const std::string&, bool) {
    throw usage_error(model_path, "--data", "needs the estimators (not in this build yet)");
}

}  // namespace fitstore::cli
