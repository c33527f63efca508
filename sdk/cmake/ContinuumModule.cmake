# continuum_add_module(NAME SOURCES src.c ... [INCLUDE_DIRS dir ...]
#                      [DEFINES NAME=VALUE ...] [STACK_SIZE bytes] [MEMORY_PAGES n])
#
# Builds one stage module from C sources twice, with the same SDK:
#   NAME.wasm       wasm32 reactor (no _start), -Oz, bulk memory, no libc, stripped, dead
#                   code removed; target NAME_wasm (property CONTINUUM_WASM_FILE)
#   libNAME.so      native shared library for the host's native loader;
#                   target NAME_native
# The wasm build runs clang and wasm-ld through custom commands because one
# CMake project has one C compiler, the host's.
#
# Usable from this source tree (sdk/CMakeLists.txt includes it) or from another
# project: include(<continuum>/sdk/cmake/ContinuumModule.cmake).
include_guard(GLOBAL)

get_filename_component(CONTINUUM_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CONTINUUM_SDK_DIR "${CONTINUUM_SDK_DIR}" CACHE INTERNAL "Continuum guest SDK directory")

find_program(CONTINUUM_WASM_CC NAMES clang-19 clang DOC "clang able to target wasm32")
find_program(CONTINUUM_WASM_LD NAMES wasm-ld-19 wasm-ld DOC "wasm-ld from lld")

function(continuum_add_module name)
  # The SDK's own sources, compiled into every module (both builds).
  set(CONTINUUM_SDK_COMMON_SOURCES
    ${CONTINUUM_SDK_DIR}/src/ctm_runtime.c
    ${CONTINUUM_SDK_DIR}/src/ctm_number.c
    ${CONTINUUM_SDK_DIR}/src/ctm_json.c)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "STACK_SIZE;MEMORY_PAGES" "SOURCES;INCLUDE_DIRS;DEFINES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "continuum_add_module(${name}): SOURCES is required")
  endif()
  if(NOT arg_STACK_SIZE)
    set(arg_STACK_SIZE 16384)
  endif()
  if(NOT arg_MEMORY_PAGES)
    set(arg_MEMORY_PAGES 1)
  endif()

  set(sources)
  foreach(src IN LISTS arg_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND sources "${src}")
  endforeach()
  set(include_dirs ${CONTINUUM_SDK_DIR}/include ${CONTINUUM_SDK_DIR}/abi ${arg_INCLUDE_DIRS})

  # ---- native shared library ----
  add_library(${name}_native SHARED ${sources} ${CONTINUUM_SDK_COMMON_SOURCES}
              ${CONTINUUM_SDK_DIR}/src/ctm_native.c)
  set_target_properties(${name}_native PROPERTIES
    OUTPUT_NAME ${name} C_STANDARD 11 C_VISIBILITY_PRESET hidden)
  target_include_directories(${name}_native PRIVATE ${include_dirs})
  target_compile_definitions(${name}_native PRIVATE ${arg_DEFINES})
  # wasm has no fused multiply-add; without this, GCC on FMA targets (arm64
  # nodes) would compute a*b+c differently in the native build.
  target_compile_options(${name}_native PRIVATE -ffp-contract=off)

  # ---- wasm32 reactor ----
  if(NOT CONTINUUM_WASM_CC OR NOT CONTINUUM_WASM_LD)
    message(WARNING "continuum_add_module(${name}): no clang/wasm-ld for wasm32, only the native build")
    return()
  endif()
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm.d)
  set(wasm ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  # -mbulk-memory: memcpy/memset become memory.copy/memory.fill, one
  # instruction each instead of a byte loop in the interpreter (soil-filter:
  # ~16 % fewer instructions per reading). -Oz stays: -O2 made soil-filter 53 %
  # larger for 4 % fewer instructions and no measurable time (docs/benchmarks.md).
  set(cflags --target=wasm32 -Oz -mbulk-memory -std=c11 -ffreestanding -nostdlib -fvisibility=hidden
             -ffunction-sections -fdata-sections -Wall -Wextra)
  foreach(dir IN LISTS include_dirs)
    list(APPEND cflags -I${dir})
  endforeach()
  foreach(def IN LISTS arg_DEFINES)
    list(APPEND cflags -D${def})
  endforeach()

  set(objects)
  set(compile_commands)
  foreach(src IN LISTS sources CONTINUUM_SDK_COMMON_SOURCES ITEMS ${CONTINUUM_SDK_DIR}/src/ctm_libc.c)
    get_filename_component(stem "${src}" NAME_WE)
    set(obj ${out_dir}/${stem}.o)
    if(obj IN_LIST objects)
      message(FATAL_ERROR "continuum_add_module(${name}): two sources named ${stem}")
    endif()
    list(APPEND objects ${obj})
    list(APPEND compile_commands COMMAND ${CONTINUUM_WASM_CC} ${cflags} -c ${src} -o ${obj})
  endforeach()
  math(EXPR initial_memory "${arg_MEMORY_PAGES} * 65536")
  add_custom_command(
    OUTPUT ${wasm}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    ${compile_commands}
    COMMAND ${CONTINUUM_WASM_LD} --no-entry --strip-all --gc-sections
            -z stack-size=${arg_STACK_SIZE} --initial-memory=${initial_memory}
            --max-memory=${initial_memory} ${objects} -o ${wasm}
    DEPENDS ${sources} ${CONTINUUM_SDK_COMMON_SOURCES} ${CONTINUUM_SDK_DIR}/src/ctm_libc.c
            ${CONTINUUM_SDK_DIR}/include/continuum.h ${CONTINUUM_SDK_DIR}/include/continuum_json.h
            ${CONTINUUM_SDK_DIR}/abi/continuum_abi.def ${CONTINUUM_SDK_DIR}/abi/continuum_errors.def
            ${CONTINUUM_SDK_DIR}/abi/continuum_abi_macros.h
    COMMENT "Building stage module ${name}.wasm"
    VERBATIM)
  add_custom_target(${name}_wasm ALL DEPENDS ${wasm})
  set_target_properties(${name}_wasm PROPERTIES CONTINUUM_WASM_FILE ${wasm})
endfunction()
