# The OpenAI-compatible fake upstream: a library for in-process tests and the `fake-upstream`
# executable for the README's run command and the benchmarks. Included from the top level so the
# release build (without tests) has it too.
add_library(safemig_fake_upstream STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_upstream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fake_upstream_apis.cpp)
safemig_target_defaults(safemig_fake_upstream)
# Include as "support/fake_upstream.h", like the rest of tests/support.
target_include_directories(safemig_fake_upstream PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(safemig_fake_upstream PUBLIC safemig_http)

add_executable(fake-upstream ${CMAKE_CURRENT_LIST_DIR}/fake_upstream_main.cpp)
safemig_target_defaults(fake-upstream)
target_link_libraries(fake-upstream PRIVATE safemig_fake_upstream CLI11::CLI11)
