# Installs the built fitstore into a private prefix, checks the exported
# package names no absolute library path, MOVES the prefix elsewhere, then
# configures, builds and runs projects that find the moved copy with
# find_package(fitstore): the store alone (no BLAS anywhere) and the
# estimators component.
foreach(var SOURCE_DIR BINARY_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed: ${rc}")
endif()

# The exported targets must name imported targets, never a file of this machine.
file(GLOB_RECURSE package_files ${prefix}/*/fitstore*Targets*.cmake)
if(NOT package_files)
  message(FATAL_ERROR "no fitstore*Targets*.cmake installed under ${prefix}")
endif()
foreach(f ${package_files})
  file(READ ${f} text)
  string(REGEX MATCH "[\";]/[^\";]*\\.(a|so)[\";.]" absolute "${text}")
  if(absolute)
    message(FATAL_ERROR "${f} names an absolute library path: ${absolute}")
  endif()
  foreach(dir ${prefix} ${BINARY_DIR} ${SOURCE_DIR})
    string(FIND "${text}" "${dir}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} names the folder ${dir}: the package would not relocate")
    endif()
  endforeach()
endforeach()

# Relocate: everything below must work from the moved copy only.
set(moved ${WORK_DIR}/moved-prefix)
file(RENAME ${prefix} ${moved})

function(build_and_run project exe)
  set(build ${WORK_DIR}/build-${project})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer/${project} -B ${build}
                          -DCMAKE_PREFIX_PATH=${moved} -DCMAKE_BUILD_TYPE=Release
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the ${project} consumer project failed: ${rc}\n${out}\n${err}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${build} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building the ${project} consumer project failed: ${rc}\n${out}\n${err}")
  endif()
  foreach(e ${exe})
    execute_process(COMMAND ${build}/${e} ${WORK_DIR}/store-${e} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
    message(STATUS "${e}: ${out}")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "the ${e} program failed: ${rc}")
    endif()
  endforeach()
endfunction()

build_and_run(store "oneline;consumer")
# The store-only programs must not need BLAS or LAPACK at run time either.
foreach(e oneline consumer)
  execute_process(COMMAND readelf -d ${WORK_DIR}/build-store/${e} OUTPUT_VARIABLE needed RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf failed on ${e}")
  endif()
  if(needed MATCHES "blas|lapack|libsvm")
    message(FATAL_ERROR "${e} links BLAS/LAPACK/libsvm although it uses fitstore::fitstore only:\n${needed}")
  endif()
endforeach()
build_and_run(estimators "estimators_consumer")
