# Compile options shared by every safemig target. Applied per target, never globally.
option(SAFEMIG_WERROR "Treat compiler warnings as errors" ON)
option(SAFEMIG_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

function(safemig_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  # GCC 12 at -O2/-O3 reports -Wrestrict inside libstdc++'s std::string operator+ for code that
  # is correct (GCC bug 105329, fixed in GCC 13); the warning stays on for other compilers.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  # GCC at -O2 (RelWithDebInfo) reports -Wmismatched-new-delete where Asio frees a coroutine
  # frame through awaitable_frame_base's own operator delete, which matches its operator new;
  # the frame is allocated and freed by Asio's recycling allocator, never by the global pair.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
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
