# SPDX-License-Identifier: GPL-2.0
# Builds out-of-tree kernel modules with Kbuild from CMake.
#
# KERNEL_DIR selects the kernel build tree (a Debian /usr/src/linux-headers-<ver>,
# a RHEL /usr/src/kernels/<ver>, or any configured tree). By default it is the
# headers package that matches the installed linux-image-amd64 on Debian: the
# machine that builds is not necessarily running the kernel the modules are for.
# Without dpkg, it is the running kernel's /lib/modules/<release>/build, else the
# newest /usr/src/kernels/<ver>.

set(KERNEL_DIR "" CACHE PATH "Kernel build tree to build modules against")
option(BUILD_KERNEL_MODULES "Build the kernel modules" ON)
option(MCK_DEPMOD "Run depmod after installing the modules (never when DESTDIR is set)" ON)

if(BUILD_KERNEL_MODULES AND NOT KERNEL_DIR)
  find_program(DPKG_QUERY dpkg-query)
  set(_found "")
  if(DPKG_QUERY)
    execute_process(COMMAND ${DPKG_QUERY} -W -f=\${Depends} linux-headers-amd64
                    OUTPUT_VARIABLE _deps ERROR_QUIET)
    string(REGEX MATCH "linux-headers-[^ ,]+" _pkg "${_deps}")
    if(_pkg AND EXISTS /usr/src/${_pkg}/include/generated/utsrelease.h)
      set(_found /usr/src/${_pkg})
    endif()
  endif()
  if(NOT _found)
    execute_process(COMMAND uname -r OUTPUT_VARIABLE _running OUTPUT_STRIP_TRAILING_WHITESPACE)
    file(GLOB _rhel LIST_DIRECTORIES true /usr/src/kernels/*)
    list(SORT _rhel COMPARE NATURAL ORDER DESCENDING)
    foreach(_dir /lib/modules/${_running}/build ${_rhel})
      if(EXISTS ${_dir}/include/generated/utsrelease.h)
        set(_found ${_dir})
        break()
      endif()
    endforeach()
  endif()
  if(_found)
    set(KERNEL_DIR ${_found} CACHE PATH "Kernel build tree to build modules against" FORCE)
  else()
    message(FATAL_ERROR "No kernel build tree: install linux-headers-amd64 (packaging/deps.sh) "
                        "or kernel-devel, or pass -DKERNEL_DIR=/path/to/kernel/build")
  endif()
endif()

if(BUILD_KERNEL_MODULES)
  if(NOT EXISTS ${KERNEL_DIR}/include/generated/utsrelease.h)
    message(FATAL_ERROR "KERNEL_DIR=${KERNEL_DIR} is not a configured kernel build tree "
                        "(include/generated/utsrelease.h is missing)")
  endif()
  file(STRINGS ${KERNEL_DIR}/include/generated/utsrelease.h _uts REGEX "UTS_RELEASE")
  string(REGEX REPLACE ".*\"(.*)\".*" "\\1" KERNEL_RELEASE "${_uts}")
  message(STATUS "Kernel modules for ${KERNEL_RELEASE} (${KERNEL_DIR})")
  # Where the kernel's module loader looks (modprobe by name, after depmod).
  set(MCK_MODULE_INSTALL_DIR /lib/modules/${KERNEL_RELEASE}/extra)
endif()

# add_kernel_modules(<target> MODULES a.ko b.ko SOURCES files... [INCLUDES dirs...]
#                    [SYMVERS other/Module.symvers...] [DEPENDS targets...])
# Copies SOURCES (and the Kbuild file next to them) into the binary directory and
# runs Kbuild there, so the source tree stays clean.
function(add_kernel_modules target)
  cmake_parse_arguments(KM "" "" "MODULES;SOURCES;INCLUDES;SYMVERS;DEPENDS" ${ARGN})
  if(NOT BUILD_KERNEL_MODULES)
    return()
  endif()
  set(kdir ${CMAKE_CURRENT_BINARY_DIR}/kbuild)
  set(copied)
  foreach(src Kbuild ${KM_SOURCES})
    add_custom_command(OUTPUT ${kdir}/${src}
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${CMAKE_CURRENT_SOURCE_DIR}/${src} ${kdir}/${src}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src})
    list(APPEND copied ${kdir}/${src})
  endforeach()
  set(include_flags)
  foreach(inc ${KM_INCLUDES})
    string(APPEND include_flags " -I${inc}")
  endforeach()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/ihk/include/*.h
                              ${CMAKE_SOURCE_DIR}/mcexec/include/*.h)
  set(outputs)
  foreach(ko ${KM_MODULES})
    list(APPEND outputs ${kdir}/${ko})
  endforeach()
  list(JOIN KM_SYMVERS " " symvers)
  add_custom_command(OUTPUT ${outputs} ${kdir}/Module.symvers
    # Kbuild does not run modpost again when only another module's
    # Module.symvers changed, and keeps the .mod.c with the old CRCs of the
    # symbols a module imports: drop both so the module links against the new ones.
    COMMAND find ${kdir} -maxdepth 1 ( -name *.mod.c -o -name Module.symvers ) -delete
    COMMAND make -C ${KERNEL_DIR} M=${kdir} "KCPPFLAGS=${include_flags}"
            "KBUILD_EXTRA_SYMBOLS=${symvers}" modules
    # The other modules' Module.symvers too: their symbols' CRCs change with
    # their headers, and a module linked against stale ones does not load.
    DEPENDS ${copied} ${headers} ${KM_DEPENDS} ${KM_SYMVERS}
    WORKING_DIRECTORY ${kdir}
    COMMENT "Kbuild: ${KM_MODULES}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${outputs})
  set_target_properties(${target} PROPERTIES SYMVERS ${kdir}/Module.symvers)
  # The modules land next to each other in <build>/modules for the tools and tests.
  foreach(ko ${KM_MODULES})
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/modules
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${kdir}/${ko} ${CMAKE_BINARY_DIR}/modules/${ko})
    install(FILES ${kdir}/${ko} DESTINATION ${MCK_MODULE_INSTALL_DIR} COMPONENT modules)
  endforeach()
endfunction()

# install_kernel_modules_finish(): called once, after every add_kernel_modules(), so
# its rules run after theirs (CMP0082). Installs the modules' Module.symvers for
# out-of-tree users, and runs depmod unless DESTDIR is set (a package does that in
# its own scripts, for the kernel it is installed on).
function(install_kernel_modules_finish)
  if(NOT BUILD_KERNEL_MODULES)
    return()
  endif()
  set(all)
  foreach(t ${ARGN})
    get_target_property(sv ${t} SYMVERS)
    list(APPEND all ${sv})
  endforeach()
  set(out ${CMAKE_BINARY_DIR}/modules/Module.symvers)
  add_custom_command(OUTPUT ${out} COMMAND cat ${all} > ${out} DEPENDS ${ARGN} ${all} VERBATIM)
  add_custom_target(modules_symvers ALL DEPENDS ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_DATADIR}/mckernel COMPONENT devel)
  if(NOT MCK_DEPMOD)
    return()
  endif()
  install(CODE "
    if(\"\$ENV{DESTDIR}\" STREQUAL \"\")
      message(STATUS \"depmod -a ${KERNEL_RELEASE}\")
      execute_process(COMMAND depmod -a ${KERNEL_RELEASE} RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(WARNING \"depmod -a ${KERNEL_RELEASE} failed; run it before modprobe ihk\")
      endif()
    endif()" COMPONENT modules)
endfunction()
