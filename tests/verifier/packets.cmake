# bpfcarve_packet_tests: generated packet sets, pcap reading/writing, the layer decoder.
# Included by the tests' CMakeLists (paths are relative to this file, so it works from anywhere).
add_executable(bpfcarve_packet_tests ${CMAKE_CURRENT_LIST_DIR}/PacketsTest.cpp)
target_link_libraries(bpfcarve_packet_tests PRIVATE bpfcarve_verifier GTest::gtest_main)
# Docs.PacketsMdListsEverySetAndPacket reads docs/packets.md.
target_compile_definitions(bpfcarve_packet_tests PRIVATE BPFCARVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(bpfcarve_packet_tests DISCOVERY_TIMEOUT 60)
