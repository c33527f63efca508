# Cross toolchain for Cortex-M4F bare metal: Debian's gcc-arm-none-eabi with
# newlib (libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib).
# Used by the `cortex-m4` preset: cmake --preset cortex-m4.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")

# There is nothing to run a test executable on while configuring, so CMake's
# compiler checks build a static library instead of linking a program.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4 with its single-precision FPU, hard-float ABI (newlib ships the
# matching thumb/v7e-m+fp/hard multilib). f64 arithmetic is done in software.
set(CONTINUUM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
# Size first: every function and object in its own section so the linker can
# drop what the firmware does not reach (--gc-sections). No exceptions, no RTTI,
# no thread-safe statics (single core, no threads: the guards would only cost code).
set(CONTINUUM_SIZE_FLAGS "-ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${CONTINUUM_CPU_FLAGS} ${CONTINUUM_SIZE_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT
    "${CONTINUUM_CPU_FLAGS} ${CONTINUUM_SIZE_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${CONTINUUM_CPU_FLAGS}")
# newlib-nano keeps the C library small; the firmware brings its own startup.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${CONTINUUM_CPU_FLAGS} --specs=nano.specs -nostartfiles -Wl,--gc-sections")

# The interpreter without superinstructions: they double its handler count
# for speed on big cores, which flash on a microcontroller cannot afford.
set(CONTINUUM_INTERP_COMPACT ON CACHE BOOL "Interpreter without superinstructions (smaller code)")

set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_CXX_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")

# Look for libraries and headers only in the target environment.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
