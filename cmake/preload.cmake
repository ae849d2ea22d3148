# Preload list: decompress the committed Chromium list, compile it with the
# build-time tool (hsts/tool/, not globbed into libdetour) and embed the blob
# in libdetour as the default list (docs/preload-format.md).
#
# Outputs in ${PROJECT_BINARY_DIR}/preload/:
#   default.bin     the blob (tests open it through DETOUR_BUILD_DIR)
#   preload_blob.c  dt__preload_default_blob + dt__preload_open_default()
set(DETOUR_PRELOAD_JSON_GZ
    ${PROJECT_SOURCE_DIR}/fixtures/preload/transport_security_state_static.json.gz)
# The list's date comes from fixtures/PROVENANCE.md (an input, not a guess).
set(DETOUR_PRELOAD_DATE "2026-06-01" CACHE STRING "Date of the embedded HSTS preload list")
set(DETOUR_PRELOAD_DIR ${PROJECT_BINARY_DIR}/preload)
file(MAKE_DIRECTORY ${DETOUR_PRELOAD_DIR})

add_executable(detour_preload_compile ${PROJECT_SOURCE_DIR}/hsts/tool/preload_compile_main.c)
target_compile_options(detour_preload_compile PRIVATE ${DETOUR_WARNINGS})
target_link_libraries(detour_preload_compile PRIVATE detour_hsts)

find_program(DETOUR_GZIP gzip REQUIRED)
add_custom_command(
  OUTPUT ${DETOUR_PRELOAD_DIR}/transport_security_state_static.json
  COMMAND ${DETOUR_GZIP} -dc ${DETOUR_PRELOAD_JSON_GZ}
          > ${DETOUR_PRELOAD_DIR}/transport_security_state_static.json
  DEPENDS ${DETOUR_PRELOAD_JSON_GZ}
  COMMENT "Decompressing the HSTS preload list"
  VERBATIM)
add_custom_command(
  OUTPUT ${DETOUR_PRELOAD_DIR}/default.bin ${DETOUR_PRELOAD_DIR}/preload_blob.c
  COMMAND detour_preload_compile ${DETOUR_PRELOAD_DIR}/transport_security_state_static.json
          -o ${DETOUR_PRELOAD_DIR}/default.bin --date ${DETOUR_PRELOAD_DATE}
          --emit-c ${DETOUR_PRELOAD_DIR}/preload_blob.c
  DEPENDS detour_preload_compile ${DETOUR_PRELOAD_DIR}/transport_security_state_static.json
  COMMENT "Compiling the HSTS preload list (${DETOUR_PRELOAD_DATE})"
  VERBATIM)
# A target so the blob is built with `all` even before the engine needs it
# (the hsts-only tests read default.bin by path).
add_custom_target(detour_preload_blob ALL DEPENDS ${DETOUR_PRELOAD_DIR}/default.bin)
list(APPEND DETOUR_ENGINE_EXTRA_SOURCES ${DETOUR_PRELOAD_DIR}/preload_blob.c)
# Both targets list the generated files; order them so the compile step
# never runs twice in parallel (the engine target is defined after this
# fragment, hence DEFER).
cmake_language(DEFER CALL add_dependencies detour_engine detour_preload_blob)
