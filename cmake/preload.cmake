# Preload list: decompress the committed Chromium list, compile it with the
# build-time tool (hsts/tool/, not globbed into libdetour) and embed the blob
# in libdetour as the default list (docs/preload-format.md).
#
# Outputs in ${PROJECT_BINARY_DIR}/preload/:
#   default.bin     the blob (tests open it through DETOUR_BUILD_DIR)
#   preload_blob.c  dt__preload_default_blob + dt__preload_open_default()
# The list embedded by default: the committed copy of Chromium's list, dated
# from fixtures/PROVENANCE.md (an input, not a guess).
set(DETOUR_PRELOAD_JSON_GZ
    ${PROJECT_SOURCE_DIR}/fixtures/preload/transport_security_state_static.json.gz)
set(DETOUR_PRELOAD_DATE "2026-06-01" CACHE STRING "Date of the committed HSTS preload list")
# Another list to embed (a newer one: Chromium's net/http/
# transport_security_state_static.json, as .json or .json.gz), and its date;
# empty: the file's modification day (UTC). Chromium stops using its list 70
# days after the build (docs/hsts.md rule 25), so a fresh copy here
# keeps a build's preloaded HSTS current; the test suite expects the
# committed list.
set(DETOUR_PRELOAD_SOURCE "" CACHE FILEPATH
    "Chromium's transport_security_state_static.json(.gz) to embed instead of the committed list")
set(DETOUR_PRELOAD_SOURCE_DATE "" CACHE STRING
    "Date (YYYY-MM-DD) of DETOUR_PRELOAD_SOURCE; empty: the file's modification day")
set(DETOUR_PRELOAD_DIR ${PROJECT_BINARY_DIR}/preload)
file(MAKE_DIRECTORY ${DETOUR_PRELOAD_DIR})
if(DETOUR_PRELOAD_SOURCE)
  get_filename_component(DETOUR_PRELOAD_SRC "${DETOUR_PRELOAD_SOURCE}" ABSOLUTE)
  if(NOT EXISTS "${DETOUR_PRELOAD_SRC}" OR IS_DIRECTORY "${DETOUR_PRELOAD_SRC}")
    message(FATAL_ERROR "DETOUR_PRELOAD_SOURCE: no file ${DETOUR_PRELOAD_SRC} "
                        "(Chromium's transport_security_state_static.json)")
  endif()
  if(DETOUR_PRELOAD_SOURCE_DATE)
    set(DETOUR_PRELOAD_LIST_DATE "${DETOUR_PRELOAD_SOURCE_DATE}")
  else()
    file(TIMESTAMP "${DETOUR_PRELOAD_SRC}" DETOUR_PRELOAD_LIST_DATE "%Y-%m-%d" UTC)
  endif()
  if(DETOUR_PRELOAD_SRC MATCHES "\\.gz$")
    set(DETOUR_PRELOAD_JSON_GZ "${DETOUR_PRELOAD_SRC}")
  else()
    set(DETOUR_PRELOAD_JSON "${DETOUR_PRELOAD_SRC}") # used as it is
  endif()
  # a new copy of the file re-runs the configure, so its date follows
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${DETOUR_PRELOAD_SRC}")
  message(STATUS "HSTS preload list: ${DETOUR_PRELOAD_SRC} (${DETOUR_PRELOAD_LIST_DATE})")
else()
  set(DETOUR_PRELOAD_LIST_DATE "${DETOUR_PRELOAD_DATE}")
endif()
if(NOT DETOUR_PRELOAD_LIST_DATE MATCHES "^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$")
  message(FATAL_ERROR "the preload list's date '${DETOUR_PRELOAD_LIST_DATE}' is not YYYY-MM-DD")
endif()

add_executable(detour_preload_compile ${PROJECT_SOURCE_DIR}/hsts/tool/preload_compile_main.c)
target_compile_options(detour_preload_compile PRIVATE ${DETOUR_WARNINGS})
target_link_libraries(detour_preload_compile PRIVATE detour_hsts)

if(NOT DETOUR_PRELOAD_JSON)
  set(DETOUR_PRELOAD_JSON ${DETOUR_PRELOAD_DIR}/transport_security_state_static.json)
  find_program(DETOUR_GZIP gzip REQUIRED)
  add_custom_command(
    OUTPUT ${DETOUR_PRELOAD_JSON}
    COMMAND ${DETOUR_GZIP} -dc ${DETOUR_PRELOAD_JSON_GZ} > ${DETOUR_PRELOAD_JSON}
    DEPENDS ${DETOUR_PRELOAD_JSON_GZ}
    COMMENT "Decompressing the HSTS preload list"
    VERBATIM)
endif()
add_custom_command(
  OUTPUT ${DETOUR_PRELOAD_DIR}/default.bin ${DETOUR_PRELOAD_DIR}/preload_blob.c
  COMMAND detour_preload_compile ${DETOUR_PRELOAD_JSON}
          -o ${DETOUR_PRELOAD_DIR}/default.bin --date ${DETOUR_PRELOAD_LIST_DATE}
          --emit-c ${DETOUR_PRELOAD_DIR}/preload_blob.c
  DEPENDS detour_preload_compile ${DETOUR_PRELOAD_JSON}
  COMMENT "Compiling the HSTS preload list (${DETOUR_PRELOAD_LIST_DATE})"
  VERBATIM)
# The embedded blob is its own object library, the only target that lists the
# generated files (two targets listing them could run the compile twice at
# once): the engine's objects then compile while the list is being compiled
# instead of waiting for it. libdetour, libdetour.so and detour_internal take
# its object with the engine's (DETOUR_ENGINE_EXTRA_OBJECTS).
add_library(detour_preload_embed OBJECT ${DETOUR_PRELOAD_DIR}/preload_blob.c)
target_include_directories(detour_preload_embed PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR})
target_compile_options(detour_preload_embed PRIVATE ${DETOUR_WARNINGS})
list(APPEND DETOUR_ENGINE_EXTRA_OBJECTS $<TARGET_OBJECTS:detour_preload_embed>)
list(APPEND DETOUR_ENGINE_EXTRA_TARGETS detour_preload_embed)
# A target so the blob is built with `all` (the hsts-only tests read
# default.bin by path).
add_custom_target(detour_preload_blob ALL)
add_dependencies(detour_preload_blob detour_preload_embed)
