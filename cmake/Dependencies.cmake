# Third-party dependencies, all from Debian 12 packages (scripts/setup.sh installs them).

# LLVM/Clang 19: Debian builds them as shared libraries (libLLVM, libclang-cpp), with RTTI on.
# We do not adopt LLVM's own compile flags (they force -fno-exceptions, which CLI11 needs).
find_package(Clang REQUIRED CONFIG PATHS /usr/lib/llvm-19/lib/cmake/clang NO_DEFAULT_PATH)
find_package(LLVM REQUIRED CONFIG PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_VERSION_MAJOR EQUAL 19)
  message(FATAL_ERROR "bpfcarve needs LLVM/Clang 19, found ${LLVM_PACKAGE_VERSION}")
endif()
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} at ${LLVM_INSTALL_PREFIX}")

add_library(bpfcarve_llvm INTERFACE)
target_include_directories(bpfcarve_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS} ${CLANG_INCLUDE_DIRS})
separate_arguments(_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_definitions(bpfcarve_llvm INTERFACE ${_llvm_defs})
target_link_libraries(bpfcarve_llvm INTERFACE clang-cpp LLVM)

find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
pkg_check_modules(LIBPCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
if(BPFCARVE_TESTS)
  find_package(GTest REQUIRED)
endif()

# The compiler bpfcarve runs to build BPF objects and whose resource dir the frontend needs.
find_program(BPFCARVE_CLANG NAMES clang-19 PATHS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
