#include "codecs/codec_registry.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>

#include "fitstore/errors.hpp"

// The builtin codecs, in the order messages list them: each NAME_codec() is
// defined in the codec's own .cpp. Referencing them here is what links those
// object files.
#define FITSTORE_BUILTIN_CODECS(X) \
    X(none) X(zlib) X(zstd) X(lz4) X(blosc_lz4) X(blosc_zstd) X(alp) X(alp_zstd) X(automatic)

namespace fitstore::codecs {

#define FITSTORE_DECLARE_CODEC(name) const codec_def& name##_codec();
FITSTORE_BUILTIN_CODECS(FITSTORE_DECLARE_CODEC)
#undef FITSTORE_DECLARE_CODEC

namespace {

// Indexed by codec id. Lookups run on every encoded or decoded chunk, from many
// threads, so they read an atomic slot instead of taking a lock; only
// registration locks.
class registry {
public:
    registry() {
#define FITSTORE_ADD_CODEC(name) add(name##_codec());
        FITSTORE_BUILTIN_CODECS(FITSTORE_ADD_CODEC)
#undef FITSTORE_ADD_CODEC
    }

    const codec_def* find(codec_id id) const noexcept {
        return m_slots[static_cast<std::size_t>(id)].load(std::memory_order_acquire);
    }

    void add(const codec_def& def) {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto slot = static_cast<std::size_t>(def.id);
        if (m_slots[slot].load(std::memory_order_relaxed) != nullptr)
            throw usage_error("", "codec", "codec id " + std::to_string(slot) + " is already registered");
        for (const auto& s : m_slots) {
            const codec_def* other = s.load(std::memory_order_relaxed);
            if (other && other->name == def.name)
                throw usage_error("", "codec", "codec name \"" + std::string(def.name) + "\" is already registered");
        }
        m_owned.push_back(def);
        m_slots[slot].store(&m_owned.back(), std::memory_order_release);
    }

    std::vector<const codec_def*> all() {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::vector<const codec_def*> out;
        for (const codec_def& def : m_owned) out.push_back(&def);
        return out;
    }

private:
    std::array<std::atomic<const codec_def*>, 256> m_slots{};
    std::deque<codec_def> m_owned;  // in registration order; a deque never moves its elements
    std::mutex m_mutex;
};

registry& the_registry() {
    static registry r;
    return r;
}

}  // namespace

const codec_def* find_codec(codec_id id) noexcept { return the_registry().find(id); }

const codec_def* find_codec(std::string_view name) noexcept {
    for (const codec_def* def : the_registry().all())
        if (def->name == name) return def;
    return nullptr;
}

const codec_def& codec_of(codec_id id) {
    const codec_def* def = find_codec(id);
    if (!def) throw usage_error("", "codec", "unknown codec id " + std::to_string(static_cast<int>(id)));
    return *def;
}

std::vector<const codec_def*> all_codecs() { return the_registry().all(); }

void register_codec(const codec_def& def) { the_registry().add(def); }

}  // namespace fitstore::codecs
