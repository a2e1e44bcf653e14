// Placeholder translation unit until the benchmark harness lands.
namespace fitstore::bench {
int harness_version() { return 0; }
}  // namespace fitstore::bench
