# Compile options shared by every safemig target. Applied per target, never globally.
option(SAFEMIG_WERROR "Treat compiler warnings as errors" ON)
option(SAFEMIG_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

function(safemig_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(SAFEMIG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SAFEMIG_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# safemig_add_test(NAME name SOURCES ... LIBS ...): one GoogleTest executable registered with CTest.
function(safemig_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  safemig_target_defaults(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} safemig_test_support GTest::gmock_main)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
