# Runs one command and checks its exit status and output.
#   cmake -DCOMMAND="a|b|c" -DEXPECT_EXIT=N [-DEXPECT_STDOUT=regex]
#         [-DEXPECT_STDERR=regex] [-DEXPECT_STDERR_LINES=N] -P expect.cmake
# COMMAND separates its arguments with '|' so they survive ctest's quoting.
string(REPLACE "|" ";" argv "${COMMAND}")
execute_process(COMMAND ${argv}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(problems "")
if(NOT "${status}" STREQUAL "${EXPECT_EXIT}")
  string(APPEND problems "exit status: expected ${EXPECT_EXIT}, got '${status}'\n")
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  string(APPEND problems "stdout does not match '${EXPECT_STDOUT}'\n")
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  string(APPEND problems "stderr does not match '${EXPECT_STDERR}'\n")
endif()
if(DEFINED EXPECT_STDERR_LINES)
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL EXPECT_STDERR_LINES)
    string(APPEND problems "stderr has ${lines} lines, expected ${EXPECT_STDERR_LINES}\n")
  endif()
endif()

if(problems)
  message(FATAL_ERROR "${argv}\n${problems}--- stdout:\n${out}--- stderr:\n${err}")
endif()
