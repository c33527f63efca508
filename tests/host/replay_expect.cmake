# Runs `continuum replay` on traces/NAME.jsonl with the arguments in
# traces/NAME.args (one per line, %TRACES% = the traces folder) and compares
# stdout with traces/NAME.expected.jsonl.
cmake_minimum_required(VERSION 3.25)
file(STRINGS ${TRACES}/${NAME}.args args)
list(TRANSFORM args REPLACE "%TRACES%" "${TRACES}")
execute_process(
  COMMAND ${CONTINUUM} replay ${MODULE} --trace ${TRACES}/${NAME}.jsonl ${args}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "continuum replay exited with ${rc}:\n${err}")
endif()
file(READ ${TRACES}/${NAME}.expected.jsonl expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "replay output differs.\n--- expected\n${expected}--- actual\n${out}--- stderr\n${err}")
endif()
