# Runs `continuum replay MODULE ARGS...` (ARGS: arguments separated by '|')
# and requires exit status RC and a stderr line matching ERROR_REGEX.
cmake_minimum_required(VERSION 3.25)
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(
  COMMAND ${CONTINUUM} replay ${MODULE} ${ARGS}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL RC)
  message(FATAL_ERROR "expected exit status ${RC}, got ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT err MATCHES "${ERROR_REGEX}")
  message(FATAL_ERROR "stderr does not match '${ERROR_REGEX}':\n${err}")
endif()
