# Install layout and the Debian package (scripts/package.sh runs cpack).
#
#   bin/bpfcarve, bin/bpfcarve-agent            the command and the guest agent (--kernel)
#   share/bpfcarve/                             data the binary finds relative to itself
#   share/man/man1/bpfcarve*.1.gz               bpfcarve(1) and one page per command
#   share/bash-completion/completions/bpfcarve  bash completion
#
# The man pages and the completion are written by the built binary from its own CLI definitions
# (`bpfcarve generate-docs`, cli/GeneratedDocs.cpp), so they never drift from `--help`.

set(BPFCARVE_MAN_DIR ${CMAKE_BINARY_DIR}/share/man/man1)
set(BPFCARVE_COMPLETION ${CMAKE_BINARY_DIR}/share/bash-completion/completions/bpfcarve)
add_custom_command(
  OUTPUT ${BPFCARVE_MAN_DIR}/bpfcarve.1.gz ${BPFCARVE_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${BPFCARVE_MAN_DIR}
  COMMAND $<TARGET_FILE:bpfcarve> generate-docs --man ${BPFCARVE_MAN_DIR}
          --bash-completion ${BPFCARVE_COMPLETION}
  COMMAND sh -c "gzip -9nf ${BPFCARVE_MAN_DIR}/*.1"
  DEPENDS bpfcarve
  COMMENT "Generating man pages and bash completion from bpfcarve's CLI")
add_custom_target(bpfcarve_docs ALL DEPENDS ${BPFCARVE_MAN_DIR}/bpfcarve.1.gz ${BPFCARVE_COMPLETION})

install(TARGETS bpfcarve RUNTIME DESTINATION bin)
install(DIRECTORY ${BPFCARVE_SHARE_DIR}/ DESTINATION share/bpfcarve)
install(DIRECTORY ${BPFCARVE_MAN_DIR}/ DESTINATION share/man/man1)
install(FILES ${BPFCARVE_COMPLETION} DESTINATION share/bash-completion/completions)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/ci.md
        DESTINATION share/doc/bpfcarve)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bpfcarve)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "carve features out of BPF C programs, retarget them between hooks, prove them")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "bpfcarve slices a BPF C program by functions, programs, lines or maps with their exact "
  "closure, retargets the code to another hook, verifies it in the kernel verifier (also in "
  "other kernels booted under QEMU) and composes carved parts into one program; `bpfcarve ci` "
  "runs job files for CI with baselines, SARIF and Markdown reports.")
set(CPACK_PACKAGE_CONTACT "bpfcarve developers <bpfcarve@bpfcarve.dev>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The libraries the binary links come from dpkg-shlibdeps when it is installed (dpkg-dev); the
# tools it runs are named: clang-19 compiles, llvm-19's opt and llc build kbuild-style inputs.
find_program(BPFCARVE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(BPFCARVE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "clang-19, llvm-19")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "clang-19, llvm-19, libbpf1, libelf1, zlib1g, libzstd1, libpcap0.8, libyaml-cpp0.7, libstdc++6, libgcc-s1, libc6")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qemu-system-x86, bpftool")
include(CPack)
