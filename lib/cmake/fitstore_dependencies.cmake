# Every dependency is a Debian package; see .ci/install-deps. Each is used
# through an imported target, so the exported package names targets (found
# again on the consumer's machine by fitstoreConfig.cmake), never absolute paths.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5)
find_package(xtensor REQUIRED)
find_package(xtensor-blas REQUIRED)
find_package(Boost REQUIRED COMPONENTS filesystem)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(LIBSVM REQUIRED)
find_package(CURL REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(BLOSC REQUIRED IMPORTED_TARGET blosc)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
