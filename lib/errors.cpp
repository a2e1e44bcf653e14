#include "fitstore/errors.hpp"

#include <cerrno>

namespace fitstore {
namespace {

std::string compose(const std::string& path, const std::string& field, const std::string& message) {
    std::string text = "fitstore: ";
    if (!path.empty()) text += path + ": ";
    if (!field.empty()) text += field + ": ";
    return text + message;
}

}  // namespace

error::error(std::string path, std::string field, std::string message)
    : std::runtime_error(compose(path, field, message)),
      m_path(std::move(path)),
      m_field(std::move(field)),
      m_message(std::move(message)) {}

not_found::not_found(std::string path, std::string field, std::string message)
    : io_error(std::move(path), std::move(field), std::move(message), ENOENT) {}

}  // namespace fitstore
