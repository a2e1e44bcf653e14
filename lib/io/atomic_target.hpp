// Atomic replacement of a store: everything is written into a temporary
// sibling (NAME.tmp-<pid>-<random>), fsynced, then renamed into place. An
// existing directory store is swapped with renameat2(RENAME_EXCHANGE) and the
// old one removed afterwards, so a crash leaves either the old store or the
// new one, never a mix. Temporaries left by killed writers are removed by the
// next writer of the same name.
#pragma once

#include <string>

namespace fitstore::detail {

class atomic_target {
public:
    enum class kind { file, directory };

    /// Reserves a temporary sibling of `target` (creating the folder for kind::directory).
    atomic_target(std::string target, kind k, bool durable);
    atomic_target(const atomic_target&) = delete;
    atomic_target& operator=(const atomic_target&) = delete;
    /// Removes the temporary if commit() was not reached. Never throws.
    ~atomic_target();

    const std::string& temp_path() const noexcept { return m_temp; }
    const std::string& target() const noexcept { return m_target; }
    bool durable() const noexcept { return m_durable; }
    /// Publishes the temporary as `target` (fsyncing first when durable).
    void commit();

private:
    std::string m_target;
    std::string m_temp;
    kind m_kind;
    bool m_durable;
    bool m_committed = false;
};

/// Removes `path` (file or folder tree) without following symlinks. Never throws.
void remove_tree_noexcept(const std::string& path) noexcept;
/// fsyncs every file and folder below `dir`, then `dir` itself.
void fsync_tree(const std::string& dir);

}  // namespace fitstore::detail
