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

# By default the Clang and LLVM components are linked statically from Debian's component
# archives (libclangTooling.a, libLLVMSupport.a, ...): only the objects bpfcarve references are
# pulled in, and none of the ~80 MB of shared libLLVM/libclang-cpp is mapped, relocated and
# initialised at every start (docs/architecture.md, "Linking and start-up").
# BPFCARVE_LLVM_SHARED=ON links the shared libraries instead (a slower start).
#
# Sanitizer and fuzz builds always link the shared libraries: the static archives are not
# instrumented, yet the LLVM headers' inline functions are, and the linker keeps one copy of
# each. An instrumented BumpPtrAllocator::StartNewSlab (it poisons the new slab) then meets an
# uninstrumented Allocate (it never unpoisons), and ASan reports use-after-poison inside
# clang::IdentifierTable::get on the first parse. The shared libraries bind their own copies.
option(BPFCARVE_LLVM_SHARED "Link the shared libclang-cpp and libLLVM instead of the static components" OFF)
option(BPFCARVE_PIE "Link the executables as position-independent (a slower start)" OFF)
if(BPFCARVE_LLVM_SHARED OR BPFCARVE_SANITIZE OR BPFCARVE_FUZZ)
  target_link_libraries(bpfcarve_llvm INTERFACE clang-cpp LLVM)
else()
  # LLVMSupport's compression calls zstd. Debian's LLVM config looks for libzstd-dev, which is
  # not among our packages; the runtime library that libllvm19 itself depends on is enough.
  if(NOT TARGET zstd::libzstd_shared)
    find_library(BPFCARVE_ZSTD NAMES zstd libzstd.so.1 REQUIRED)
    add_library(zstd::libzstd_shared UNKNOWN IMPORTED)
    set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION ${BPFCARVE_ZSTD})
  endif()
  # The LLVM components the Clang libraries below are built against (their LLVM_LINK_COMPONENTS
  # in Clang's sources); Debian's imported Clang targets name the shared "LLVM" for all of them.
  llvm_map_components_to_libnames(_bpfcarve_llvm_static
    Support TargetParser FrontendOpenMP FrontendHLSL BinaryFormat Core BitReader BitstreamReader
    Option ProfileData MC MCParser Object WindowsDriver Demangle)
  set(_bpfcarve_clang_static clangTooling clangToolingCore clangToolingInclusions clangFormat
    clangFrontend clangDriver clangSerialization clangParse clangSema clangAnalysis clangEdit
    clangAPINotes clangASTMatchers clangAST clangRewrite clangLex clangSupport clangBasic)
  foreach(_lib IN LISTS _bpfcarve_clang_static)
    get_target_property(_deps ${_lib} INTERFACE_LINK_LIBRARIES)
    list(TRANSFORM _deps REPLACE "^LLVM$" "${_bpfcarve_llvm_static}")
    set_target_properties(${_lib} PROPERTIES INTERFACE_LINK_LIBRARIES "${_deps}")
  endforeach()
  target_link_libraries(bpfcarve_llvm INTERFACE ${_bpfcarve_clang_static})
  # --gc-sections drops the unreferenced functions of the objects pulled in (Debian builds the
  # archives with -ffunction-sections): 69 -> 50 MB. --as-needed keeps libz3.so, which
  # LLVMSupport names for an SMT solver bpfcarve never calls, out of the dependencies. Packed
  # relative relocations (DT_RELR, binutils 2.38 and glibc 2.36) keep a PIE's 230k relocations
  # small on disk (BPFCARVE_PIE=ON).
  #
  # The executables are not position-independent (-no-pie): a PIE of this size spends most of
  # its start in the dynamic loader writing those relocations into 2.5 MB of .data.rel.ro
  # (vtables, Clang's option and diagnostic tables) -- 67 % of the start's ~990 page faults,
  # 4.3 ms against 2.9 ms for `bpfcarve --version` (bench/RESULTS.md). Shared libraries, stack,
  # heap and mmap regions stay randomised, and RELRO, NX and the stack protector are unchanged;
  # only the executable's own addresses are fixed. BPFCARVE_PIE=ON links a PIE.
  target_link_options(bpfcarve_llvm INTERFACE LINKER:--gc-sections LINKER:--as-needed
    LINKER:-z,pack-relative-relocs $<IF:$<BOOL:${BPFCARVE_PIE}>,-pie,-no-pie>)
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
pkg_check_modules(LIBPCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
# Recipes and CI job files (compose, ci): Debian's libyaml-cpp-dev.
find_package(yaml-cpp REQUIRED)
if(BPFCARVE_TESTS)
  find_package(GTest REQUIRED)
endif()

# The compiler bpfcarve runs to build BPF objects and whose resource dir the frontend needs.
find_program(BPFCARVE_CLANG NAMES clang-19 PATHS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
